import type { Queue } from 'bullmq';
import type { FailureEvent, FailureKind } from '../src/alerts/failure-digest.ts';
import type { ParkingLot } from '../src/ports/state.ts';
import type { StateEpoch } from '../connectors/redis/state-epoch.ts';
import type { RedisConnection } from '../connectors/redis/connection.ts';
import { createCredentialStore } from '../connectors/redis/credential-store.ts';
import { scrubText } from '../src/log/logger.ts';

/*
 * Where failure alerts (issue 18) find their incidents. Each source reads state other parts
 * already keep in Redis (the parking lot, credential health's pause records, the state-loss
 * record, BullMQ's wait and delayed sets), so no worker code had to learn about alerts, and
 * an incident is seen whichever worker process it happened in.
 */

export interface FailureSourceDeps {
  redis: RedisConnection;
  prefix: string;
  parking: ParkingLot;
  epoch: StateEpoch;
  /** Every queue whose oldest waiting job is watched. */
  queues: readonly Queue[];
  /** Queues a 429 pauses as a whole (queue.rateLimit in jobs/processor.ts; no attempt is spent). */
  throttledQueues: readonly Queue[];
}

export interface FailureThresholds {
  /** A queue is stuck when its oldest waiting job has waited this long. */
  stuckMs: number;
  /** Jobs waiting behind a 429 pause of one queue before it is reported. */
  throttledJobs: number;
  /** Rate-limit incidents are keyed per window, so a storm that goes on is reported once per window. */
  windowMs: number;
}

const CONNECTIONS = ['partner-center', 'salesforce', 'dynamics'] as const;
/** Delayed jobs read per queue for the 429 count: enough to pass any sensible threshold. */
const minutes = (ms: number) => `${Math.round(ms / 60_000)} min`;

/** A parked reason starts with the field or rule at fault (`salesforce.fields.CloseDate: …`); only that goes out. */
function fieldOf(reason: string): string | null {
  const m = /^([A-Za-z0-9_.[\]-]{1,80}): /.exec(reason);
  return m?.[1] && !/^referral$/i.test(m[1]) ? m[1] : null;
}

async function parked(d: FailureSourceDeps): Promise<FailureEvent[]> {
  return (await d.parking.list(500)).map((p) => {
    const field = fieldOf(p.reason);
    return {
      kind: 'parked' as const,
      key: `${p.referralId}@${p.at}`,
      subject: p.referralId,
      // The reason itself can quote a value typed by the customer: ids and field names only.
      detail: `stage ${p.stage}${field ? `, ${field}` : ''}`,
      at: p.at,
      path: `/referrals/${encodeURIComponent(p.referralId)}`,
    };
  });
}

async function credentials(d: FailureSourceDeps): Promise<FailureEvent[]> {
  const store = createCredentialStore(d.redis, d.prefix);
  const out: FailureEvent[] = [];
  for (const name of CONNECTIONS) {
    const pause = await store.pause(name);
    if (!pause) continue;
    const queues = pause.queues.length > 0 ? `queues ${pause.queues.join(', ')} paused` : 'no queue paused';
    out.push({
      kind: 'credentials',
      key: `${name}@${pause.since}`,
      subject: name,
      detail: `${queues}: ${scrubText(pause.reason).slice(0, 200)}`,
      at: pause.since,
      path: '/',
    });
  }
  return out;
}

async function stateLoss(d: FailureSourceDeps): Promise<FailureEvent[]> {
  const loss = await d.epoch.loss();
  if (!loss) return [];
  return [
    {
      kind: 'state-loss',
      key: loss.epoch,
      subject: 'redis',
      detail:
        'queues, schedules, checkpoints and sync state were gone; schedules were registered again and a full pull ' +
        'rebuilds the state, comparing each referral with its opportunity before writing' +
        (loss.recoveredAt ? ` (rebuilt at ${loss.recoveredAt})` : ' (/readyz answers 503 until it has finished)'),
      at: loss.detectedAt,
      path: '/',
    },
  ];
}

async function stuck(d: FailureSourceDeps, t: FailureThresholds, now: Date): Promise<FailureEvent[]> {
  const store = createCredentialStore(d.redis, d.prefix);
  const byCredentials = new Set<string>();
  for (const name of CONNECTIONS) for (const q of (await store.pause(name))?.queues ?? []) byCredentials.add(q);
  const out: FailureEvent[] = [];
  for (const q of d.queues) {
    // Already reported as a credentials incident: the pause is why it waits.
    if (byCredentials.has(q.name)) continue;
    const [oldest] = await q.getJobs(['wait'], 0, 0, true);
    if (!oldest?.id) continue;
    // Waiting since it was added (after any delay), or since its last attempt when it is a retry.
    const since = Math.max(oldest.timestamp + (oldest.opts.delay ?? 0), oldest.processedOn ?? 0);
    const waited = now.getTime() - since;
    if (waited < t.stuckMs) continue;
    const paused = (await q.isPaused()) ? ' (queue paused)' : '';
    out.push({
      kind: 'stuck',
      key: `${q.name}:${oldest.id}`,
      subject: q.name,
      detail: `oldest waiting job ${oldest.id} has waited ${minutes(waited)}${paused}`,
      at: new Date(since).toISOString(),
      path: '/',
    });
  }
  return out;
}

/**
 * A queue Partner Center (or a CRM) paused with a 429: its jobs wait out Retry-After together
 * (queue.rateLimit, jobs/processor.ts) without spending attempts. Reported when the pause holds
 * back at least `throttledJobs` waiting jobs, once per window.
 */
async function throttled(d: FailureSourceDeps, t: FailureThresholds, now: Date): Promise<FailureEvent[]> {
  const out: FailureEvent[] = [];
  const window = Math.floor(now.getTime() / t.windowMs);
  for (const q of d.throttledQueues) {
    const ttlMs = await q.getRateLimitTtl();
    if (ttlMs <= 0) continue;
    const waiting = await q.getWaitingCount();
    if (waiting < t.throttledJobs) continue;
    out.push({
      kind: 'throttled',
      key: `${q.name}@${window}`,
      subject: q.name,
      detail: `paused by a rate limit (429) for ${Math.ceil(ttlMs / 1000)} s more, ${waiting} jobs waiting`,
      at: now.toISOString(),
      path: '/',
    });
  }
  return out;
}

/** Every open incident of the kinds turned on. A source that fails is skipped this round (logged by the caller). */
export async function collectFailures(
  d: FailureSourceDeps,
  kinds: ReadonlySet<FailureKind>,
  t: FailureThresholds,
  now: Date,
  onSourceError: (kind: FailureKind, err: unknown) => void,
): Promise<FailureEvent[]> {
  const sources: Record<FailureKind, () => Promise<FailureEvent[]>> = {
    parked: () => parked(d),
    credentials: () => credentials(d),
    'state-loss': () => stateLoss(d),
    stuck: () => stuck(d, t, now),
    throttled: () => throttled(d, t, now),
  };
  const out: FailureEvent[] = [];
  for (const kind of kinds) {
    try {
      out.push(...(await sources[kind]()));
    } catch (err) {
      onSourceError(kind, err);
    }
  }
  return out;
}
