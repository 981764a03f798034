import type { Logger } from 'pino';
import { toOpportunityDraft } from '../src/mapping/apply.ts';
import { restartChanges } from '../src/mapping/mapping-changes.ts';
import { routeReferral } from '../src/mapping/routing.ts';
import type { Mapping } from '../src/mapping/schema.ts';
import type { MappingStore } from '../src/ports/mapping-store.ts';
import { checkForDeployment, type Deployment, type MappingInForce } from './mapping-versions.ts';
import type { JobMapping } from './sync-queues.ts';

/*
 * Hot reload (issue 17): before each sync job the worker asks which version is current (one GET)
 * and, when it changed, loads and checks the new one. The job then uses that version from start
 * to end. A version whose changes need a restart (restartChanges: upsert key, object, outbound
 * rules...) is not applied by a running worker, which says so once; the next start applies it.
 */

const jobMappingOf = (id: number | null, mapping: Mapping, both: boolean): JobMapping => ({
  id,
  toDraft: (kind, referral, now) => toOpportunityDraft(kind, referral, now, mapping),
  ...(both && mapping.routing
    ? {
        route: (referral) =>
          routeReferral(mapping.routing ?? { default: 'salesforce', rules: [] }, referral, mapping.referralLink),
      }
    : {}),
});

export function createLiveMapping(o: {
  store: MappingStore;
  start: MappingInForce;
  deployment: Deployment;
  log: Logger;
}): () => Promise<JobMapping> {
  const startMapping = o.start.mapping;
  let active = jobMappingOf(o.start.version?.id ?? null, startMapping, o.deployment.both);
  /** Versions looked at and not applied (invalid here, or needing a restart): not loaded again. */
  const passed = new Set<number>();
  let loading: Promise<JobMapping> | undefined;

  const load = async (id: number): Promise<JobMapping> => {
    const version = await o.store.get(id);
    const checked = version ? checkForDeployment(version.text, o.deployment) : undefined;
    if (!version || !checked?.ok) {
      passed.add(id);
      o.log.error(
        { mappingVersion: id, inForce: active.id },
        'mapping version cannot be used here; keeping the one in force',
      );
      return active;
    }
    const restart = restartChanges(startMapping, checked.mapping);
    if (restart.length > 0) {
      passed.add(id);
      o.log.warn(
        { mappingVersion: id, inForce: active.id, needsRestart: restart.map((c) => c.path) },
        'mapping version changes settings read at start: it applies after the workers restart',
      );
      return active;
    }
    active = jobMappingOf(id, checked.mapping, o.deployment.both);
    o.log.info(
      { mappingVersion: id, author: version.author },
      'mapping version now in force (applied without restart)',
    );
    return active;
  };

  return async () => {
    const id = await o.store.currentId();
    if (id === null || id === active.id || passed.has(id)) return active;
    // Concurrent jobs share one load of a new version.
    loading ??= load(id).finally(() => {
      loading = undefined;
    });
    return loading;
  };
}
