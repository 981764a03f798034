import { pino, type DestinationStream, type Logger } from 'pino';
import { REDACT_PATHS, scrubObject, serializeError } from '../src/log/logger.ts';
import { createRedactor } from '../src/log/redact.ts';

export interface LoggerOptions {
  level?: string;
  /** Where lines go; defaults to stdout. Tests pass a capture stream. */
  destination?: DestinationStream;
}

const CENSOR = '[redacted]';

/**
 * The one root logger of a process. Jobs take `log.child({ queue, jobId, referralId, crm })`.
 * REDACT_PATHS are blanked by our redactor (src/log/redact.ts) rather than pino's `redact`
 * option, which cost a fifth of the worker's allocations (issue 19): in the line's fields and a
 * child's bindings (`formatters` and `child`), and in what a serializer returns, as pino did. Objects
 * interpolated into the message (`%o`, `%j`) are not redacted: the code logs none.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const redactor = createRedactor(REDACT_PATHS, CENSOR);
  const serializers = {
    err: (e: unknown) => redactor.value('err', serializeError(e)),
    error: (e: unknown) => redactor.value('error', serializeError(e)),
    data: (d: unknown) => redactor.value('data', scrubObject(d)),
  };
  const serialized = new Set(Object.keys(serializers));
  const fields = (obj: Record<string, unknown>) => redactor.fields(obj, serialized);
  const root = pino(
    {
      level: options.level ?? 'info',
      base: { app: 'referral-sync' },
      formatters: { log: fields, bindings: fields },
      serializers,
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination ?? pino.destination(1),
  );
  // pino applies `formatters.bindings` to the root's bindings only; every child logger is made
  // from the root (Object.create), so this one override redacts the bindings of all of them.
  const child = root.child;
  root.child = function (this: Logger, bindings, childOptions) {
    return child.call(this, fields(bindings), childOptions);
  } as Logger['child'];
  return root;
}
