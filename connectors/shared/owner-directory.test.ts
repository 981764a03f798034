import { describe, expect, it } from 'vitest';
import type { OpportunityDraft } from '../../src/ports/crm.ts';
import { OwnerDirectory } from './owner-directory.ts';

const draft = (ownerEmails?: string[]): OpportunityDraft => ({
  referralId: 'R',
  fields: {},
  account: null,
  ...(ownerEmails ? { ownerEmails } : {}),
});
const USERS = new Map([
  ['ana@partner.example', '005A'],
  ['bo@partner.example', '005B'],
]);

function directory() {
  const asked: string[][] = [];
  let now = 0;
  const d = new OwnerDirectory(
    async (emails) => {
      asked.push([...emails]);
      return new Map([...USERS].filter(([e]) => emails.includes(e)));
    },
    () => now,
  );
  return { d, asked, later: (ms: number) => void (now += ms) };
}

describe('OwnerDirectory', () => {
  it('takes the first team email that is an active user, case-insensitively, in one lookup per call', async () => {
    const { d, asked } = directory();
    const owners = await d.ownersOf([
      draft(['nobody@partner.example', ' Bo@Partner.example ']),
      draft(['ana@partner.example', 'bo@partner.example']),
      draft(['nobody@partner.example']),
      draft(),
    ]);
    expect(owners).toEqual(['005B', '005A', undefined, undefined]);
    expect(asked).toEqual([['nobody@partner.example', 'bo@partner.example', 'ana@partner.example']]);
  });

  it('remembers hits and misses for an hour, then asks again', async () => {
    const { d, asked, later } = directory();
    await d.ownersOf([draft(['ana@partner.example', 'new@partner.example'])]);
    await d.ownersOf([draft(['new@partner.example']), draft(['ana@partner.example'])]);
    expect(asked).toHaveLength(1);
    later(60 * 60 * 1000);
    await d.ownersOf([draft(['new@partner.example'])]);
    expect(asked).toEqual([['ana@partner.example', 'new@partner.example'], ['new@partner.example']]);
  });

  it('makes no lookup when no draft names owners', async () => {
    const { d, asked } = directory();
    expect(await d.ownersOf([draft(), draft([])])).toEqual([undefined, undefined]);
    expect(asked).toEqual([]);
  });
});
