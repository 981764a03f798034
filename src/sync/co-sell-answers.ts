import type { Logger } from 'pino';
import type { Referral } from '../domain/referral.ts';
import type { CrmKind, CrmOutbound } from '../ports/crm.ts';
import type { PartnerCenterClient, ReferralCreator } from '../ports/partner-center.ts';
import type { ShareStore } from '../ports/share-store.ts';

export interface AnswerDeps {
  kind: CrmKind;
  crm: Pick<CrmOutbound, 'writeStatus'>;
  partnerCenter: Pick<ReferralCreator, 'relatedReferrals'> & Pick<PartnerCenterClient, 'getReferral'>;
  store: ShareStore;
  log: Logger;
}

/** Pure: what the seller reads for Microsoft's copy of the engagement; null while it waits. */
export function answerMessage(microsoft: Pick<Referral, 'status' | 'substatus' | 'statusReason'>): string | null {
  if (microsoft.status === 'Active') return 'Microsoft accepted the co-sell request.';
  if (microsoft.status !== 'Closed') return null;
  const why = microsoft.statusReason?.trim();
  switch (microsoft.substatus) {
    case 'Declined':
      return `Microsoft declined the co-sell request${why ? `: ${why.slice(0, 300)}` : ''}.`;
    case 'Expired':
      return 'Microsoft did not answer the co-sell request in time (expired).';
    default:
      return `Microsoft closed its side of the co-sell (${microsoft.substatus ?? 'Closed'}).`;
  }
}

/**
 * Microsoft answers a co-sell request on its own copy of the engagement, a related referral
 * (docs/partner-center-create-referral.md): for each shared co-sell still waiting, the related
 * referrals are read and Microsoft's answer is written to the opportunity's sync message once.
 * One list call per waiting co-sell per poll; an accepted, declined or expired one stops waiting.
 */
export async function checkCoSellAnswers(deps: AnswerDeps): Promise<{ checked: number; answered: number }> {
  let answered = 0;
  const waiting = await deps.store.awaitingAnswer(deps.kind);
  for (const crmId of waiting) {
    const attempt = await deps.store.attempt(deps.kind, crmId);
    if (!attempt?.referralId) {
      await deps.store.setAwaiting(deps.kind, crmId, false);
      continue;
    }
    const ours = await deps.partnerCenter.getReferral(attempt.referralId);
    if (!ours.engagementId) continue;
    const related = await deps.partnerCenter.relatedReferrals(ours.engagementId);
    const microsoft = related.find((r) => r.id !== ours.id);
    if (!microsoft) continue;
    const state = `${microsoft.status}/${microsoft.substatus ?? ''}`;
    const message = answerMessage(microsoft);
    if (message === null || state === attempt.microsoftAnswer) continue;
    await deps.crm.writeStatus(crmId, { message });
    await deps.store.putAttempt(deps.kind, crmId, { ...attempt, microsoftAnswer: state });
    await deps.store.setAwaiting(deps.kind, crmId, false);
    deps.log.info(
      { crmId, referralId: ours.id, answer: state },
      "Microsoft's answer to the co-sell shown on the opportunity",
    );
    answered++;
  }
  return { checked: waiting.length, answered };
}
