/**
 * A fatal error (an uncaught exception, an unhandled rejection) in the real
 * server under write load, raised as an append completes (the moment that
 * made Node's own exit hang, waiting on LMDB's write thread): it is logged
 * and the process ends at once, killed by itself, so a supervisor restarts
 * it; nothing acknowledged is lost.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { converged, webClient, type TestClient } from '../support/board-client.ts';
import { freePort, ServerProcess, tempDir } from '../support/server.ts';

const inject = fileURLToPath(new URL('../support/inject-fatal.ts', import.meta.url));
let dir: Awaited<ReturnType<typeof tempDir>>;
let port: number;
beforeAll(async () => {
  dir = await tempDir();
  port = await freePort();
});
afterAll(() => dir.remove());

/** Clients drawing without pause, so that appends are in flight when the error strikes. */
function drawNonStop(clients: TestClient[]): () => void {
  const timer = setInterval(() => {
    for (const client of clients) if (client.status === 'live' && client.unacknowledged < 50) client.stroke();
  }, 2);
  return () => clearInterval(timer);
}

describe('a fatal error', () => {
  it.each(['exception', 'rejection', 'exception', 'rejection', 'exception'].map((kind) => [kind === 'exception' ? 'an uncaught exception' : 'an unhandled rejection', kind]))(
    '%s under write load is logged and the process ends at once; a restart loses nothing',
    { timeout: 60_000 },
    async (_label, kind) => {
      const server = new ServerProcess(port, dir.path, { INJECT_FATAL: kind }, ['--import', inject]);
      await server.start();
      const board = `fatal-${kind}-${Date.now()}`;
      const clients = Array.from({ length: 12 }, (_, i) => webClient(server.ws, board, `writer${i}`));
      try {
        await Promise.all(clients.map((c) => c.live()));
        const stop = drawNonStop(clients);
        await new Promise((r) => setTimeout(r, 400));
        const struck = Date.now();
        server.child!.kill('SIGUSR2');
        const status = await server.exit(10_000);
        const took = Date.now() - struck;
        stop();
        expect(status).toBe('SIGKILL');
        expect(took).toBeLessThan(3_000);
        expect(server.output).toMatch(new RegExp(`fatal: (uncaught exception|unhandled rejection); exiting`));
        expect(server.output).toMatch(/injected/);

        // Restarted, as a supervisor would: every client resumes, nothing acknowledged is missing or doubled.
        await server.start();
        await Promise.all(clients.map((c) => c.live()));
        await converged(clients, 20_000);
        const strokes = clients[0]!.state.strokes;
        expect(strokes.size).toBeGreaterThan(10);
        for (const stroke of strokes.values()) expect(stroke).toMatchObject({ n: 4, ended: true });
      } finally {
        for (const c of clients) c.close();
        // SIGKILL: a process that hung would ignore SIGTERM.
        await server.stop('SIGKILL');
      }
    },
  );

  it('as PID 1 of its own namespace (a container without an init), the process still ends', { timeout: 60_000 }, async () => {
    // PID 1 ignores the signals it sends itself: the server must end all the same.
    const server = new ServerProcess(port, dir.path, { INJECT_FATAL: 'exception', INJECT_FATAL_AFTER_MS: '2500' }, ['--import', inject], [
      'unshare',
      '--pid',
      '--fork',
      '--kill-child',
    ]);
    await server.start();
    const clients = Array.from({ length: 6 }, (_, i) => webClient(server.ws, `pid1-${Date.now()}`, `writer${i}`));
    try {
      await Promise.all(clients.map((c) => c.live()));
      const stop = drawNonStop(clients);
      const status = await server.exit(15_000);
      stop();
      expect(status).not.toBe('still running');
      expect(server.output).toMatch(/fatal: uncaught exception; exiting/);
    } finally {
      for (const c of clients) c.close();
      await server.stop('SIGKILL');
    }
  });
});
