import type { Env } from '../src/config/env.ts';
import { readRemoteClock } from '../connectors/shared/remote-clock.ts';

/** One remote whose clock doctor compares with ours. */
export interface ClockSource {
  name: string;
  /** The remote's time and ours at the same moment (connectors/shared/remote-clock.ts). */
  read: () => Promise<{ remote: Date; local: Date }>;
}

/**
 * How far our clock may be from a remote's. The Salesforce JWT bearer assertion we sign is
 * valid for 180 s from our clock (jwt-assertion.ts), and Salesforce refuses it once its own clock
 * passes `exp`; Entra rejects tokens outside its few-minute skew allowance. 60 s stays well inside
 * both, while the `Date` header's one-second resolution and a slow answer cannot reach it. A host
 * synced by NTP is within milliseconds. See docs/clock-skew.md.
 */
export const CLOCK_TOLERANCE_MS = 60_000;

export type ClockLine = { status: 'ok' | 'fail' | 'warn'; check: string; detail: string };

const seconds = (ms: number): string => {
  const s = Math.round(Math.abs(ms) / 1000);
  return s >= 120 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`;
};

/** Pure: the doctor line for a measured skew (local minus remote). */
export function clockLine(name: string, skewMs: number): ClockLine {
  const check = `clock vs ${name}`;
  if (Math.abs(skewMs) <= CLOCK_TOLERANCE_MS) return { status: 'ok', check, detail: `within ${seconds(skewMs)}` };
  const direction = skewMs > 0 ? 'ahead of' : 'behind';
  return {
    status: 'fail',
    check,
    detail:
      `this machine's clock is ${seconds(skewMs)} ${direction} ${name} (tolerance ${CLOCK_TOLERANCE_MS / 1000} s). ` +
      'Salesforce refuses the JWT sign-in and Entra may refuse tokens, so every sync job would retry and then be parked: ' +
      'keep the clock synced with NTP (e.g. systemd-timesyncd or chrony)',
  };
}

export async function checkClocks(
  sources: readonly ClockSource[],
  add: (l: ClockLine) => void,
  timeoutMs: number,
): Promise<void> {
  // Read together: one slow remote does not hold the others (or doctor) for its whole timeout.
  const reads = await Promise.allSettled(sources.map((s) => s.read()));
  reads.forEach((r, i) => {
    const name = sources[i]?.name ?? '?';
    if (r.status === 'fulfilled') {
      add(clockLine(name, r.value.local.getTime() - r.value.remote.getTime()));
      return;
    }
    const why = r.reason instanceof Error ? r.reason.message.slice(0, 200) : 'unknown failure';
    add({
      status: 'warn',
      check: `clock vs ${name}`,
      detail: `could not read its clock (${why}; limit ${Math.round(timeoutMs / 1000)} s)`,
    });
  });
}

/** Partner Center and each configured CRM (Salesforce: the login host, where the JWT is checked). */
export function clockSourcesFromEnv(env: Env): ClockSource[] {
  const timeout = env.HTTP_TIMEOUT_MS;
  const source = (name: string, url: string): ClockSource => ({
    name: `${name} (${new URL(url).host})`,
    read: () => readRemoteClock(url, timeout),
  });
  const out = [source('Partner Center', env.PARTNER_CENTER_API_URL)];
  if (env.CRM !== 'dynamics')
    out.push(
      source(
        'Salesforce',
        env.SALESFORCE_AUTH === 'client_credentials' && env.SALESFORCE_INSTANCE_URL
          ? env.SALESFORCE_INSTANCE_URL
          : env.SALESFORCE_LOGIN_URL,
      ),
    );
  if (env.CRM !== 'salesforce' && env.DYNAMICS_URL) out.push(source('Dynamics', env.DYNAMICS_URL));
  return out;
}
