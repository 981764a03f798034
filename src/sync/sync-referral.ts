import type { Logger } from 'pino';
import { isTerminal, type Referral } from '../domain/referral.ts';
import { ConflictError, FatalError, RetryableError, SyncError, ValidationError } from '../errors.ts';
import type { CrmKind, OpportunityDraft, OpportunityStamp, UpsertResult } from '../ports/crm.ts';
import type { PartnerCenterClient } from '../ports/partner-center.ts';
import type { Clock } from '../ports/clock.ts';
import type { ParkingLot, ReferralStore, ReferralSyncState, SyncStateStore } from '../ports/state.ts';
import { changedPart, draftHashes } from './draft-hash.ts';
import { inboundStatusUpdate } from '../outbound/inbound-echo.ts';
import type { OutboundRules } from '../outbound/outbound-rules.ts';
import { valuesFromDraft, type ValueFieldNames } from '../outbound/draft-values.ts';
import type { CrmOutbound } from '../ports/crm.ts';
import type { OutboundStore } from '../ports/outbound-store.ts';
import { followConversion, type LeadTarget } from './follow-conversion.ts';
import { withoutCreateOnly } from './update-draft.ts';

/** Where one referral goes: a CRM with its mapping and (batched) upsert. */
export interface SyncTarget {
  crm: CrmKind;
  /** Upserts one draft; batching across concurrent jobs happens behind this function. */
  upsert: (draft: OpportunityDraft) => Promise<UpsertResult>;
  /** The admin's mapping applied to one referral; throws MappingError. */
  toDraft: (referral: Referral, now: Date) => OpportunityDraft;
  /** The mapping version toDraft applies (issue 17), recorded with the write; absent: unversioned. */
  mappingVersion?: number | undefined;
  /**
   * Finds the opportunity of a referral by its key (the connector's readStamp), to recognise one
   * written before the sync state was lost. Absent: no such read (always a full write).
   */
  lookup?: ((referralId: string) => Promise<OpportunityStamp | null>) | undefined;
  /** With outbound sync on: Partner Center state changes also move the stage (inboundStages). */
  inbound?:
    { outbound: OutboundStore; crm: CrmOutbound; rules: OutboundRules; valueFields: ValueFieldNames } | undefined;
  /** The mapping has a lead section for this CRM: referrals its `leads` rule picks land as Leads (issue 16). */
  lead?: LeadTarget | undefined;
}

/** How a referral is written: to its opportunity (`target` itself) or to its Lead. */
type Writer = Pick<SyncTarget, 'upsert' | 'toDraft' | 'lookup'>;

export interface SyncDeps {
  referrals: ReferralStore;
  state: SyncStateStore;
  parking: Pick<ParkingLot, 'park' | 'release'>;
  partnerCenter: PartnerCenterClient;
  /** Picks the CRM for a referral (the mapping's routing rules; one CRM: always that one). */
  target: (referral: Referral) => SyncTarget;
  clock: Clock;
  log: Logger;
  /**
   * The deployment's state epoch now, and whether Redis was ever found to have lost its data
   * (connectors/redis/state-epoch.ts); absent: neither is considered.
   */
  stateHistory?: (() => Promise<{ epoch: string | null; lossSeen: boolean }>) | undefined;
  /**
   * Whether the opportunity `crmId` is being shared with Microsoft and does not hold its referral's
   * key yet (issue 16); absent: nothing is ever shared.
   */
  shareInFlight?: ((crm: CrmKind, crmId: string) => Promise<boolean>) | undefined;
  /** The target of one CRM by kind (CRM=both); absent: only `target` routes. */
  targetOf?: ((crm: CrmKind) => SyncTarget | undefined) | undefined;
}

export type SyncOutcome = 'created' | 'updated' | 'unchanged' | 'superseded';

export interface SyncOptions {
  /** Read the referral from Partner Center even when a copy is stored (webhook-triggered jobs). */
  fetch?: boolean | undefined;
  /**
   * Queued by the full pull after Redis lost its data: with no sync state, look for an existing
   * opportunity even when the referral names none (Closed referrals never get a write-back).
   */
  adopt?: boolean | undefined;
  /**
   * The state epoch the job was queued under (jobs queued by a pull). A job from a pull that ran
   * across a Redis data loss carries the old one: its "no sync state" means lost, not new.
   */
  epoch?: string | undefined;
}

