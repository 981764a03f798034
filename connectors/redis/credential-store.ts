import type { RedisConnection } from './connection.ts';
import { z } from 'zod';

/*
 * What credential health keeps in Redis, so every worker process and the dashboard see the same:
 *   <prefix>:cred:pause:<connection>   JSON CredentialPause while that connection is paused
 *   <prefix>:cred:failed:<connection>  set of jobs that failed on the credentials (retried on resume)
 *   <prefix>:cred:status               hash connection → JSON of the last probe
 */

export const CredentialPause = z.object({
  connection: z.string(),
  reason: z.string(),
  since: z.string(),
  /** The queues this pause stopped; queues an operator had already paused are not listed. */
  queues: z.array(z.string()),
});
export type CredentialPause = z.infer<typeof CredentialPause>;

export const ProbeStatus = z.object({ ok: z.boolean(), reason: z.string().optional(), checkedAt: z.string() });
export type ProbeStatus = z.infer<typeof ProbeStatus>;

export interface FailedJobRef {
  queue: string;
  jobId: string;
}

const parseJson = <T>(schema: z.ZodType<T>, text: string | null | undefined): T | null => {
  if (!text) return null;
  try {
    const r = schema.safeParse(JSON.parse(text));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
};

export function createCredentialStore(redis: RedisConnection, prefix: string) {
  const k = {
    pause: (c: string) => `${prefix}:cred:pause:${c}`,
    failed: (c: string) => `${prefix}:cred:failed:${c}`,
    status: `${prefix}:cred:status`,
  };
  return {
    async pause(connection: string): Promise<CredentialPause | null> {
      return parseJson(CredentialPause, await redis.get(k.pause(connection)));
    },
    /** Records a pause unless one exists (the first reason and time are kept). True when this call created it. */
    async startPause(p: CredentialPause): Promise<boolean> {
      return (await redis.set(k.pause(p.connection), JSON.stringify(p), 'NX')) === 'OK';
    },
    async endPause(connection: string): Promise<void> {
      await redis.del(k.pause(connection));
    },
    async addFailedJob(connection: string, job: FailedJobRef): Promise<void> {
      await redis.sadd(k.failed(connection), JSON.stringify(job));
    },
    /** Returns and forgets the jobs recorded while `connection` was failing. */
    async takeFailedJobs(connection: string): Promise<FailedJobRef[]> {
      const replies = await redis.multi().smembers(k.failed(connection)).del(k.failed(connection)).exec();
      const members: unknown = replies?.[0]?.[1];
      if (!Array.isArray(members)) return [];
      return members
        .filter((m): m is string => typeof m === 'string')
        .flatMap((m) => parseJson(z.object({ queue: z.string(), jobId: z.string() }), m) ?? []);
    },
    async putStatus(connection: string, s: ProbeStatus): Promise<void> {
      await redis.hset(k.status, connection, JSON.stringify(s));
    },
    async status(connection: string): Promise<ProbeStatus | null> {
      return parseJson(ProbeStatus, await redis.hget(k.status, connection));
    },
  };
}
