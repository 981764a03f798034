import { parseAdminEnv, parseEnv, type AdminEnv, type Env } from '../src/config/env.ts';

/**
 * Parses process.env once; on any problem prints every one of them (names and rules, never
 * values) and exits with status 2.
 */
export function envOrExit(source: Record<string, string | undefined> = process.env): Env {
  return orExit(parseEnv(source));
}

/** envOrExit for the commands that need only Redis (status, at-risk, history, replay, dismiss). */
export function adminEnvOrExit(source: Record<string, string | undefined> = process.env): AdminEnv {
  return orExit(parseAdminEnv(source));
}

function orExit<T>(result: { ok: true; env: T } | { ok: false; problems: string[] }): T {
  if (result.ok) return result.env;
  process.stderr.write(
    `referral-sync: the configuration has ${result.problems.length} problem(s):\n` +
      result.problems.map((p) => `  - ${p}\n`).join('') +
      'See .env.example and the README section "Configuration".\n',
  );
  process.exit(2);
}