/**
 * Brings one referral's opportunity up to date, then writes the CRM id back to Partner Center
 * once. Compare before write: the same eTag, or the same mapped values, makes no CRM call.
 * A FatalError parks the referral (dashboard, reason) and is rethrown for the dead-letter state.
 */
export async function syncReferral(
  deps: SyncDeps,
  referralId: string,
  jobETag: string,
  opts: SyncOptions = {},
): Promise<SyncOutcome> {
  try {
    return await syncOrThrow(deps, referralId, jobETag, opts);
  } catch (err) {
    if (err instanceof FatalError) {
      await deps.parking.park({
        referralId,
        reason: err.message,
        stage: stageOf(err),
        at: deps.clock.now().toISOString(),
        ...faultOf(err),
      });
      deps.log.error({ err }, 'referral parked');
    }
    throw err;
  }
}

async function syncOrThrow(
  deps: SyncDeps,
  referralId: string,
  jobETag: string,
  opts: SyncOptions,
): Promise<SyncOutcome> {
  // Both reads go out together (one Redis round trip): only this job, holding the referral's
  // lease, writes either of them.
  const [stored, previous] = await Promise.all([
    opts.fetch === true ? null : deps.referrals.get(referralId),
    deps.state.get(referralId),
  ]);
  let referral = stored;
  if (referral === null) {
    // Not seen by a pull yet (a replay after Redis lost data), or a webhook said it changed.
    referral = await deps.partnerCenter.getReferral(referralId);
    await deps.referrals.putMany([referral]);
  }
  if (previous && previous.eTag === referral.eTag) {
    // A retry after a failed write-back: the CRM write happened in an earlier attempt.
    const finished = previous.writtenBack ? undefined : previous.pendingOutcome;
    // So may the status write after it (a retry used to skip it for good), or a reconcile sweep
    // found the status missing on the opportunity: shown now, unless already shown (echo guard).
    const sameTarget = deps.target(referral);
    if (sameTarget.crm === previous.crm && previous.record !== 'lead')
      await applyInboundStatus(deps, sameTarget, referral, previous.crmId);
    await writeBackOnce(deps, referral, previous, opts.fetch === true);
    if (referral.eTag !== jobETag) return 'superseded';
    return finished ?? 'unchanged';
  }

  const now = deps.clock.now();
  const target = pinnedTarget(deps, referral, previous) ?? deps.target(referral);
  // A referral created from an opportunity names it in externalReferenceId; until the share job
  // wrote the referral key onto it, an upsert by that key would create a second opportunity.
  if (
    !previous &&
    referral.externalReferenceId &&
    (await deps.shareInFlight?.(target.crm, referral.externalReferenceId))
  )
    throw new RetryableError(
      `referral ${referralId} was created from opportunity ${referral.externalReferenceId}, which is not linked to it yet`,
    );
  // Issue 16: the seller converted the Lead since (a pull racing the outbound poll). The referral
  // follows its opportunity; nothing is written to the converted Lead and nothing is created.
  if (previous?.record === 'lead' && previous.crm === target.crm && target.lead) {
    const opportunityId = await target.lead.conversionOf(previous.crmId);
    if (opportunityId !== null) {
      const lead = target.lead;
      const next = await followConversion(
        deps,
        { crm: target.crm, toDraft: target.toDraft, lead },
        referral,
        previous,
        opportunityId,
      );
      await deps.parking.release(referralId);
      await writeBackOnce(deps, referral, next, opts.fetch === true);
      return 'updated';
    }
  }
  // A referral keeps the record it has (a Lead until converted); a new one goes where the
  // mapping's `leads` rule says.
  const sameCrm = previous !== null && previous.crm === target.crm;
  const asLead =
    target.lead !== undefined && (sameCrm ? previous.record === 'lead' : target.lead.landsAsLead(referral));
  const writer: Writer = asLead && target.lead ? target.lead : target;
  const record = asLead ? ('lead' as const) : undefined;
  const full = writer.toDraft(referral, now);
  const update = withoutCreateOnly(full);
  // The hash covers what an update would write, so create-only values (a stage the seller has
  // moved since, a default close date that moves daily) never count as a change.
  const { hash, hashes } = draftHashes(update);
  // A referral routed to another CRM than before is new there: written in full.
  let known = previous && sameCrm && previous.record === record ? previous : null;
  let adopted = false;
  if (!previous) {
    const found = await existingOpportunity(deps, writer, referral, opts);
    if (found?.crmNewer) return adoptAsItIs(deps, target, referral, found.crmId, hash, hashes, now, record);
    // Partner Center changed after the opportunity did: its values go in, create-only ones stay.
    if (found)
      known = {
        eTag: '',
        draftHash: '',
        crm: target.crm,
        crmId: found.crmId,
        ...(record ? { record } : {}),
        writtenBack: false,
        syncedAt: '',
      };
    adopted = found !== null;
  }
  // An update sends only the fields whose mapped value changed since the last write, so a
  // seller's edit to any other mapped field is not overwritten by an unrelated change.
  const delta = known ? changedPart(update, known.fieldHashes, hashes) : full;
  if (known && (known.draftHash === hash || delta === null)) {
    const next = { ...known, eTag: referral.eTag, draftHash: hash, fieldHashes: hashes };
    await Promise.all([deps.state.put(referralId, next), deps.parking.release(referralId)]);
    await writeBackOnce(deps, referral, next, opts.fetch === true);
    return 'unchanged';
  }

  let sent = delta ?? full;
  let result = await writer.upsert(sent);
  let created = result.ok && result.created;
  // The record may have been deleted in the CRM since. An upsert of part of the fields then
  // fails (Salesforce requires StageName and CloseDate) or creates a row holding only that part
  // (Dataverse): either way, write it once more with every field, create-only ones included.
  if (known && sent !== full && (!result.ok || result.created)) {
    sent = full;
    result = await writer.upsert(full);
    created ||= result.ok && result.created;
  }
  if (!result.ok) throw result.error;
  const state: ReferralSyncState = {
    eTag: referral.eTag,
    draftHash: hash,
    fieldHashes: hashes,
    crm: target.crm,
    crmId: result.crmId,
    ...(record ? { record } : {}),
    writtenBack: known?.writtenBack === true && known.crmId === result.crmId,
    pendingOutcome: created ? 'created' : 'updated',
    syncedAt: now.toISOString(),
    ...(target.mappingVersion === undefined ? {} : { mappingVersion: target.mappingVersion }),
  };
  // Saved before the write-back so a retry after a failed PATCH does not write the CRM again.
  await Promise.all([deps.state.put(referralId, state), deps.parking.release(referralId)]);
  deps.log.info(
    { crmId: result.crmId, created, fields: Object.keys(sent.fields).length },
    `${record ?? 'opportunity'} ${created ? 'created' : 'updated'}`,
  );
  // An adopted opportunity's echo memory is left empty: outbound sync then decides by modstamp
  // (src/outbound/without-memory.ts), which knows the seller's decisions; a partial memory holding
  // only these values would read a decision already in Partner Center as a new one.
  // A Lead's fields are not the opportunity values outbound sync compares; its status fields are
  // mapped like any other (the mapping's lead section), so no stage write follows either.
  if (target.inbound && !adopted && !asLead)
    await target.inbound.outbound.rememberPushed(referralId, valuesFromDraft(sent, target.inbound.valueFields));
  if (!asLead) await applyInboundStatus(deps, target, referral, result.crmId);
  await writeBackOnce(deps, referral, state, opts.fetch === true);
  return created ? 'created' : 'updated';
}

