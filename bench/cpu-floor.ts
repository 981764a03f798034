/*
 * The CPU floor of a sync (issue 19), run as its own process by the bench so its CPU time is its
 * own: the work no design can skip, per referral. Parse the list page (JSON and the referral
 * schema), map with the default mapping, build the CRM write body (a Salesforce collection of
 * 200), one Redis pipeline per referral (the referral copy and its sync state), and the id
 * write-back PATCH over node:http with a keep-alive pool, its answer parsed. Config in
 * BENCH_FLOOR_CONFIG (JSON): { redisUrl, prefix, patchUrl, n, crm }; prints { cpuMs, n } as JSON.
 */
import http from 'node:http';
import { Redis } from 'ioredis';
import { parseReferral, type Referral } from '../src/domain/referral.ts';
import { toOpportunityDraft } from '../src/mapping/apply.ts';
import { loadMappingFile } from '../jobs/mapping-file.ts';
import { makeReferrals } from '../test/fakes/partner-center/fixtures.ts';

interface FloorConfig {
  redisUrl: string;
  prefix: string;
  patchUrl: string;
  n: number;
  crm: 'salesforce' | 'dynamics';
}

const cfg = JSON.parse(process.env.BENCH_FLOOR_CONFIG ?? '{}') as FloorConfig;
const mapping = await loadMappingFile('config/mapping.default.yaml');
const pages = chunk(makeReferrals(cfg.n), 100).map((p) => JSON.stringify({ value: p }));
const redis = new Redis(cfg.redisUrl);
await redis.ping();
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const target = new URL(cfg.patchUrl);

function patch(id: string, body: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: target.hostname, port: target.port, path: `/r/${id}`, method: 'PATCH', agent },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => resolve(JSON.parse(Buffer.concat(parts).toString())));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function one(r: Referral): Promise<void> {
  await redis
    .pipeline()
    .set(`${cfg.prefix}:ref:${r.id}`, JSON.stringify(r))
    .hset(`${cfg.prefix}:state:${r.id}`, {
      eTag: r.eTag,
      crm: cfg.crm,
      crmId: `006${r.id.slice(0, 12)}`,
      writtenBack: '1',
    })
    .exec();
  if (r.status !== 'Closed')
    await patch(r.id, JSON.stringify([{ op: 'add', path: '/externalReferenceId', value: `006${r.id.slice(0, 12)}` }]));
}

const start = process.cpuUsage();
const now = new Date();
let inFlight: Promise<void>[] = [];
for (const page of pages) {
  const referrals: Referral[] = [];
  for (const raw of (JSON.parse(page) as { value: unknown[] }).value) {
    const parsed = parseReferral(raw);
    if (parsed.ok) referrals.push(parsed.referral);
  }
  const drafts = referrals.map((r) => toOpportunityDraft(cfg.crm, r, now, mapping));
  JSON.stringify({
    allOrNone: false,
    records: drafts.map((d) => ({ attributes: { type: 'Opportunity' }, ...d.fields })),
  });
  inFlight.push(...referrals.map((r) => one(r)));
  if (inFlight.length >= 400) {
    await Promise.all(inFlight);
    inFlight = [];
  }
}
await Promise.all(inFlight);
const used = process.cpuUsage(start);
const keys = await redis.keys(`${cfg.prefix}:*`);
if (keys.length > 0) await redis.del(...keys);
await redis.quit();
agent.destroy();
process.stdout.write(`${JSON.stringify({ cpuMs: (used.user + used.system) / 1000, n: cfg.n })}\n`);

function chunk<T>(xs: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}
