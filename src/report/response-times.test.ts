import { describe, expect, it } from 'vitest';
import { median, percentile, responseTimeReport, type ReferralFacts } from './response-times.ts';

const H = 3_600_000;
const now = new Date('2026-03-31T00:00:00Z');
const march = { from: '2026-03-01T00:00:00Z', to: '2026-04-01T00:00:00Z' };
const at = (iso: string, hours: number) => new Date(Date.parse(iso) + hours * H).toISOString();
const CREATED = '2026-03-02T00:00:00Z';

/** A referral received on 2 March; `answer` hours later accepted (by acceptedDateTime) unless told otherwise. */
function facts(
  o: Partial<ReferralFacts['referral']> & {
    owner?: string | null;
    answerHours?: number;
    contactMe?: boolean;
    pushed?: ReferralFacts['pushedAnswer'];
  },
): ReferralFacts {
  const { owner = 'ann@partner.example', answerHours, contactMe = false, pushed = null, ...r } = o;
  return {
    referral: {
      id: r.id ?? 'r',
      status: 'Active',
      substatus: 'Accepted',
      createdDateTime: CREATED,
      acceptedDateTime: answerHours === undefined ? null : at(CREATED, answerHours),
      ...r,
    },
    owner,
    pushedAnswer: pushed,
    contactMe,
  };
}
const waiting = (o: Partial<ReferralFacts['referral']> = {}) => facts({ status: 'New', substatus: 'Pending', ...o });

describe('median and p90', () => {
  it.each([
    [[], null, null],
    [[5], 5, 5],
    [[1, 3], 2, 3],
    [[1, 2, 3], 2, 3],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 5.5, 9],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 6, 10],
  ])('%j: median %s, p90 %s', (values, med, p90) => {
    expect(median(values)).toBe(med);
    expect(percentile(values, 0.9)).toBe(p90);
  });
});

describe('responseTimeReport', () => {
  const run = (list: ReferralFacts[]) => responseTimeReport(list, march, now);

  it('reports zeros and no times for an empty period', () => {
    const r = run([]);
    expect(r.overall).toMatchObject({ received: 0, answered: 0, medianMs: null, p90Ms: null, within72hShare: null });
    expect(r.owners).toEqual([]);
  });

  it('counts only referrals received in the period, and no outgoing ones', () => {
    const r = run([
      facts({ id: 'in', answerHours: 1 }),
      facts({ id: 'before', createdDateTime: '2026-02-28T23:59:59Z', answerHours: 1 }),
      facts({ id: 'after', createdDateTime: '2026-04-01T00:00:00Z', answerHours: 1 }),
      facts({ id: 'out', direction: 'Outgoing', answerHours: 1 }),
    ]);
    expect(r.overall.received).toBe(1);
  });

  it('gives median and p90 time to answer over answered referrals', () => {
    const r = run([1, 2, 3, 10].map((h, i) => facts({ id: `r${i}`, answerHours: h })));
    expect(r.overall).toMatchObject({ answered: 4, accepted: 4, medianMs: 2.5 * H, p90Ms: 10 * H });
  });

  it('takes the earlier of our push and Partner Center for the answer time', () => {
    const r = run([facts({ answerHours: 50, pushed: { at: at(CREATED, 5), decision: 'accept' } })]);
    expect(r.overall.medianMs).toBe(5 * H);
  });

  it('times a decline by the closed referral’s last update', () => {
    const r = run([facts({ status: 'Closed', substatus: 'Declined', updatedDateTime: at(CREATED, 80) })]);
    expect(r.overall).toMatchObject({ declined: 1, medianMs: 80 * H, answeredWithin72h: 0, dueWithin72h: 1 });
  });

  it('counts an answer without a known time as answered but leaves it out of the times and shares', () => {
    const r = run([facts({ id: 'a' }), facts({ id: 'b', answerHours: 2 })]);
    expect(r.overall).toMatchObject({ answered: 2, answerTimeUnknown: 1, medianMs: 2 * H, dueWithin72h: 1 });
  });

  it('takes the 72-h share over answered referrals and those older than 72 h', () => {
    const r = run([
      facts({ id: 'fast', answerHours: 10 }),
      facts({ id: 'slow', answerHours: 100 }),
      waiting({ id: 'late' }),
      waiting({ id: 'fresh', createdDateTime: at(now.toISOString(), -24) }),
    ]);
    expect(r.overall).toMatchObject({ received: 4, answeredWithin72h: 1, dueWithin72h: 3 });
    expect(r.overall.within72hShare).toBeCloseTo(1 / 3);
  });

  it('counts answers before the deadline over answered and past-deadline referrals', () => {
    const r = run([
      facts({ id: 'in-time', answerHours: 10, expirationDateTime: at(CREATED, 24) }),
      facts({ id: 'late', answerHours: 30, expirationDateTime: at(CREATED, 24) }),
      waiting({ id: 'open', expirationDateTime: '2026-04-10T00:00:00Z' }),
    ]);
    expect(r.overall).toMatchObject({ answeredBeforeDeadline: 1, dueByDeadline: 2, beforeDeadlineShare: 0.5 });
  });

  it('sums the deal value of expired unanswered referrals per currency', () => {
    const r = run([
      facts({ id: 'e1', status: 'Closed', substatus: 'Expired', details: { dealValue: 1000, currency: 'EUR' } }),
      facts({ id: 'e2', status: 'Closed', substatus: 'Expired', details: { dealValue: 500, currency: 'EUR' } }),
      facts({ id: 'e3', status: 'Closed', substatus: 'Expired', details: { dealValue: 700, currency: 'USD' } }),
      waiting({
        id: 'overdue',
        expirationDateTime: '2026-03-20T00:00:00Z',
        details: { dealValue: 1, currency: 'USD' },
      }),
      facts({ id: 'e4', status: 'Closed', substatus: 'Expired', details: null }),
    ]);
    expect(r.overall.expiredUnanswered).toBe(5);
    expect(r.overall.expiredDealValue).toEqual({ EUR: 1500, USD: 701 });
  });

  it('reports contact-me leads answered within 72 h', () => {
    const r = run([
      facts({ id: 'c1', contactMe: true, answerHours: 5 }),
      facts({ id: 'c2', contactMe: true, answerHours: 90 }),
      facts({ id: 'n', answerHours: 5 }),
    ]);
    expect(r.overall.contactMe).toEqual({ received: 2, answeredWithin72h: 1, due: 2, share: 0.5 });
  });

  it('groups by owner, most referrals first, unknown owner as its own row', () => {
    const r = run([
      facts({ id: 'a1', owner: 'ann@partner.example', answerHours: 1 }),
      facts({ id: 'b1', owner: 'bob@partner.example', answerHours: 1 }),
      facts({ id: 'b2', owner: 'bob@partner.example', answerHours: 3 }),
      facts({ id: 'u1', owner: null, answerHours: 7 }),
    ]);
    expect(r.owners.map((o) => [o.owner, o.figures.received])).toEqual([
      ['bob@partner.example', 2],
      ['ann@partner.example', 1],
      [null, 1],
    ]);
    expect(r.owners[0]?.figures.medianMs).toBe(2 * H);
    expect(r.overall.received).toBe(4);
  });
});
