import { isTerminal, type Referral } from '../domain/referral.ts';
import type { ReferralSyncState } from '../ports/state.ts';

/**
 * What a listed referral still needs. 'version': this version never reached the CRM. 'write-back':
 * it did, but its CRM id is not in Partner Center yet (the job died or gave up between the two; a
 * pull used to read that state as done, and the referral waited until Partner Center changed it,
 * issue 12). 'none': nothing left to do.
 */
export type SyncNeed = 'none' | 'version' | 'write-back';

export function needsSync(state: ReferralSyncState | null | undefined, referral: Referral): SyncNeed {
  if (!state || state.eTag !== referral.eTag) return 'version';
  // Terminal referrals take no edits; an id already there (another worker, or Partner Center's own
  // copy) needs nothing more.
  if (state.writtenBack || isTerminal(referral) || referral.externalReferenceId === state.crmId) return 'none';
  return 'write-back';
}
