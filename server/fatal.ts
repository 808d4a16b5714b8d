/**
 * A fatal error (an uncaught exception, an unhandled rejection) means the
 * process's state can no longer be trusted: it is logged, and the process
 * kills itself at once (SIGKILL, status 137 to a shell or Docker; as PID 1
 * of a container, an abort) so that its supervisor (Docker's restart
 * policy, systemd) starts a fresh one.
 *
 * Not process.exit(): Node's own exit joins every thread-pool thread, and
 * LMDB's write thread may be waiting for the main thread to run a
 * transaction's callbacks, which it never will; the process then hangs with
 * nothing answering (measured: about half of the fatal errors under write
 * load). Nothing is lost by not closing anything: every acknowledged record
 * was synced to disk before it was acknowledged, and LMDB is crash-safe.
 */
import type { Logger } from './logger.ts';

export function exitOnFatalErrors(logger: Logger): void {
  let dying = false;
  const die = (kind: string) => (err: unknown) => {
    if (dying) return;
    dying = true;
    try {
      // The logger writes synchronously (logger.ts): this line is out before the kill.
      logger.error({ err }, `fatal: ${kind}; exiting`);
    } finally {
      process.kill(process.pid, 'SIGKILL');
      // Still here: this process is PID 1 of a container (no init), and the
      // kernel drops signals PID 1 sends itself. abort() ends in a fault,
      // which is delivered even there.
      process.abort();
    }
  };
  process.on('uncaughtException', die('uncaught exception'));
  process.on('unhandledRejection', die('unhandled rejection'));
}
