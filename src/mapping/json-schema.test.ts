import { describe, expect, it } from 'vitest';
import { mappingJsonSchema, mappingSchemaFileText } from './json-schema.ts';

describe('mapping JSON Schema', () => {
  // The committed file must equal the generated one. After changing the schema, regenerate it
  // with `npx vitest run -u src/mapping/json-schema.test.ts` and commit both.
  it('matches config/mapping.schema.json', async () => {
    await expect(mappingSchemaFileText()).toMatchFileSnapshot('../../config/mapping.schema.json');
  });

  it('is strict and documents rules for editors', () => {
    const schema = JSON.stringify(mappingJsonSchema());
    expect(mappingJsonSchema()).toMatchObject({ additionalProperties: false, required: ['version'] });
    expect(schema).toContain('"title":"Field rule"');
    expect(schema).toContain('"oneOf":[{"required":["from"]},{"required":["const"]},{"required":["template"]}]');
    expect(schema).toContain('"details.dealValue"');
  });
});
