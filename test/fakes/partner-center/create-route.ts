import { randomUUID } from 'node:crypto';
import type { FakeReferral, ReferralIndex } from './referral-index.ts';
import { newETag } from './referral-index.ts';

/*
 * POST /v1.0/engagements/referrals as the fake serves it (issue 16). Validation follows what the
 * docs require on create (type, customerProfile, consent, details) and what a shared co-sell needs
 * (a customer contact, a solution, an ISO-2 country); each failure is a 400 whose message names
 * the field, in the Partner API envelope. A Shared referral gets Microsoft's copy of the engagement,
 * kept apart from the partner's list (it is Microsoft's referral) and served only as a related
 * referral (`$filter=engagementId eq '…'`).
 */

/** What the next create does instead of answering normally: created, then the answer is lost. */
export type CreateFault = 'drop-after-create' | 'hang-after-create';

export interface CreateState {
  index: ReferralIndex;
  /** Microsoft's copies of shared engagements, by engagementId. */
  microsoft: Map<string, FakeReferral>;
  /** Faults for the next creates, in order. */
  createFaults: CreateFault[];
  /** Every create the fake accepted or refused, in arrival order. */
  creates: { at: string; outcome: 'created' | 'invalid'; externalReferenceId: unknown; message?: string }[];
  now: () => number;
}

const obj = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/** Pure: the first problem with a create body, naming the field; null when it can be created. */
export function createProblem(body: unknown): string | null {
  const b = obj(body);
  if (!b) return 'the body must be a referral object';
  if (b.type !== 'Independent' && b.type !== 'Shared') return 'type is required (Independent or Shared)';
  const profile = obj(b.customerProfile);
  if (!profile) return 'customerProfile is required';
  if (typeof profile.name !== 'string' || profile.name.trim() === '') return 'customerProfile.name is required';
  const country = obj(profile.address)?.country;
  if (typeof country !== 'string' || !/^[A-Z]{2}$/.test(country))
    return 'customerProfile.address.country must be an ISO 3166-1 alpha-2 code';
  const consent = obj(b.consent);
  if (!consent) return 'consent is required';
  const details = obj(b.details);
  if (!details) return 'details is required';
  if (typeof details.dealValue !== 'number' || details.dealValue <= 0)
    return 'details.dealValue must be greater than 0';
  if (typeof details.currency !== 'string' || !/^[A-Z]{3}$/.test(details.currency))
    return 'details.currency must be an ISO 4217 code';
  const shared = consent.consentToShareReferralWithMicrosoftSellers === true;
  if (shared) {
    const team = profile.team;
    const contact = Array.isArray(team) ? obj(team[0]) : undefined;
    if (!contact || typeof contact.email !== 'string' || contact.email === '')
      return 'customerProfile.team must hold a customer contact with an email to share with Microsoft';
    const solutions = obj(details.requirements)?.solutions;
    if (!Array.isArray(solutions) || solutions.length === 0 || !solutions.every((s) => typeof obj(s)?.id === 'string'))
      return 'details.requirements.solutions must name at least one solution id to share with Microsoft';
  }
  return null;
}

export function createReferral(
  state: CreateState,
  body: unknown,
): { ok: true; stored: FakeReferral; fault: CreateFault | undefined } | { ok: false; message: string } {
  const problem = createProblem(body);
  const at = new Date(state.now()).toISOString();
  const b = obj(body) ?? {};
  if (problem !== null) {
    state.creates.push({ at, outcome: 'invalid', externalReferenceId: b.externalReferenceId, message: problem });
    return { ok: false, message: problem };
  }
  const id = randomUUID();
  const engagementId = randomUUID();
  // Outgoing referrals are accepted when created (acceptedDateTime = createdDateTime).
  const stored = state.index.write(id, {
    ...b,
    id,
    engagementId,
    status: 'Active',
    substatus: 'Accepted',
    direction: 'Outgoing',
    qualification: 'None',
    createdDateTime: at,
    acceptedDateTime: at,
    expirationDateTime: null,
  });
  if (b.type === 'Shared') {
    state.microsoft.set(engagementId, {
      id: randomUUID(),
      engagementId,
      name: b.name,
      status: 'New',
      substatus: 'Pending',
      type: 'Shared',
      direction: 'Incoming',
      organizationId: 'msft',
      organizationName: 'Microsoft',
      createdDateTime: at,
      updatedDateTime: at,
      eTag: newETag(),
    });
  }
  state.creates.push({ at, outcome: 'created', externalReferenceId: b.externalReferenceId });
  return { ok: true, stored, fault: state.createFaults.shift() };
}

/** Microsoft answers the co-sell request on its copy of the engagement (accepts or declines it). */
export function answerCoSell(
  state: CreateState,
  referralId: string,
  answer: 'accept' | 'decline',
  reason?: string,
): FakeReferral {
  const ours = state.index.get(referralId);
  const engagementId = typeof ours?.engagementId === 'string' ? ours.engagementId : undefined;
  const copy = engagementId === undefined ? undefined : state.microsoft.get(engagementId);
  if (!copy || engagementId === undefined)
    throw new Error(`referral ${referralId} has no Microsoft copy (not a co-sell)`);
  const updated: FakeReferral = {
    ...copy,
    ...(answer === 'accept'
      ? { status: 'Active', substatus: 'Accepted' }
      : { status: 'Closed', substatus: 'Declined', statusReason: reason ?? 'Others' }),
    updatedDateTime: new Date(state.now()).toISOString(),
    eTag: newETag(),
  };
  state.microsoft.set(engagementId, updated);
  return updated;
}

/** Every referral of one engagement: the partner's and Microsoft's copy. */
export function relatedOf(state: CreateState, engagementId: string): FakeReferral[] {
  const ours = state.index.all().filter((r) => r.engagementId === engagementId);
  const theirs = state.microsoft.get(engagementId);
  return theirs ? [...ours, theirs] : ours;
}
