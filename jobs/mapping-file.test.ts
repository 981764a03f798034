import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toOpportunityDraft } from '../src/mapping/apply.ts';
import { isContactMeRequest } from '../src/mapping/contact-me.ts';
import { EXAMPLES } from '../src/mapping/referral-examples.fixture.ts';
import { loadMappingFile, parseMappingText } from './mapping-file.ts';

const DEFAULT_FILE = 'config/mapping.default.yaml';
const NOW = new Date('2025-03-04T10:00:00Z');

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mapping-file-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const writeTemp = async (name: string, text: string): Promise<string> => {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
};

const BAD_YAML = `version: 1
salesforce:
  externalIdField: Referral_Id__c
  fields:
    Name: { from: name }
    StageName: { const: Prospecting, values: { New: x } }
    CloseDate: { from: details.closingDateTime, format: date }
    Amount: { from: details.dealvalue }
    Description: { from: details.notes, maxLenght: 100 }
`;

describe('loadMappingFile', () => {
  it('loads the shipped default mapping', async () => {
    const mapping = await loadMappingFile(DEFAULT_FILE);
    expect(mapping.salesforce?.externalIdField).toBe('Referral_Id__c');
    expect(mapping.dynamics?.alternateKey).toBe('new_referralid');
    expect(mapping.expiry?.levelsHours).toEqual([72, 24, 4]);
  });

  it.each(Object.keys(EXAMPLES) as (keyof typeof EXAMPLES)[])(
    'maps reference example %s with the default mapping',
    async (name) => {
      const mapping = await loadMappingFile(DEFAULT_FILE);
      const salesforce = toOpportunityDraft('salesforce', EXAMPLES[name], NOW, mapping);
      expect(salesforce.fields).toMatchObject({
        Name: expect.any(String),
        StageName: expect.any(String),
        CloseDate: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
      });
      const dynamics = toOpportunityDraft('dynamics', EXAMPLES[name], NOW, mapping);
      expect(dynamics.fields).toMatchObject({
        name: expect.any(String),
        estimatedclosedate: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
      });
    },
  );

  it('maps the co-sell example as expected', async () => {
    const mapping = await loadMappingFile(DEFAULT_FILE);
    const draft = toOpportunityDraft('salesforce', EXAMPLES.salesQualifiedCoSell, NOW, mapping);
    expect(draft.fields).toMatchObject({
      Name: 'Harbor Health landing zone',
      Amount: 180000,
      CurrencyIsoCode: 'USD',
      CloseDate: '2025-06-30',
      StageName: 'Qualification',
      LeadSource: 'Partner Referral',
      Referral_Category__c: 'co-sell',
    });
    expect(draft.account?.match).toEqual({ Name: 'Harbor Health Network', BillingCountry: 'US' });
    expect(isContactMeRequest(mapping, { ...EXAMPLES.marketplaceInquiry, callToAction: 'ContactMe' })).toBe(true);
  });

  it('lists every problem with its line and key path, naming the file', async () => {
    const path = await writeTemp('bad.yaml', BAD_YAML);
    await expect(loadMappingFile(path)).rejects.toThrow(
      `mapping file ${path} has 3 problems:\n` +
        '  - line 6: salesforce.fields.StageName.values: has no effect on a const rule\n' +
        '  - line 8: salesforce.fields.Amount.from: unknown referral field "details.dealvalue" (did you mean "details.dealValue"?)\n' +
        '  - line 9: salesforce.fields.Description.maxLenght: unknown key',
    );
  });

  it('reports YAML syntax errors and duplicate keys with line numbers', async () => {
    const path = await writeTemp('syntax.yml', 'version: 1\nsalesforce:\n  fields: [1, 2\nversion: 2\n');
    await expect(loadMappingFile(path)).rejects.toThrow(
      `mapping file ${path} has 2 problems:\n` +
        '  - line 4: Flow sequence in block collection must be sufficiently indented and end with a ]; check the indentation of line 4 and line 3\n' +
        '  - line 4: Map keys must be unique',
    );
  });

  it('a one-line indentation mistake is one problem naming the line (#15)', async () => {
    const text = await readFile('config/mapping.default.yaml', 'utf8');
    const lines = text.split('\n');
    const at = lines.findIndex((l) => l.startsWith('    Name: { from: name'));
    lines[at] = (lines[at] ?? '').slice(2); // two spaces too few
    const path = await writeTemp('indent.yaml', lines.join('\n'));
    const err = await loadMappingFile(path).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toMatch(/has 1 problem:\n/);
    expect(err?.message).toContain(`check the indentation of line ${at + 2} and line ${at + 1}`);
  });

  it('reads JSON files through the same parser, with line numbers', async () => {
    const good = await writeTemp('m.json', JSON.stringify(await loadMappingFile(DEFAULT_FILE)));
    await expect(loadMappingFile(good)).resolves.toMatchObject({ version: 1 });
    const bad = await writeTemp('bad.json', '{\n  "version": 1,\n  "salesforce": {\n    "fields": {}\n  }\n}\n');
    await expect(loadMappingFile(bad)).rejects.toThrow('line 3: salesforce.externalIdField: is required');
  });

  it.each([
    ['an unsupported extension', 'mapping.txt', 'unsupported extension ".txt" (use .yaml, .yml, .json)'],
    ['a missing file', 'missing.yaml', 'cannot be read (ENOENT)'],
  ])('rejects %s', async (_name, file, message) => {
    await expect(loadMappingFile(join(dir, file))).rejects.toThrow(`mapping file ${join(dir, file)}: ${message}`);
  });
});

describe('parseMappingText', () => {
  it.each([
    ['', ['the file is empty']],
    ['# only a comment\n', ['the file is empty']],
    ['- 1\n- 2\n', ['line 1: (root): Invalid input: expected object, received array']],
  ])('%j -> %j', (text, errors) => {
    expect(parseMappingText(text)).toEqual({ ok: false, errors });
  });

  it('reports an alias bomb as a mapping error with its line, not an uncaught ReferenceError (#14)', () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i += 1) {
      const prev = String.fromCharCode(96 + i);
      levels.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${prev}`).join(',')}]`,
      );
    }
    const result = parseMappingText(`${levels.join('\n')}\n`);
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.errors).toEqual([expect.stringMatching(/^line 2: .*alias/i)]);
  });
});
