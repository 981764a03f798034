import type { Mapping } from './schema.ts';

/*
 * What a new mapping version changes (issue 17), for the save history, `mapping diff` and the
 * workers' hot reload. Pure: two parsed mappings in, a list of changes out.
 */

export interface MappingChange {
  /** Dotted key path, e.g. `salesforce.fields.StageName` (a field rule is one unit). */
  path: string;
  kind: 'added' | 'removed' | 'changed';
}

type Json = unknown;
const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A field rule, a list or a value is compared whole; objects above it key by key. */
const isUnit = (path: readonly string[]): boolean =>
  (path.length === 3 && path[1] === 'fields') || (path.length === 4 && path[1] === 'account' && path[2] === 'fields');

function walk(a: Json, b: Json, path: string[], out: MappingChange[]): void {
  if (isObject(a) && isObject(b) && !isUnit(path)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) walk(a[key], b[key], [...path, key], out);
    return;
  }
  if (a === undefined && b === undefined) return;
  const kind = a === undefined ? 'added' : b === undefined ? 'removed' : 'changed';
  if (kind !== 'changed' || JSON.stringify(a) !== JSON.stringify(b)) out.push({ path: path.join('.'), kind });
}

/** Every rule or setting that differs between two versions, in file order. */
export function mappingChanges(before: Mapping, after: Mapping): MappingChange[] {
  const out: MappingChange[] = [];
  walk(before, after, [], out);
  return out;
}

/**
 * Keys a running worker applies from the next job on. Everything else (the object or entity set,
 * upsert key, key and expiry fields, outbound rules, expiry levels) shapes connectors and queues
 * built at start, so a version that changes it is applied at the next restart.
 */
const HOT = [
  /^\$schema$/,
  /^referralLink$/,
  /^routing(\.|$)/,
  /^(salesforce|dynamics)\.fields(\.|$)/,
  /^(salesforce|dynamics)\.account\.(fields|match)(\.|$)/,
  /^(salesforce|dynamics)\.assignOwnerFromTeam$/,
];

/** The changes a running worker cannot apply without a restart (empty: hot reload applies all). */
export function restartChanges(before: Mapping, after: Mapping): MappingChange[] {
  return mappingChanges(before, after).filter((c) => {
    // A whole section or account added or removed reshapes the connectors.
    if (/^(salesforce|dynamics)(\.account)?$/.test(c.path)) return true;
    return !HOT.some((re) => re.test(c.path));
  });
}
