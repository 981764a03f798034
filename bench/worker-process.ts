import { spawn, type ChildProcess } from 'node:child_process';
import { benchEntry } from './compile.ts';
import { FromWorker, type ToWorker, type WorkerConfig } from './protocol.ts';

/** The spawned bench worker: its messages as they arrive, and what it logged at warn or above. */
export interface WorkerProcess {
  child: ChildProcess;
  /** Resolves with the first message of this type (rejects if the worker fails or exits first). */
  next<T extends FromWorker['type']>(type: T): Promise<Extract<FromWorker, { type: T }>>;
  /** The latest message of this type so far. */
  latest<T extends FromWorker['type']>(type: T): Extract<FromWorker, { type: T }> | undefined;
  tell(msg: ToWorker): void;
  /** Log lines at warn/error/fatal (pino levels 40+), the first 20, and how many there were. */
  problems: { first: string[]; count: number };
  logLines(): number;
  /** Why the worker is gone (a `failed` message or its exit), undefined while it runs. */
  gone(): string | undefined;
  exited(): Promise<number | null>;
  kill(): void;
}

const PROBLEM = /"level":(4|5|6)0\b/;

export function spawnWorker(config: WorkerConfig, nodeOptions: string[] = []): WorkerProcess {
  const child = spawn(process.execPath, [...nodeOptions, benchEntry('worker')], {
    env: { ...process.env, BENCH_WORKER_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const seen = new Map<string, FromWorker>();
  const waiting: { type: string; resolve: (m: FromWorker) => void; reject: (e: Error) => void }[] = [];
  const problems = { first: [] as string[], count: 0 };
  let lines = 0;
  let exitCode: number | null | undefined;
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  child.on('message', (raw: unknown) => {
    const parsed = FromWorker.safeParse(raw);
    if (!parsed.success) return;
    const msg = parsed.data;
    seen.set(msg.type, msg);
    for (const w of [...waiting]) {
      if (msg.type === 'failed') w.reject(new Error(`bench worker failed: ${msg.error}`));
      else if (w.type !== msg.type) continue;
      else w.resolve(msg);
      waiting.splice(waiting.indexOf(w), 1);
    }
  });
  void exit.then((code) => {
    exitCode = code;
    for (const w of waiting.splice(0))
      w.reject(new Error(`bench worker exited (code ${String(code)}) before sending '${w.type}'`));
  });

  let partial = '';
  const scan = (chunk: Buffer): void => {
    const text = partial + chunk.toString();
    const parts = text.split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      lines += 1;
      if (!PROBLEM.test(line) && !/^(Error|TypeError|\s+at )/.test(line)) continue;
      problems.count += 1;
      if (problems.first.length < 20) problems.first.push(line.slice(0, 400));
    }
  };
  child.stdout?.on('data', scan);
  child.stderr?.on('data', scan);

  return {
    child,
    next<T extends FromWorker['type']>(type: T): Promise<Extract<FromWorker, { type: T }>> {
      const have = seen.get(type);
      if (have) return Promise.resolve(have as Extract<FromWorker, { type: T }>);
      if (exitCode !== undefined)
        return Promise.reject(new Error(`bench worker already exited (code ${String(exitCode)})`));
      return new Promise((resolve, reject) => {
        waiting.push({ type, resolve: (m) => resolve(m as Extract<FromWorker, { type: T }>), reject });
      });
    },
    latest<T extends FromWorker['type']>(type: T) {
      return seen.get(type) as Extract<FromWorker, { type: T }> | undefined;
    },
    tell: (msg) => {
      if (child.connected) child.send(msg);
    },
    problems,
    logLines: () => lines,
    gone: () => {
      const failed = seen.get('failed');
      if (failed?.type === 'failed') return `failed: ${failed.error}`;
      return exitCode === undefined ? undefined : `exited with code ${String(exitCode)}`;
    },
    exited: () => exit,
    kill: () => {
      if (exitCode === undefined) child.kill('SIGKILL');
    },
  };
}
