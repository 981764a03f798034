import { describe, expect, it } from 'vitest';
import { parsePeriod, reportCsv, reportText } from './format.ts';
import { responseTimeReport } from './response-times.ts';

const now = new Date('2026-03-31T12:00:00Z');

describe('parsePeriod', () => {
  it.each([
    [{}, { from: '2026-03-01T12:00:00.000Z', to: '2026-03-31T12:00:00.000Z' }],
    [{ days: '7' }, { from: '2026-03-24T12:00:00.000Z', to: '2026-03-31T12:00:00.000Z' }],
    [
      { since: '2026-03-01', until: '2026-03-15' },
      { from: '2026-03-01T00:00:00.000Z', to: '2026-03-15T00:00:00.000Z' },
    ],
  ])('%j', (flags, period) => {
    expect(parsePeriod(flags, now)).toEqual({ ok: true, period });
  });

  it.each([
    [{ days: 'x' }, /--days takes a whole number/],
    [{ since: 'yesterday' }, /--since takes a date/],
    [{ since: '2026-03-01', days: '3' }, /not both/],
    [{ since: '2026-04-01' }, /period is empty/],
  ])('refuses %j', (flags, error) => {
    const r = parsePeriod(flags, now);
    expect(r.ok === false && r.error).toMatch(error);
  });
});

describe('report output', () => {
  const report = responseTimeReport(
    [
      {
        referral: {
          id: 'r1',
          status: 'Active',
          substatus: 'Accepted',
          createdDateTime: '2026-03-02T00:00:00Z',
          acceptedDateTime: '2026-03-02T06:00:00Z',
        },
        owner: '=cmd@partner.example',
        pushedAnswer: null,
        contactMe: false,
      },
    ],
    { from: '2026-03-01T00:00:00Z', to: '2026-04-01T00:00:00Z' },
    now,
  );

  it('csv has a header, the overall row first and hours', () => {
    const [head, all] = reportCsv(report).split('\n');
    expect(head).toMatch(/^owner,received,answered,accepted,declined,medianHours,p90Hours,/);
    expect(all).toMatch(/^\(all\),1,1,1,0,6,6,100,/);
  });

  it('csv quotes a cell a spreadsheet would run as a formula', () => {
    expect(reportCsv(report)).toContain("\n'=cmd@partner.example,");
  });

  it('text shows "-" for a figure with nothing to measure', () => {
    expect(reportText(responseTimeReport([], report.period, now))).toMatch(/\(all\)\s+0\s+0\s+-\s+-/);
  });
});