/**
 * Puts the CRM id into the referral's `externalReferenceId`, once. Terminal referrals accept no
 * edits (docs/partner-center-referrals-api.md, "Status and substatus"), so they are left alone. On 412 the referral
 * is re-read: if someone
 * else already set our id we are done, otherwise we retry against the fresh eTag once.
 */
async function writeBackOnce(
  deps: SyncDeps,
  referral: Referral,
  state: ReferralSyncState,
  readFresh = false,
): Promise<void> {
  // Written back before: a stored copy may predate our PATCH (a pull running alongside stores
  // what it listed), so only a copy just read from Partner Center can say the id went missing.
  if (state.writtenBack && !readFresh) return;
  if (referral.externalReferenceId === state.crmId || isTerminal(referral)) {
    if (!state.writtenBack) await deps.state.put(referral.id, { ...state, writtenBack: true });
    return;
  }
  // writtenBack with another value in Partner Center: the id was removed or replaced there since
  // (the reconcile sweep's missing-write-back, issue 12); it is written again.
  const op = {
    op: referral.externalReferenceId ? 'replace' : 'add',
    path: '/externalReferenceId',
    value: state.crmId,
  } as const;
  let updated: Referral;
  let conflicted = false;
  try {
    updated = await deps.partnerCenter.patchReferral(referral.id, [op], referral.eTag);
  } catch (err) {
    if (!(err instanceof ConflictError)) throw err;
    conflicted = true;
    const fresh = await deps.partnerCenter.getReferral(referral.id);
    await deps.referrals.putMany([fresh]);
    if (fresh.externalReferenceId === state.crmId || isTerminal(fresh)) {
      await deps.state.put(referral.id, { ...state, writtenBack: true });
      return;
    }
    // Throws ConflictError again if it moved once more: the job retries with backoff.
    updated = await deps.partnerCenter.patchReferral(referral.id, [op], fresh.eTag);
  }
  // Our own PATCH produced a new eTag; recording it keeps the next pull from treating the
  // echo as a change (the mapped values are the same, so no CRM write would follow anyway).
  // After a 412 the new version also holds someone else's edit, which the CRM has not seen:
  // the synced eTag stays, so the next pull re-maps the referral (a CRM write only if the
  // mapped values changed) instead of taking the edit for our own echo.
  // The PATCH set only externalReferenceId against the eTag of the stored copy (If-Match), so the
  // status is the stored one and its index stays as it is. Either write may land first: a retry
  // between them finds the write-back done or re-maps to no change (nothing sent to the CRM).
  const statusUnchanged = updated.status === referral.status;
  await Promise.all([
    deps.referrals.putMany([updated], { statusUnchanged }),
    deps.state.put(referral.id, { ...state, eTag: conflicted ? state.eTag : updated.eTag, writtenBack: true }),
  ]);
  deps.log.info({ crmId: state.crmId }, 'CRM id written back to Partner Center');
}

