import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { REDIS_URL } from '../test/integration/harness.ts';
import { benchEntry } from './compile.ts';
import type { BenchCrm } from './options.ts';

export interface CpuFloor {
  n: number;
  cpuMsPerReferral: number;
}

/**
 * Runs bench/cpu-floor.ts in its own process against a plain HTTP server in this one (which
 * answers each PATCH with a referral-sized representation), and returns its CPU per referral.
 */
export async function measureCpuFloor(n: number, crm: BenchCrm): Promise<CpuFloor> {
  const answer = JSON.stringify({ id: 'x', eTag: '"e2"', status: 'Active', details: { notes: 'n'.repeat(1500) } });
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(answer));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  try {
    const config = {
      redisUrl: REDIS_URL,
      prefix: `bench-floor-${randomBytes(4).toString('hex')}`,
      patchUrl: `http://127.0.0.1:${port}`,
      n,
      crm,
    };
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, [benchEntry('cpu-floor')], {
        env: { ...process.env, BENCH_FLOOR_CONFIG: JSON.stringify(config) },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let text = '';
      child.stdout.on('data', (c: Buffer) => (text += c.toString()));
      child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`cpu floor exited ${code}`))));
    });
    const { cpuMs } = JSON.parse(out.trim().split('\n').pop() ?? '{}') as { cpuMs: number };
    return { n, cpuMsPerReferral: cpuMs / n };
  } finally {
    server.closeAllConnections();
    server.close();
  }
}
