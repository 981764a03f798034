import { parseEnv, type Env } from '../src/config/env.ts';

/**
 * Parses process.env once; on any problem prints every one of them (names and rules, never
 * values) and exits with status 2.
 */
export function envOrExit(source: Record<string, string | undefined> = process.env): Env {
  const result = parseEnv(source);
  if (result.ok) return result.env;
  process.stderr.write(
    `referral-sync: the configuration has ${result.problems.length} problem(s):\n` +
      result.problems.map((p) => `  - ${p}\n`).join('') +
      'See .env.example and the README section "Configuration".\n',
  );
  process.exit(2);
}
