/**
 * A client that vanishes without closing (a laptop lid shut, a dropped
 * network) stops answering pings and leaves the people list.
 */
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION } from '../../server/protocol/messages.ts';
import { webClient } from '../support/board-client.ts';
import { startServer, type RunningServer } from '../support/server.ts';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer(undefined, { heartbeatMs: 200 });
});
afterAll(() => server.close());

describe('heartbeat', () => {
  it('drops a client that stops answering pings, and keeps one that answers', async () => {
    const ann = webClient(server.ws, 'pings', 'ann', 'Ann');
    await ann.live();
    // A client that never answers pings, as a vanished peer would not.
    const ghost = new WebSocket(`${server.ws}/ws/pings`, { autoPong: false });
    await new Promise((r) => ghost.once('open', r));
    ghost.send(JSON.stringify({ t: 'hello', v: PROTOCOL_VERSION, user: 'ghost-key', cid: 'ghost-page', name: 'Ghost' }));
    await expect.poll(() => ann.people.map((p) => p.name).sort()).toEqual(['Ann', 'Ghost']);
    const closed = new Promise<number>((r) => ghost.once('close', (code) => r(code)));
    expect(await closed).toBe(1006); // terminated, no closing handshake
    await expect.poll(() => ann.people.map((p) => p.name)).toEqual(['Ann']);
    // Ann's client answers pings (as browsers do) and stays.
    await new Promise((r) => setTimeout(r, 600));
    expect(ann.status).toBe('live');
    ann.close();
  });
});