/**
 * Partner Center moved the referral (Microsoft expired or closed it, or our own push landed):
 * the mapped status fields were just written; set the stage too when the mapping says so, and
 * remember what we wrote so outbound sync does not read our write as the seller's decision.
 */
async function applyInboundStatus(
  deps: SyncDeps,
  target: SyncTarget,
  referral: Referral,
  crmId: string,
): Promise<void> {
  if (!target.inbound) return;
  const { outbound, crm, rules } = target.inbound;
  const echo = inboundStatusUpdate({
    referral,
    lastWritten: await outbound.lastWritten(referral.id),
    lastPushed: await outbound.lastPushed(referral.id),
    rules,
  });
  if (!echo.update || !echo.written) return;
  if (echo.update.stage !== undefined) await crm.writeStatus(crmId, { stage: echo.update.stage });
  await outbound.putWritten(referral.id, echo.written);
  await outbound.rememberPushed(referral.id, echo.remember);
  if (echo.update.closedByMicrosoft) {
    deps.log.info(
      { status: echo.update.status, substatus: echo.update.substatus },
      'referral closed in Partner Center; shown on the opportunity',
    );
  }
}

/**
 * Issue 12: with no sync state (Redis lost its data), a referral synced before has an opportunity
 * already. Writing it as new would reset what the seller changed since (create-only stage and
 * close date, owner). Looked up when the referral names a CRM id (our write-back) or the job comes
 * from the full pull after a detected loss; a first sync makes no extra call. Which side changed
 * last decides what is written: the opportunity's modstamp against the referral's updatedDateTime.
 * Our own write-back stamps the referral after our CRM write, so an untouched pair reads as
 * "Partner Center newer" and gets an update without create-only fields (the same values).
 */
