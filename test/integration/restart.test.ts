/**
 * The real entry point as a child process: kill -9 and SIGTERM, then a
 * restart on the same data directory.
 */
import type { Socket } from 'node:net';
import type WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOSE } from '../../server/protocol/messages.ts';
import { converged, rawSocket, waitUntil, webClient, type TestClient } from '../support/board-client.ts';
import { freePort, ServerProcess, tempDir } from '../support/server.ts';

let dir: Awaited<ReturnType<typeof tempDir>>;
let server: ServerProcess;
const clients: TestClient[] = [];

beforeAll(async () => {
  dir = await tempDir();
  server = new ServerProcess(await freePort(), dir.path);
  await server.start();
});
afterAll(async () => {
  for (const c of clients) c.close();
  await server.stop('SIGKILL');
  await dir.remove();
});

describe('server restart', { timeout: 120_000 }, () => {
  it('after kill -9, boards come back exactly and clients resume with nothing missing or doubled', async () => {
    const ann = webClient(server.ws, 'crash', 'ann');
    const bob = webClient(server.ws, 'crash', 'bob');
    clients.push(ann, bob);
    await Promise.all([ann.live(), bob.live()]);
    for (let i = 0; i < 10; i++) (i % 2 ? ann : bob).stroke();
    bob.send({ k: 'undo' });
    await converged([ann, bob]);
    const before = ann.snapshot();

    expect(await server.stop('SIGKILL')).toBe('SIGKILL');
    await waitUntil(() => ann.status === 'reconnecting' && bob.status === 'reconnecting', 'clients notice the crash');

    // Drawn while the server is down: kept in the outbox, saved after the restart.
    const offlineA = ann.stroke();
    const offlineB = bob.stroke();
    bob.send({ k: 'undo' });
    // A long offline session: more ops than the server takes in a second.
    const backlog = Array.from({ length: 250 }, () => bob.stroke());
    await server.start();
    await Promise.all([ann.live(), bob.live()]);
    const resumedAt = bob.statuses.length;
    await converged([ann, bob]);
    // Paced under the rate limit: the backlog never got Bob disconnected.
    expect(bob.statuses.slice(resumedAt)).not.toContain('reconnecting');
    expect(ann.state.strokes.get(offlineA)).toMatchObject({ n: 4, ended: true, undone: false });
    expect(ann.state.strokes.get(offlineB)).toMatchObject({ n: 4, ended: true, undone: true });

    // A fresh client folds the board from the restarted server's log: the same state.
    const fresh = webClient(server.ws, 'crash', 'cat');
    clients.push(fresh);
    await fresh.live();
    await converged([ann, bob, fresh]);
    const strokes = (s: unknown) => (s as { strokes: { id: string }[] }).strokes.map((x) => x.id);
    expect(strokes(fresh.snapshot()).slice(0, 10)).toEqual(strokes(before));
    expect(strokes(fresh.snapshot()).slice(10).sort()).toEqual([offlineA, offlineB, ...backlog].sort());
  });

  it('ops saved just before a crash whose echo never arrived are not sent twice', async () => {
    const ann = webClient(server.ws, 'ack-lost', 'ann');
    clients.push(ann);
    await ann.live();
    const watcher = await rawSocket(server.ws, 'ack-lost');
    await watcher.hello();
    // Ann stops reading: her ops reach the log, their echoes never reach her.
    const socket = (ann as unknown as { ws: WebSocket & { _socket: Socket } }).ws;
    socket._socket.pause();
    const id = ann.stroke();
    await watcher.next((m) => m.t === 'rec' && m.r.op.k === 'end');
    expect(ann.unacknowledged).toBe(3);
    socket.terminate();
    await server.stop('SIGKILL');
    await server.start();
    await ann.live();
    await converged([ann]);
    expect([...ann.state.strokes.keys()]).toEqual([id]);
    expect(ann.state.pos).toBe(2); // begin, ext, end: three records, none resent
  });

  it('SIGTERM closes clients with 1001, exits cleanly, and the data survives', async () => {
    const ann = webClient(server.ws, 'graceful', 'ann');
    clients.push(ann);
    await ann.live();
    const id = ann.stroke();
    await converged([ann]);
    const watcher = await rawSocket(server.ws, 'graceful');
    await watcher.hello();
    expect(await server.stop('SIGTERM')).toBe(0);
    expect((await watcher.closed).code).toBe(CLOSE.goingAway);
    expect(server.output).toMatch(/shutting down/);
    await server.start();
    await ann.live();
    expect(ann.visible()).toEqual([id]);
  });
});
