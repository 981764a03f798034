import { spawn, type ChildProcess } from 'node:child_process';

/**
 * `--cpu-hog N`: N child processes that spin on the CPU for the whole worker run, so the worker
 * is CPU-starved as on a crowded host (issue 19: batching must hold up, CRM write calls stay
 * within 1.02x their bound).
 */
export function startCpuHogs(n: number): { stop(): void } {
  const hogs: ChildProcess[] = [];
  for (let i = 0; i < n; i++) hogs.push(spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
  return {
    stop: () => {
      for (const h of hogs) h.kill('SIGKILL');
    },
  };
}
