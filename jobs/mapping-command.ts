import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { MappingStore, MappingVersion } from '../src/ports/mapping-store.ts';
import { plainLine } from '../src/text/display.ts';
import { saveMappingVersion, textDiff, versionLabel, type Deployment, type SaveOutcome } from './mapping-versions.ts';

/*
 * `referral-sync mapping show|diff|history|rollback|apply` (issue 17): the studio's versions from
 * a shell, so a mapping can be kept in git, reviewed as a diff and applied by a pipeline. Writes
 * go through the same checks as a studio save.
 */

export interface MappingCommandContext {
  store: MappingStore;
  deployment: Deployment;
  /** MAPPING_FILE, shown while no version was ever saved. */
  file: string;
  /** Who is saving, e.g. `cli:<os user>`. */
  author: string;
  now: () => Date;
}

export interface CommandOutput {
  code: number;
  out: string;
  err: string;
}

const ok = (out: string, err = ''): CommandOutput => ({ code: 0, out, err });
const fail = (err: string, code = 1): CommandOutput => ({ code, out: '', err });

const VERSION = /^\d{1,9}$/;

async function versionOrFile(c: MappingCommandContext, ref: string): Promise<{ label: string; text: string } | string> {
  if (VERSION.test(ref)) {
    const v = await c.store.get(Number(ref));
    return v ? { label: versionLabel(v), text: v.text } : `there is no mapping version ${ref}`;
  }
  const text = await readFile(ref, 'utf8').catch(() => null);
  return text === null ? `${ref}: cannot read the file` : { label: ref, text };
}

async function inForce(c: MappingCommandContext): Promise<MappingVersion | null> {
  const id = await c.store.currentId();
  return id === null ? null : c.store.get(id);
}

export async function mappingShow(c: MappingCommandContext, version?: string): Promise<CommandOutput> {
  if (version !== undefined) {
    const v = VERSION.test(version) ? await c.store.get(Number(version)) : null;
    return v ? ok(v.text, `# ${versionLabel(v)}\n`) : fail(`there is no mapping version ${plainLine(version)}\n`);
  }
  const v = await inForce(c);
  if (v) return ok(v.text, `# in force: ${versionLabel(v)}\n`);
  const text = await readFile(c.file, 'utf8').catch(() => null);
  if (text === null) return fail(`no mapping version saved yet, and ${c.file} cannot be read\n`);
  return ok(text, `# no version saved yet: ${c.file} (a worker start imports it as version 1)\n`);
}

/**
 * `diff` alone: the version in force against the one before it. `diff X`: the version in force
 * against X (a version number or a file: what `apply` would change). `diff X Y`: X against Y.
 */
export async function mappingDiff(c: MappingCommandContext, a?: string, b?: string): Promise<CommandOutput> {
  const current = await inForce(c);
  let from: { label: string; text: string } | string;
  let to: { label: string; text: string } | string;
  if (a === undefined) {
    if (!current) return fail('no mapping version saved yet\n');
    const before = current.basedOn === null ? null : await c.store.get(current.basedOn);
    if (!before) return ok('', `${versionLabel(current)} is the first version\n`);
    from = { label: versionLabel(before), text: before.text };
    to = { label: versionLabel(current), text: current.text };
  } else if (b === undefined) {
    if (!current) return fail('no mapping version saved yet\n');
    from = { label: versionLabel(current), text: current.text };
    to = await versionOrFile(c, a);
  } else {
    from = await versionOrFile(c, a);
    to = await versionOrFile(c, b);
  }
  if (typeof from === 'string') return fail(`${from}\n`);
  if (typeof to === 'string') return fail(`${to}\n`);
  if (from.text === to.text) return ok('', 'no differences\n');
  return ok(textDiff(from, to));
}

export async function mappingHistory(c: MappingCommandContext, limit = 20): Promise<CommandOutput> {
  const [current, versions] = await Promise.all([c.store.currentId(), c.store.list(limit)]);
  if (versions.length === 0) return ok('', `no mapping version saved yet; ${c.file} is used\n`);
  const lines = versions.map(
    (v) =>
      `${v.id === current ? '*' : ' '} ${String(v.id).padStart(4)}  ${v.at}  ${plainLine(v.author)}  ${plainLine(v.comment)}`,
  );
  return ok(`${lines.join('\n')}\n`, '* = in force\n');
}

