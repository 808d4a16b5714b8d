import type { BaseLogger } from 'pino';

/** The logging the server's layers need; a pino logger or Fastify's satisfies it. */
export type Logger = Pick<BaseLogger, 'debug' | 'info' | 'warn' | 'error'>;
