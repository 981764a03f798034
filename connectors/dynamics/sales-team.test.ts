import { describe, expect, it } from 'vitest';
import { parseFilter } from '../../test/fakes/dataverse/odata-filter.ts';
import { teamChangedPath, teamPaths, teamsByOpportunity } from './sales-team.ts';

const guid = (i: number): string => `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
const params = (path: string): URLSearchParams => new URL(path, 'https://org.example/api/data/v9.2/').searchParams;

describe('Sales Team queries', () => {
  it('reads user connections of the given opportunities, split to stay under the URL limit', () => {
    const ids = Array.from({ length: 1200 }, (_, i) => guid(i));
    const paths = teamPaths([...ids, ids[0]?.toUpperCase() ?? '']);
    expect(paths.length).toBeGreaterThan(1);
    expect(paths.every((p) => p.length < 32_768)).toBe(true);
    const filters = paths.map((p) => params(p).get('$filter') ?? '');
    const named = filters.flatMap((f) => [...f.matchAll(/_record1id_value eq ([0-9a-f-]{36})/g)].map((m) => m[1]));
    expect(named).toEqual(ids); // each once, lowercased
    const row = { record1objecttypecode: 3, record2objecttypecode: 8, statecode: 0, _record1id_value: guid(5) };
    expect(parseFilter(filters[0] ?? '')(row)).toBe(true);
    expect(parseFilter(filters[0] ?? '')({ ...row, record2objecttypecode: 2 })).toBe(false);
    expect(parseFilter(filters[0] ?? '')({ ...row, statecode: 1 })).toBe(false);
    expect(params(paths[0] ?? '').get('$expand')).toBe(
      'record2id_systemuser($select=firstname,lastname,internalemailaddress,address1_telephone1)',
    );
  });

  it('asks for team connections changed since a time', () => {
    const filter = params(teamChangedPath('2030-01-01T00:00:05.000Z')).get('$filter') ?? '';
    const row = { record1objecttypecode: 3, record2objecttypecode: 8, statecode: 0 };
    expect(parseFilter(filter)({ ...row, modifiedon: '2030-01-01T00:00:05Z' })).toBe(true);
    expect(parseFilter(filter)({ ...row, modifiedon: '2030-01-01T00:00:04Z' })).toBe(false);
  });
});

describe('teamsByOpportunity', () => {
  it('groups by opportunity (lowercase ids), trims, and leaves out users without email', () => {
    const user = (firstname: unknown, lastname: unknown, internalemailaddress: unknown) => ({
      firstname,
      lastname,
      internalemailaddress,
    });
    const teams = teamsByOpportunity([
      {
        _record1id_value: guid(1).toUpperCase(),
        record2id_systemuser: {
          ...user(' Ana ', 'Silva', 'ana@partner.example '),
          address1_telephone1: ' +49 30 1234 ',
        },
      },
      { _record1id_value: guid(1), record2id_systemuser: user(null, 'Okafor', 'okafor@partner.example') },
      { _record1id_value: guid(1), record2id_systemuser: user('No', 'Mail', null) },
      { _record1id_value: guid(2), record2id_systemuser: null },
    ]);
    expect([...teams.keys()]).toEqual([guid(1)]);
    expect(teams.get(guid(1))).toEqual([
      { firstName: 'Ana', lastName: 'Silva', email: 'ana@partner.example', phoneNumber: '+49 30 1234' },
      { firstName: '', lastName: 'Okafor', email: 'okafor@partner.example' },
    ]);
  });
});