function saved(outcome: SaveOutcome): CommandOutput {
  if (outcome.ok) {
    const lines = [`saved mapping version ${outcome.version.id}; running workers apply it from their next sync job`];
    for (const ch of outcome.changes) lines.push(`  ${ch.kind} ${ch.path}`);
    if (outcome.restart.length > 0)
      lines.push(
        `needs a worker restart to apply (read at start): ${outcome.restart.map((r) => r.path).join(', ')}; running workers keep the version before until then`,
      );
    return ok(`${lines.join('\n')}\n`);
  }
  if (outcome.reason === 'unchanged') return ok('', 'no change: that is the version in force already\n');
  if (outcome.reason === 'conflict')
    return fail(`another version (${outcome.current}) was saved meanwhile; try again\n`);
  const problems = outcome.problems.map(
    (p) => `  - ${p.line === null ? '' : `line ${p.line}: `}${p.path === '' ? '' : `${p.path}: `}${p.message}`,
  );
  return fail(`not saved: ${outcome.problems.length} problem(s)\n${problems.join('\n')}\n`);
}

export async function mappingApply(c: MappingCommandContext, file: string, comment: string): Promise<CommandOutput> {
  const text = await readFile(file, 'utf8').catch(() => null);
  if (text === null) return fail(`${file}: cannot read the file\n`);
  const basedOn = await c.store.currentId();
  return saved(
    await saveMappingVersion(c.store, c.deployment, {
      text,
      author: c.author,
      comment: comment || `applied ${file}`,
      basedOn,
      now: c.now(),
    }),
  );
}

/** A rollback is a new version with an earlier one's text: the history keeps who rolled back. */
export async function mappingRollback(
  c: MappingCommandContext,
  version: string,
  comment: string,
): Promise<CommandOutput> {
  const target = VERSION.test(version) ? await c.store.get(Number(version)) : null;
  if (!target) return fail(`there is no mapping version ${plainLine(version)}\n`);
  const basedOn = await c.store.currentId();
  return saved(
    await saveMappingVersion(c.store, c.deployment, {
      text: target.text,
      author: c.author,
      comment: comment || `rollback to version ${target.id}`,
      basedOn,
      now: c.now(),
    }),
  );
}

/** Adds the subcommands to `mapping`; `context` opens Redis, `done` closes it. */
export function registerMappingCommands(
  mapping: Command,
  open: () => Promise<{ context: MappingCommandContext; close(): Promise<void> }>,
): void {
  const run = async (f: (c: MappingCommandContext) => Promise<CommandOutput>) => {
    const { context, close } = await open();
    let r: CommandOutput;
    try {
      r = await f(context);
    } finally {
      await close();
    }
    process.stdout.write(r.out);
    process.stderr.write(r.err);
    process.exitCode = r.code;
  };
  mapping
    .command('show')
    .description('print the mapping in force (YAML), or an earlier version')
    .option('--version <n>', 'a version number from `mapping history`')
    .action((o: { version?: string }) => run((c) => mappingShow(c, o.version)));
  mapping
    .command('diff')
    .description('diff: in force vs the version before; diff X: in force vs X; diff X Y (X, Y: version or file)')
    .argument('[from]')
    .argument('[to]')
    .action((a?: string, b?: string) => run((c) => mappingDiff(c, a, b)));
  mapping
    .command('history')
    .description('list saved mapping versions (who, when, comment), newest first')
    .option('--limit <n>', 'how many', '20')
    .action((o: { limit: string }) => run((c) => mappingHistory(c, Math.max(1, Number(o.limit) || 20))));
  mapping
    .command('rollback')
    .description('make an earlier version current again (saved as a new version)')
    .argument('<version>')
    .option('-m, --comment <text>', 'why', '')
    .action((v: string, o: { comment: string }) => run((c) => mappingRollback(c, v, o.comment)));
  mapping
    .command('apply')
    .description('validate a mapping file and save it as the new version; running workers pick it up')
    .argument('<file>')
    .option('-m, --comment <text>', 'why', '')
    .action((f: string, o: { comment: string }) => run((c) => mappingApply(c, f, o.comment)));
}
