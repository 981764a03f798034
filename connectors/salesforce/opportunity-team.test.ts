import { describe, expect, it } from 'vitest';
import { parseSoql } from '../../test/fakes/salesforce/fake-soql.ts';
import { teamChangedSoql, teamsByOpportunity, teamSoql } from './opportunity-team.ts';

const OPP = '006000000000001AAA';
const user = (FirstName: unknown, LastName: unknown, Email: unknown) => ({
  attributes: { type: 'User' },
  FirstName,
  LastName,
  Email,
});

describe('teamsByOpportunity', () => {
  it('groups members by opportunity, trims, and keeps the order of the rows', () => {
    const teams = teamsByOpportunity([
      { OpportunityId: OPP, User: { ...user(' Ana ', 'Silva', ' ana@partner.example '), Phone: '+1 425 555 0100' } },
      { OpportunityId: '006000000000002AAA', User: user('Bo', 'Lind', 'bo@partner.example') },
      { OpportunityId: OPP, User: user(null, 'Okafor', 'okafor@partner.example') },
    ]);
    expect(teams.get(OPP)).toEqual([
      { firstName: 'Ana', lastName: 'Silva', email: 'ana@partner.example', phoneNumber: '+1 425 555 0100' },
      { firstName: '', lastName: 'Okafor', email: 'okafor@partner.example' },
    ]);
    expect(teams.get('006000000000002AAA')).toHaveLength(1);
  });

  it.each([
    ['no user (lookup empty)', { OpportunityId: OPP, User: null }],
    ['a user without email', { OpportunityId: OPP, User: user('A', 'B', null) }],
    ['a blank email', { OpportunityId: OPP, User: user('A', 'B', '  ') }],
    ['no opportunity id', { OpportunityId: null, User: user('A', 'B', 'a@b.example') }],
  ])('leaves out %s', (_name, row) => {
    expect(teamsByOpportunity([row]).size).toBe(0);
  });
});

describe('team SOQL', () => {
  it('asks for the members of the given opportunities with their user, oldest first', () => {
    const q = parseSoql(teamSoql([OPP, "x'y"]));
    expect(q).toMatchObject({
      from: 'OpportunityTeamMember',
      fields: ['OpportunityId', 'User.FirstName', 'User.LastName', 'User.Email', 'User.Phone'],
    });
    expect(q.where).toMatchObject({ type: 'in', field: 'OpportunityId', values: [{ value: OPP }, { value: "x'y" }] });
    expect(q.orderBy.map((o) => o.field)).toEqual(['CreatedDate', 'Id']);
  });

  it('asks for team rows changed at or after a time', () => {
    const q = parseSoql(teamChangedSoql(new Date('2030-01-01T00:00:05Z')));
    expect(q.where).toMatchObject({
      type: 'cmp',
      field: 'SystemModstamp',
      op: '>=',
      value: { kind: 'datetime', ms: Date.parse('2030-01-01T00:00:05Z') },
    });
  });
});
