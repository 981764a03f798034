import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMappingFile } from '../../jobs/mapping-file.ts';
import { CLI_FROM_SOURCE } from '../integration/cli-entry.ts';

/*
 * An admin's mapping file with several mistakes: the worker refuses it at load with every
 * problem listed by line and path, and `referral-sync validate-mapping` exits non-zero with the
 * same list. (jobs/mapping-file.test.ts covers the parser in depth; this is the CLI end.)
 */
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rsync-fault-mapping-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const BAD = `version: 1
referralLink: "https://partner.microsoft.com/dashboard/referrals/v2/leads/{id}"
salesforce:
  object: Opportunity
  externalIdField: Referral_Id__c
  fields:
    Name: { from: nmae, default: "{customerProfile.name}" }
    Amount: { from: details.dealValue, format: number, maxLength: 5 }
    CloseDate: { from: details.closingDateTime, format: fancy }
    StageName: { const: Prospecting, from: status }
`;

const PROBLEMS = [
  /line 7: salesforce\.fields\.Name\.from: unknown referral field "nmae"/,
  /line 8: salesforce\.fields\.Amount\.maxLength: /,
  /line 9: salesforce\.fields\.CloseDate\.format: /,
  /line 10: salesforce\.fields\.StageName: /,
];

function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...CLI_FROM_SOURCE, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // A guard against a hung process only, under the 90 s test timeout: four CLIs starting through
    // tsx at once took over 20 s on a loaded 2-core machine (load average 25), and were killed.
    const timer = setTimeout(() => child.kill('SIGKILL'), 80_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('fault: an invalid mapping file', () => {
  it('loadMappingFile refuses it, listing every problem by line and path', async () => {
    const file = join(dir, 'mapping.yaml');
    await writeFile(file, BAD);
    const err = await loadMappingFile(file).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    const message = (err as Error).message;
    expect(message).toContain(`mapping file ${file} has 4 problems`);
    for (const p of PROBLEMS) expect(message).toMatch(p);
  });

  it('validate-mapping exits 1 and prints the same list; a valid file exits 0', async () => {
    const file = join(dir, 'bad.yaml');
    const duplicate = join(dir, 'duplicate.yaml');
    await writeFile(file, BAD);
    await writeFile(duplicate, `${BAD}version: 1\n`);
    // Four CLI processes at once: each pays tsx's start-up, not one after another.
    const [bad, dup, missing, good] = await Promise.all([
      cli('validate-mapping', file),
      cli('validate-mapping', duplicate),
      cli('validate-mapping', join(dir, 'nope.yaml')),
      cli('validate-mapping', 'config/mapping.default.yaml'),
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`${file}: 4 problem(s)`);
    for (const p of PROBLEMS) expect(bad.stderr).toMatch(p);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(/line 11: .*[Mm]ap keys must be unique/);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('cannot read the file');
    expect(good).toMatchObject({ code: 0, stdout: 'config/mapping.default.yaml: valid\n' });
  }, 45_000);
});
