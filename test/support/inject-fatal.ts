/**
 * Preloaded into a server process by the fatal-error test (`--import`): on
 * SIGUSR2 (or INJECT_FATAL_AFTER_MS after start), the next append to the embedded log is followed by the fatal
 * error INJECT_FATAL names, raised as the append completes. That is the
 * worst moment: LMDB's write thread waits for the main thread to run the
 * transaction's callbacks, and Node's own exit joins that thread.
 */
import { EmbeddedLog } from '../../server/log/embedded-log.ts';

let armed = false;
process.on('SIGUSR2', () => (armed = true));
// Or after a delay, for a process whose pid the test cannot signal (PID 1 of its own namespace).
if (process.env.INJECT_FATAL_AFTER_MS) setTimeout(() => (armed = true), Number(process.env.INJECT_FATAL_AFTER_MS)).unref();

const append = EmbeddedLog.prototype.append;
EmbeddedLog.prototype.append = function (this: EmbeddedLog, record) {
  const appended = append.call(this, record);
  if (armed) {
    armed = false;
    if (process.env.INJECT_FATAL === 'rejection') {
      void appended.then(() => Promise.reject(new Error('injected unhandled rejection')));
    } else {
      void appended.then(() =>
        process.nextTick(() => {
          throw new Error('injected uncaught exception');
        }),
      );
    }
  }
  return appended;
};
