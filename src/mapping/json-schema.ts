import { z } from 'zod';
import { Mapping } from './schema.ts';

/*
 * JSON Schema of the mapping file, for editor completion and validation while typing
 * (config/mapping.schema.json, referenced from the YAML by a yaml-language-server comment).
 * Draft-07 because that is what the common YAML/JSON editor plugins fully support. `io: 'input'`
 * describes what an admin writes: keys with defaults are optional.
 */
export function mappingJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(Mapping, { target: 'draft-07', io: 'input' });
}

/** Exact content of config/mapping.schema.json; a test keeps the committed file equal to it. */
export const mappingSchemaFileText = (): string => `${JSON.stringify(mappingJsonSchema(), null, 2)}\n`;
