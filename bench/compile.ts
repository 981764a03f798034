import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** Where tsconfig.bench.json puts the compiled bench processes (under the ignored bench/results). */
const OUT_DIR = 'bench/results/worker-dist';

/**
 * Compiles the bench's worker and CPU-floor processes to JavaScript (tsconfig.bench.json) and
 * returns the path of each entry point. They then run as `npm start` runs the shipped worker:
 * compiled, without tsx's loader, whose transforms and source maps cost ~37 MB RSS and twice the
 * start-up CPU in the process measured.
 */
export async function compileBenchProcesses(): Promise<void> {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [tsc, '-p', 'tsconfig.bench.json'], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`tsc -p tsconfig.bench.json exited with code ${String(code)}`)),
    );
  });
  compiled = true;
}

let compiled = false;

/** The compiled entry point of a bench process; compileBenchProcesses() must have run. */
export function benchEntry(name: 'worker' | 'cpu-floor'): string {
  if (!compiled) throw new Error('bench processes are not compiled: call compileBenchProcesses() first');
  return join(OUT_DIR, `bench/${name}.js`);
}
