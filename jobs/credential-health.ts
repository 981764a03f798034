import { Queue, QueueEvents, type Job } from 'bullmq';
import type { RedisConnection } from '../connectors/redis/connection.ts';
import type { Logger } from 'pino';
import { scrubText } from '../src/log/logger.ts';
import { classifyFailedReason, type ConnectionName } from '../src/health/credential-failure.ts';
import { type Clock, systemClock } from '../src/ports/clock.ts';
import { createCredentialStore } from '../connectors/redis/credential-store.ts';

/*
 * Credential health (issue 7): a job that fails because a connection's sign-in is gone (signed
 * out, revoked, wrong secret) pauses that connection's queues instead of letting every other job
 * fail the same way. A periodic probe tries the sign-in again; when it works the queues resume
 * and the jobs that failed on the credentials are retried. Pauses are recorded in Redis with their
 * reason, so they are told apart from an operator's pause (a paused queue no record claims).
 */

export interface ConnectionHealthSpec {
  name: ConnectionName;
  /** Queues that cannot work without this connection. */
  queues: readonly string[];
  /** Resolves when the connection works; throws (AuthError when it is the credentials) otherwise. */
  probe: () => Promise<void>;
}

export interface CredentialHealthOptions {
  redis: RedisConnection;
  prefix: string;
  connections: readonly ConnectionHealthSpec[];
  log: Logger;
  clock?: Clock | undefined;
}

export interface ConnectionHealth {
  name: ConnectionName;
  ok: boolean;
  reason?: string;
  /** Last probe or failure seen (ISO); null when never checked. */
  checkedAt: string | null;
  /** Set while the connection's queues are paused by credential health. */
  pausedSince?: string;
  pausedQueues?: string[];
}

export type PauseCause = 'credentials' | 'operator' | null;

const isAuthError = (err: unknown) => err instanceof Error && err.name === 'AuthError';
const messageOf = (err: unknown) => scrubText(err instanceof Error ? err.message : String(err)).slice(0, 500);

