import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createTwoFilesPatch } from 'diff';
import type { Logger } from 'pino';
import { FatalError } from '../src/errors.ts';
import { mappingChanges, restartChanges, type MappingChange } from '../src/mapping/mapping-changes.ts';
import type { Mapping } from '../src/mapping/schema.ts';
import type { Deployment } from '../src/mapping/preview.ts';
import type { MappingStore, MappingVersion } from '../src/ports/mapping-store.ts';
import { checkMappingText, loadMappingFile, type MappingProblem } from './mapping-file.ts';

export type { Deployment };

/*
 * Mapping versions (issue 17): which mapping is in force, saving a new one, and the diff between
 * two. Source of truth: the newest of (a) a version saved in the studio or by `mapping apply`, and
 * (b) MAPPING_FILE as it changed. At start the worker imports the file as a new version when its
 * content differs from the content it last imported, so an ops team that edits the file and
 * restarts (the way every other setting works) gets what it wrote; otherwise the version saved
 * in Redis stays in force and the unchanged file is not used. The first start imports the file
 * as version 1. Either way a log line says which version is in force and where it came from.
 */

/** Problems a mapping has for this deployment beyond the file's own rules. */
export function deploymentProblems(mapping: Mapping, d: Deployment): string[] {
  const out = d.kinds.filter((kind) => !mapping[kind]).map((kind) => `has no "${kind}" section, which CRM needs`);
  if (d.both && !mapping.routing) out.push('CRM=both needs a "routing" section saying which referrals go where');
  return out;
}

export type TextCheck = { ok: true; mapping: Mapping } | { ok: false; problems: MappingProblem[] };

/** checkMappingText plus the deployment's needs; what a save must pass. */
export function checkForDeployment(text: string, d: Deployment): TextCheck {
  const checked = checkMappingText(text);
  if (!checked.ok) return checked;
  const problems = deploymentProblems(checked.mapping, d);
  if (problems.length === 0) return checked;
  return { ok: false, problems: problems.map((message) => ({ line: null, from: 0, to: 0, path: '', message })) };
}

export const fileHash = (text: string): string => createHash('sha256').update(text).digest('hex');

/** The mapping a process starts with, and the version it is (null: no store, the file alone). */
export interface MappingInForce {
  mapping: Mapping;
  version: MappingVersion | null;
}

/**
 * Decides the mapping in force at start (see the top of this file). `importFile` is for worker
 * starts only: a `status` or `doctor` run must not record versions.
 */
export async function mappingAtStart(o: {
  file: string;
  store: MappingStore;
  deployment: Deployment;
  log: Logger;
  now: Date;
  importFile: boolean;
}): Promise<MappingInForce> {
  // A broken file stops the start as it always did, listing every problem with its line.
  const fileMapping = await loadMappingFile(o.file);
  const fileProblems = deploymentProblems(fileMapping, o.deployment);
  if (o.importFile && fileProblems.length > 0) {
    // Not imported: it would become the version in force and stop every start after this one.
    o.log.error({ file: o.file, problems: fileProblems }, 'MAPPING_FILE does not suit this deployment; not imported');
  } else if (o.importFile) {
    const text = await readFile(o.file, 'utf8');
    const first = (await o.store.currentId()) === null;
    const imported = await o.store.importFile({
      text,
      hash: fileHash(text),
      at: o.now.toISOString(),
      comment: first ? 'first start: MAPPING_FILE imported' : 'MAPPING_FILE changed since it was last imported',
    });
    if (imported)
      o.log.info(
        { mappingVersion: imported.id, file: o.file },
        'MAPPING_FILE changed since its last import: saved as a new mapping version, now in force',
      );
  }
  const id = await o.store.currentId();
  if (id === null) {
    if (fileProblems.length > 0) throw new FatalError(`${o.file}: ${fileProblems.join('; ')}`);
    return { mapping: fileMapping, version: null };
  }
  const version = await o.store.get(id);
  const checked = version ? checkForDeployment(version.text, o.deployment) : undefined;
  if (!version || !checked?.ok) {
    const why = checked && !checked.ok ? checked.problems.map((p) => p.message).join('; ') : 'it cannot be read';
    throw new FatalError(
      `mapping version ${id} in Redis is in force but not usable here (${why}); roll back with \`referral-sync mapping rollback <version>\` or apply a fixed file`,
    );
  }
  o.log.info(
    { mappingVersion: id, author: version.author, at: version.at },
    version.author === 'MAPPING_FILE'
      ? 'mapping version in force (imported from MAPPING_FILE)'
      : 'mapping version in force (saved in the studio or by `mapping apply`; MAPPING_FILE is unchanged since its import and not used)',
  );
  return { mapping: checked.mapping, version };
}

export type SaveOutcome =
  | { ok: true; version: MappingVersion; changes: MappingChange[]; restart: MappingChange[] }
  | { ok: false; reason: 'invalid'; problems: MappingProblem[] }
  | { ok: false; reason: 'unchanged' }
  | { ok: false; reason: 'conflict'; current: number | null };

/**
 * Saves a new version after the same checks a worker start makes (a version that fails them is
 * never stored, whichever client sent it). `basedOn` is the version the editor started from.
 */
export async function saveMappingVersion(
  store: MappingStore,
  d: Deployment,
  v: { text: string; author: string; comment: string; basedOn: number | null; now: Date },
): Promise<SaveOutcome> {
  const checked = checkForDeployment(v.text, d);
  if (!checked.ok) return { ok: false, reason: 'invalid', problems: checked.problems };
  const current = v.basedOn === null ? null : await store.get(v.basedOn);
  const before = current ? checkMappingText(current.text) : undefined;
  if (current?.text === v.text) return { ok: false, reason: 'unchanged' };
  const saved = await store.save({
    text: v.text,
    author: v.author,
    comment: v.comment,
    at: v.now.toISOString(),
    basedOn: v.basedOn,
  });
  if (!saved.ok) return { ok: false, reason: 'conflict', current: saved.current };
  const base = before?.ok ? before.mapping : undefined;
  return {
    ok: true,
    version: saved.version,
    changes: base ? mappingChanges(base, checked.mapping) : [],
    restart: base ? restartChanges(base, checked.mapping) : [],
  };
}

/** A unified diff of two versions' text, for the history page and `mapping diff`. */
export const textDiff = (a: { label: string; text: string }, b: { label: string; text: string }): string =>
  createTwoFilesPatch(a.label, b.label, a.text, b.text, '', '', { context: 3 });

/** A version's label in diffs and logs. */
export const versionLabel = (v: MappingVersion | null): string =>
  v ? `version ${v.id} (${v.author}, ${v.at})` : 'MAPPING_FILE';
