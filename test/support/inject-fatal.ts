/**
 * Preloaded into a server process by the fatal-error test (`--import`): on
 * SIGUSR2 it raises the fatal error named by INJECT_FATAL, from outside any
 * handler, as a bug would.
 */
process.on('SIGUSR2', () => {
  if (process.env.INJECT_FATAL === 'rejection') {
    void Promise.reject(new Error('injected unhandled rejection'));
  } else {
    setImmediate(() => {
      throw new Error('injected uncaught exception');
    });
  }
});