export function createCredentialHealth(o: CredentialHealthOptions) {
  const clock = o.clock ?? systemClock;
  const store = createCredentialStore(o.redis, o.prefix);
  const queues = new Map<string, Queue>();
  const queue = (name: string) => {
    let q = queues.get(name);
    if (!q) queues.set(name, (q = new Queue(name, { connection: o.redis, prefix: o.prefix })));
    return q;
  };
  const others = (name: ConnectionName) => o.connections.filter((c) => c.name !== name);
  const claimedElsewhere = async (name: ConnectionName, q: string) => {
    for (const c of others(name)) if ((await store.pause(c.name))?.queues.includes(q)) return true;
    return false;
  };

  /** Pauses the connection's queues (once) and records why. */
  async function pause(spec: ConnectionHealthSpec, reason: string): Promise<void> {
    const now = clock.now().toISOString();
    await store.putStatus(spec.name, { ok: false, reason, checkedAt: now });
    if (await store.pause(spec.name)) return;
    const claim: string[] = [];
    for (const q of spec.queues) {
      // Already paused and not by a credential record: an operator did it; leave it theirs.
      if ((await queue(q).isPaused()) && !(await claimedElsewhere(spec.name, q))) continue;
      claim.push(q);
    }
    if (!(await store.startPause({ connection: spec.name, reason, since: now, queues: claim }))) return;
    for (const q of claim) await queue(q).pause();
    o.log.error(
      { connection: spec.name, queues: claim, reason },
      'credentials failed: queues paused until the connection works again',
    );
  }

  async function resume(spec: ConnectionHealthSpec): Promise<void> {
    const record = await store.pause(spec.name);
    if (!record) return;
    await store.endPause(spec.name);
    const resumed: string[] = [];
    for (const q of record.queues) {
      if (await claimedElsewhere(spec.name, q)) continue;
      await queue(q).resume();
      resumed.push(q);
    }
    let retried = 0;
    for (const ref of await store.takeFailedJobs(spec.name)) {
      const job = (await queue(ref.queue).getJob(ref.jobId)) as Job | undefined;
      if (job && (await job.isFailed())) {
        await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
        retried++;
      }
    }
    o.log.info({ connection: spec.name, queues: resumed, retried }, 'credentials work again: queues resumed');
  }

  type Culprit = { spec: ConnectionHealthSpec; reason?: string };
  /** Concurrent unlabelled failures in one queue share one round of probes. */
  const probing = new Map<string, Promise<Culprit[]>>();

  /** Which connections an AuthError in `queueName` points at: the named one, else the owners that fail a probe. */
  function culprits(queueName: string, named: ConnectionName | undefined): Promise<Culprit[]> {
    const spec = named && o.connections.find((c) => c.name === named);
    if (spec) return Promise.resolve([{ spec }]);
    let round = probing.get(queueName);
    if (!round) {
      round = (async () => {
        const found: Culprit[] = [];
        for (const c of o.connections.filter((x) => x.queues.includes(queueName))) {
          await c.probe().catch((err: unknown) => {
            if (isAuthError(err)) found.push({ spec: c, reason: messageOf(err) });
          });
        }
        return found;
      })().finally(() => probing.delete(queueName));
      probing.set(queueName, round);
    }
    return round;
  }

  async function onJobFailed(
    queueName: string,
    jobId: string | undefined,
    failedReason: string | undefined,
  ): Promise<void> {
    const verdict = classifyFailedReason(failedReason);
    if (verdict.kind !== 'credentials') return;
    const found = await culprits(queueName, verdict.connection);
    if (found.length === 0)
      o.log.warn(
        { queue: queueName, jobId, reason: verdict.reason },
        'auth failure not traced to a configured connection; nothing paused',
      );
    for (const { spec, reason } of found) {
      if (jobId !== undefined) await store.addFailedJob(spec.name, { queue: queueName, jobId });
      await pause(spec, reason ?? verdict.reason);
    }
  }

  /** One probe round (the lead schedules it, e.g. every minute): resumes what works, pauses what fails on credentials. */
  async function probe(): Promise<ConnectionHealth[]> {
    for (const spec of o.connections) {
      const checkedAt = clock.now().toISOString();
      try {
        await spec.probe();
      } catch (err) {
        if (isAuthError(err)) await pause(spec, messageOf(err));
        else await store.putStatus(spec.name, { ok: false, reason: `not reachable: ${messageOf(err)}`, checkedAt });
        continue;
      }
      await store.putStatus(spec.name, { ok: true, checkedAt });
      await resume(spec);
    }
    return credentialHealth();
  }

  /** For the dashboard and /readyz. */
  async function credentialHealth(): Promise<ConnectionHealth[]> {
    const out: ConnectionHealth[] = [];
    for (const spec of o.connections) {
      const [status, record] = [await store.status(spec.name), await store.pause(spec.name)];
      const h: ConnectionHealth = {
        name: spec.name,
        ok: record === null && status?.ok !== false,
        checkedAt: status?.checkedAt ?? record?.since ?? null,
      };
      const reason = status?.ok === false ? status.reason : record?.reason;
      if (reason !== undefined) h.reason = reason;
      if (record) Object.assign(h, { pausedSince: record.since, pausedQueues: record.queues });
      out.push(h);
    }
    return out;
  }

  /** Why a queue is paused: by credential health, by an operator, or not at all. */
  async function pauseCause(queueName: string): Promise<PauseCause> {
    if (!(await queue(queueName).isPaused())) return null;
    for (const c of o.connections) if ((await store.pause(c.name))?.queues.includes(queueName)) return 'credentials';
    return 'operator';
  }

  /**
   * Listens for failed jobs on every connection's queues through BullMQ's event stream (no change
   * to the workers). QueueEvents blocks its connection, so `connect` must return a new one each call.
   */
  async function watch(connect: () => RedisConnection): Promise<{ close(): Promise<void> }> {
    const names = [...new Set(o.connections.flatMap((c) => c.queues))];
    const watchers = names.map((name) => {
      const connection = connect();
      const events = new QueueEvents(name, { connection, prefix: o.prefix });
      events.on('failed', ({ jobId, failedReason }) => {
        onJobFailed(name, jobId, failedReason).catch((err: unknown) =>
          o.log.error({ err, queue: name }, 'credential health: could not handle a failed job'),
        );
      });
      events.on('error', (err) => o.log.error({ err, queue: name }, 'credential health: queue events error'));
      return { events, connection };
    });
    await Promise.all(watchers.map((w) => w.events.waitUntilReady()));
    return {
      async close() {
        await Promise.all(watchers.map((w) => w.events.close()));
        for (const w of watchers) w.connection.disconnect();
      },
    };
  }

  return {
    onJobFailed,
    probe,
    credentialHealth,
    pauseCause,
    watch,
    close: () => Promise.all([...queues.values()].map((q) => q.close())).then(() => undefined),
  };
}
