/**
 * A fatal error (an uncaught exception, an unhandled rejection) means the
 * process's state can no longer be trusted: it is logged, and the process
 * exits at once with a non-zero status so that a supervisor (Docker's
 * restart policy, systemd) starts a fresh one. Every acknowledged record is
 * durable already, so nothing is lost by not closing anything.
 */
import type { Logger } from './logger.ts';

export function exitOnFatalErrors(logger: Logger): void {
  const die = (kind: string) => (err: unknown) => {
    try {
      logger.error({ err }, `fatal: ${kind}; exiting`);
    } finally {
      process.exit(70);
    }
  };
  process.on('uncaughtException', die('uncaught exception'));
  process.on('unhandledRejection', die('unhandled rejection'));
}
