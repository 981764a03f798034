import { describe, expect, it } from 'vitest';
import { mappingJsonSchema } from '../../../../src/mapping/json-schema.ts';
import { parentPath, schemaAt, type Schema } from './schema-complete.ts';

/* The editor's completion: where in the mapping the cursor is, and what the schema allows there. */

const DOC = `version: 1
salesforce:
  externalIdField: Referral_Id__c
  fields:
    Name: { from: name }
    StageName:
      template: "{status}"
      
  account:
    match: [Name]
`.split('\n');

const schema = mappingJsonSchema() as Schema;
const keys = (path: string[]) => schemaAt(schema, path).flatMap((s) => Object.keys(s.properties ?? {}));

describe('parentPath', () => {
  it.each<[string, number, number, string[]]>([
    ['a key under fields', 4, 4, ['salesforce', 'fields']],
    ['inside a field rule', 7, 6, ['salesforce', 'fields', 'StageName']],
    ['a key of the section', 8, 2, ['salesforce']],
    ['under account', 9, 4, ['salesforce', 'account']],
  ])('finds the keys above %s', (_name, line, indent, path) => {
    expect(parentPath(DOC, line, indent)).toEqual(path);
  });
});

describe('schemaAt', () => {
  it('offers the rule keys inside a field rule', () => {
    expect(keys(['salesforce', 'fields', 'StageName'])).toEqual(
      expect.arrayContaining(['from', 'const', 'template', 'values', 'valuesDefault', 'format', 'createOnly']),
    );
  });

  it('offers the section keys of salesforce', () => {
    expect(keys(['salesforce'])).toEqual(expect.arrayContaining(['object', 'externalIdField', 'fields', 'account']));
  });

  it('offers referral paths as values of from', () => {
    const examples = schemaAt(schema, ['salesforce', 'fields', 'Amount', 'from']).flatMap((s) => s.examples ?? []);
    expect(examples).toContain('details.dealValue');
  });
});
