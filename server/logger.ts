import { pino, type BaseLogger, type DestinationStream, type Logger as PinoLogger } from 'pino';
import { createRequire } from 'node:module';
import type { LogFormat } from './log-format.ts';

/** The logging the server's layers need; a pino logger or Fastify's satisfies it. */
export type Logger = Pick<BaseLogger, 'debug' | 'info' | 'warn' | 'error'>;

/**
 * The server's logger, writing synchronously to stdout. Keys are secrets (browser, page and edit keys travel
 * only inside WebSocket frames, which are never logged); anything that could
 * carry a credential is redacted all the same.
 */
export function createLogger(level: string, destination?: DestinationStream, format: LogFormat = 'json'): PinoLogger {
  const options = { level, redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'sasl', '*.sasl', '*.password'], censor: '[redacted]' } };
  // Synchronous writes to stdout: a fatal error kills the process right after
  // logging it (fatal.ts), and an asynchronous write would be lost with it.
  // Pretty (log-format.ts) is formatted in this thread rather than by a
  // transport's worker thread, for the same reason: the line is written
  // before the process dies.
  // pino-pretty is loaded only for pretty lines: memory a JSON-logging server never needs.
  if (format === 'pretty' && !destination) {
    const { PinoPretty } = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty');
    return pino(options, PinoPretty({ destination: 1, sync: true, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss.l' }));
  }
  return pino(options, destination ?? pino.destination({ dest: 1, sync: true }));
}