async function existingOpportunity(
  deps: SyncDeps,
  target: Writer,
  referral: Referral,
  opts: SyncOptions,
): Promise<{ crmId: string; crmNewer: boolean } | null> {
  if (!target.lookup || !(await syncedBefore(deps, referral, opts))) return null;
  let found;
  try {
    found = await target.lookup(referral.id);
  } catch (err) {
    // The read is refused (permissions): write as before rather than park a referral that syncs.
    if (!(err instanceof FatalError)) throw err;
    deps.log.warn({ err }, 'could not look the opportunity up by the referral key; syncing it as new');
    return null;
  }
  if (!found) return null;
  const crmAt = Date.parse(found.modstamp);
  const pcAt = referral.updatedDateTime ? Date.parse(referral.updatedDateTime) : Number.NaN;
  return { crmId: found.crmId, crmNewer: !Number.isNaN(crmAt) && !Number.isNaN(pcAt) && crmAt > pcAt };
}

/**
 * Whether a referral with no sync state may have an opportunity already. The state history is
 * read only when nothing cheaper answers (a first sync's jobs: one Redis MGET each).
 */
async function syncedBefore(deps: SyncDeps, referral: Referral, opts: SyncOptions): Promise<boolean> {
  if (referral.externalReferenceId || opts.adopt === true) return true;
  if (!deps.stateHistory) return false;
  const h = await deps.stateHistory();
  // Queued by a pull that ran across a loss (older epoch), or any referral without state once a
  // loss was seen: a Closed referral is never written back, so nothing else tells it was synced,
  // and the rebuild's timing (which pull lists it first) must not decide. Costs one GET by key.
  return h.lossSeen || (opts.epoch !== undefined && h.epoch !== opts.epoch);
}

/** The seller changed the opportunity after Partner Center last changed: keep it as it is. */
async function adoptAsItIs(
  deps: SyncDeps,
  target: SyncTarget,
  referral: Referral,
  crmId: string,
  hash: string,
  hashes: Record<string, string>,
  now: Date,
  record: 'lead' | undefined,
): Promise<SyncOutcome> {
  const state: ReferralSyncState = {
    eTag: referral.eTag,
    draftHash: hash,
    fieldHashes: hashes,
    crm: target.crm,
    crmId,
    ...(record ? { record } : {}),
    writtenBack: false,
    syncedAt: now.toISOString(),
  };
  await Promise.all([deps.state.put(referral.id, state), deps.parking.release(referral.id)]);
  deps.log.warn(
    { crmId },
    'no sync state for a referral already in the CRM (Redis lost its data?); the opportunity is newer and is kept as it is',
  );
  await writeBackOnce(deps, referral, state);
  return 'unchanged';
}

/**
 * A referral created from an opportunity (issue 16) belongs to that opportunity's CRM, whatever
 * the routing rules would pick for it: routed elsewhere, it would get a second opportunity there.
 */
function pinnedTarget(deps: SyncDeps, referral: Referral, previous: ReferralSyncState | null): SyncTarget | undefined {
  if (!previous || !deps.targetOf || referral.direction !== 'Outgoing') return undefined;
  return referral.externalReferenceId === previous.crmId ? deps.targetOf(previous.crm) : undefined;
}

function stageOf(err: SyncError): string {
  if (err.name === 'MappingError') return 'map';
  // Partner Center sent the referral in a shape our schema refuses (a replay reads it afresh).
  if (err instanceof ValidationError && err.fault) return 'validate';
  return 'crm';
}

/** The field (and value, when the error carries one) a parked referral's page names. */
function faultOf(err: FatalError): { field?: string; value?: string } {
  if (err instanceof ValidationError && err.fault)
    return { field: err.fault.field, ...(err.fault.value === undefined ? {} : { value: err.fault.value }) };
  const field = (err as { field?: unknown }).field;
  return typeof field === 'string' && field !== '' ? { field } : {};
}
