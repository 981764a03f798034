import type { Logger } from 'pino';
import type { Referral } from '../domain/referral.ts';
import { buildReferral, refusalMessage, rejectedMessage } from '../share/build-referral.ts';
import { ReferralRejectedError } from '../share/referral-rejected.ts';
import type { ShareRules } from '../share/share-rules.ts';
import { shareVersion, type ShareRequest } from '../share/share-request.ts';
import type { Clock } from '../ports/clock.ts';
import type { CrmKind, CrmOutbound } from '../ports/crm.ts';
import type { CrmShare } from '../ports/crm-share.ts';
import type { ReferralCreator } from '../ports/partner-center.ts';
import type { ShareAttempt, ShareStore } from '../ports/share-store.ts';
import type { ParkingLot, ReferralStore, SyncStateStore } from '../ports/state.ts';

export interface ShareDeps {
  kind: CrmKind;
  crm: CrmShare & Pick<CrmOutbound, 'writeStatus'>;
  partnerCenter: ReferralCreator;
  store: ShareStore;
  referrals: Pick<ReferralStore, 'putMany'>;
  state: Pick<SyncStateStore, 'get' | 'put'>;
  parking: Pick<ParkingLot, 'park' | 'release'>;
  rules: ShareRules;
  /** The referral's Partner Center page (the mapping's referralLink). */
  linkOf: (referralId: string) => string;
  clock: Clock;
  log: Logger;
}

export type ShareOutcome = 'created' | 'linked' | 'refused' | 'rejected' | 'not-requested' | 'already-linked' | 'gone';

/**
 * How far before our first attempt a lookup for a lost answer searches: Partner Center stamps the
 * referral with its own clock (docs/clock-skew.md: doctor fails above 60 s; this leaves room).
 */
export const LOOKUP_SKEW_MS = 15 * 60_000;

/** The parking-lot key of one opportunity's share: the dashboard lists it among parked items. */
export const shareParkId = (kind: CrmKind, crmId: string): string => `share-${kind}-${crmId}`;

/**
 * One opportunity a seller marked to share with Microsoft becomes exactly one Partner Center
 * referral (issue 16). Partner Center's create is not idempotent, so the attempt is recorded
 * before the POST, and any later run that finds an attempt without a known answer (a timeout, a
 * lost response, a worker killed mid-call) looks the referral up by externalReferenceId before it
 * may send again. The referral id and link then go onto the opportunity, which from then on is an
 * ordinary synced opportunity. Callers hold the opportunity's lease.
 */
export async function shareOpportunity(deps: ShareDeps, crmId: string): Promise<ShareOutcome> {
  const request = await deps.crm.getShareRequest(crmId);
  if (!request) return 'gone';
  const attempt = await deps.store.attempt(deps.kind, crmId);
  if (request.referralId !== null) {
    if (attempt && !attempt.linkedAt) await linked(deps, crmId, { ...attempt, referralId: request.referralId });
    return 'already-linked';
  }
  // A referral may exist whatever the flag says now: it is linked, never created twice.
  const existing = attempt ? await knownOrFound(deps, crmId, attempt) : null;
  if (attempt && existing) return link(deps, crmId, { ...attempt, referralId: existing }, 'linked');
  if (!request.flag) {
    if (attempt) await deps.store.clearAttempt(deps.kind, crmId);
    return 'not-requested';
  }

  const built = buildReferral(request, deps.rules);
  if (!built.ok) return refuse(deps, request, refusalMessage(built), 'refused');

  // Partner Center refused this very request before: sent again only once the seller changed it.
  if ((await deps.store.refused(deps.kind, crmId)) === `rejected:${shareVersion(request)}`) return 'rejected';
  const next: ShareAttempt = {
    firstAttemptAt: attempt?.firstAttemptAt ?? deps.clock.now().toISOString(),
    attempts: (attempt?.attempts ?? 0) + 1,
    kind: built.kind,
  };
  // Recorded before sending: from here on, no answer means "look it up", never "send again".
  await deps.store.putAttempt(deps.kind, crmId, next);
  let created: Referral;
  try {
    created = await deps.partnerCenter.createReferral(built.body);
  } catch (err) {
    if (!(err instanceof ReferralRejectedError)) throw err;
    // A 400 created nothing: the seller fixes the field and saves, and the next create is a first one.
    await deps.store.clearAttempt(deps.kind, crmId);
    return refuse(deps, request, rejectedMessage(err.reason), 'rejected');
  }
  await deps.referrals.putMany([created]);
  deps.log.info({ crmId, referralId: created.id, kind: built.kind }, 'referral created in Partner Center');
  return link(deps, crmId, { ...next, referralId: created.id }, 'created');
}

