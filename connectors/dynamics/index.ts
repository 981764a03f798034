export { createDynamicsConnector } from './dynamics.connector.ts';
export type { DynamicsConnector, DynamicsSettings } from './dynamics.connector.ts';
export { DynamicsOptions, parseDynamicsOptions } from './dynamics-options.ts';
export type { DynamicsOptionsInput } from './dynamics-options.ts';
export type { DynamicsUpsertResult } from './upsert-opportunities.ts';
export type { CloseDetails } from './close-opportunity.ts';
export { classifyDataverseError, DataverseValidationError, readDataverseError } from './classify-dataverse-error.ts';
export { taskId } from './expiry-writer.ts';
