import { pino, type DestinationStream, type Logger } from 'pino';
import { REDACT_PATHS, scrubObject, serializeError } from '../src/log/logger.ts';

export interface LoggerOptions {
  level?: string;
  /** Where lines go; defaults to stdout. Tests pass a capture stream. */
  destination?: DestinationStream;
}

/** The one root logger of a process. Jobs take `log.child({ queue, jobId, referralId, crm })`. */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { app: 'referral-sync' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: { err: serializeError, error: serializeError, data: scrubObject },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination ?? pino.destination(1),
  );
}
