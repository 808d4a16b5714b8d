import { pino, type BaseLogger, type DestinationStream, type Logger as PinoLogger } from 'pino';

/** The logging the server's layers need; a pino logger or Fastify's satisfies it. */
export type Logger = Pick<BaseLogger, 'debug' | 'info' | 'warn' | 'error'>;

/**
 * The server's logger, writing synchronously to stdout. Keys are secrets (browser, page and edit keys travel
 * only inside WebSocket frames, which are never logged); anything that could
 * carry a credential is redacted all the same.
 */
export function createLogger(level: string, destination?: DestinationStream): PinoLogger {
  const options = { level, redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'sasl', '*.sasl', '*.password'], censor: '[redacted]' } };
  // Synchronous writes to stdout: a fatal error kills the process right after
  // logging it (fatal.ts), and an asynchronous write would be lost with it.
  return pino(options, destination ?? pino.destination({ dest: 1, sync: true }));
}
