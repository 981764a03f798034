import { DOCUMENTED_HELP_TYPES } from '../../src/share/share-rules.ts';

/** The help types the simulated CRM's picklist offers: the ones Partner Center's UI lists. */
export const HELP_TYPES_FOR_DEMO: readonly string[] = DOCUMENTED_HELP_TYPES;