/** The referral an earlier attempt created: from its answer, or found by externalReferenceId. */
async function knownOrFound(deps: ShareDeps, crmId: string, attempt: ShareAttempt): Promise<string | null> {
  if (attempt.referralId) return attempt.referralId;
  const since = new Date(Date.parse(attempt.firstAttemptAt) - LOOKUP_SKEW_MS);
  const found = await deps.partnerCenter.findByExternalReference(crmId, since);
  if (found.length === 0) {
    deps.log.info({ crmId, attempts: attempt.attempts }, 'earlier create left no referral; sending again');
    return null;
  }
  const oldest = [...found].sort((a, b) => (a.createdDateTime ?? '').localeCompare(b.createdDateTime ?? ''))[0];
  if (found.length > 1)
    deps.log.error(
      { crmId, referralIds: found.map((r) => r.id) },
      'several referrals name this opportunity; linking the oldest, close the others in Partner Center',
    );
  await deps.referrals.putMany(found);
  deps.log.info(
    { crmId, referralId: oldest?.id },
    'answer of an earlier create was lost; referral found by externalReferenceId',
  );
  return oldest?.id ?? null;
}

async function link(
  deps: ShareDeps,
  crmId: string,
  attempt: ShareAttempt & { referralId: string },
  outcome: 'created' | 'linked',
): Promise<ShareOutcome> {
  // Recorded before the CRM write: a failed write is retried as a link, never as a create.
  await deps.store.putAttempt(deps.kind, crmId, attempt);
  await deps.crm.linkReferral(crmId, { referralId: attempt.referralId, url: deps.linkOf(attempt.referralId) });
  // The inbound sync then knows the opportunity as this referral's (no lookup, no "Redis lost its
  // data" adoption that would leave the referral's status off it), and finds nothing to write back:
  // externalReferenceId already names it. An eTag no version has, and no hashes, make its first
  // pull a full update.
  if (!(await deps.state.get(attempt.referralId))) {
    await deps.state.put(attempt.referralId, {
      eTag: 'created-from-crm',
      draftHash: '',
      crm: deps.kind,
      crmId,
      writtenBack: true,
      syncedAt: deps.clock.now().toISOString(),
    });
  }
  await linked(deps, crmId, attempt);
  deps.log.info({ crmId, referralId: attempt.referralId }, 'opportunity linked to its Partner Center referral');
  return outcome;
}

async function linked(deps: ShareDeps, crmId: string, attempt: ShareAttempt & { referralId: string }): Promise<void> {
  await deps.store.putAttempt(deps.kind, crmId, { ...attempt, linkedAt: deps.clock.now().toISOString() });
  await deps.store.putRefused(deps.kind, crmId, null);
  if (attempt.kind === 'co-sell') await deps.store.setAwaiting(deps.kind, crmId, true);
  await deps.parking.release(shareParkId(deps.kind, crmId));
}

/**
 * Nothing is sent; the seller reads why on the opportunity, and the dashboard lists it as parked
 * (stage `share`) until a later save fixes it. The same request is not written again on every poll.
 */
async function refuse(
  deps: ShareDeps,
  request: ShareRequest,
  message: string,
  outcome: 'refused' | 'rejected',
): Promise<ShareOutcome> {
  const version = shareVersion(request);
  if ((await deps.store.refused(deps.kind, request.crmId)) === `${outcome}:${version}`) return outcome;
  await deps.crm.writeStatus(request.crmId, { message });
  await deps.parking.park({
    referralId: shareParkId(deps.kind, request.crmId),
    reason: message,
    stage: 'share',
    at: deps.clock.now().toISOString(),
  });
  await deps.store.putRefused(deps.kind, request.crmId, `${outcome}:${version}`);
  deps.log.info({ crmId: request.crmId, outcome }, 'share request not sent; the seller was told why');
  return outcome;
}
