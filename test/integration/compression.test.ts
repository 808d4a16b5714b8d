/**
 * WS_COMPRESSION=on: board sockets negotiate permessage-deflate, drawing
 * works as usual, and the same strokes take far fewer bytes on the wire.
 * Off (the default), the server declines the extension clients offer.
 */
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { PER_MESSAGE_DEFLATE } from '../../server/protocol/compression.ts';
import { PROTOCOL_VERSION } from '../../server/protocol/messages.ts';
import { encodePoints } from '../../server/protocol/points.ts';
import { DownDecoder } from '../../server/protocol/wire.ts';
import { converged, webClient, type TestClient } from '../support/board-client.ts';
import { startServer, type RunningServer } from '../support/server.ts';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(compression: boolean): Promise<RunningServer> {
  const server = await startServer(undefined, { compression });
  cleanups.push(() => server.close());
  return server;
}

/** A drawer on a raw socket sends 200 two-point ops; returns the bytes a watcher's TCP socket read meanwhile. */
async function drawAndCount(server: RunningServer, board: string): Promise<{ extensions: string; bytesRead: number; records: number }> {
  const open = (): Promise<WebSocket> =>
    new Promise((resolve, reject) => {
      const socket = new WebSocket(`${server.ws}/ws/${board}`, { perMessageDeflate: PER_MESSAGE_DEFLATE });
      cleanups.push(() => socket.terminate());
      socket.once('open', () => resolve(socket));
      socket.once('error', reject);
    });
  const [drawer, watcher] = await Promise.all([open(), open()]);
  let records = 0;
  let synced = 0;
  const allSynced = new Promise<void>((resolve) => {
    for (const socket of [drawer, watcher]) {
      const decoder = new DownDecoder(board);
      socket.on('message', (data, isBinary) => {
        if (isBinary) {
          if (socket === watcher) records += decoder.decode(new Uint8Array(data as Buffer)).filter((m) => m.t === 'rec').length;
          return;
        }
        const m = JSON.parse(data.toString()) as { t: string };
        if (m.t === 'synced' && ++synced === 2) resolve();
      });
    }
  });
  drawer.send(JSON.stringify({ t: 'hello', v: PROTOCOL_VERSION, user: 'drawer-key', cid: 'drawer-page', name: 'Ann' }));
  watcher.send(JSON.stringify({ t: 'hello', v: PROTOCOL_VERSION, user: 'watcher-key', cid: 'watcher-page', name: 'Bob' }));
  await allSynced;
  const tcp = (watcher as unknown as { _socket: Socket })._socket;
  const before = tcp.bytesRead;
  const ops = 200;
  for (let i = 0; i < ops; i++) {
    const p = encodePoints([{ x: 100 + i * 3, y: 200 + (i % 7) }, { x: 101 + i * 3, y: 201 + (i % 5) }], false);
    drawer.send(JSON.stringify({ t: 'op', s: i + 1, o: i === 0 ? { k: 'begin', id: 'stroke-1', color: '#1e1e1e', w: 4, p } : { k: 'ext', id: 'stroke-1', p } }));
    if (i % 20 === 19) await new Promise((r) => setTimeout(r, 50)); // stay under the rate limit
  }
  await expect.poll(() => records, { timeout: 10_000 }).toBe(ops);
  return { extensions: watcher.extensions, bytesRead: tcp.bytesRead - before, records };
}

describe('WebSocket compression', () => {
  it('is negotiated when on, and the same drawing costs far fewer bytes than with it off', async () => {
    const on = await drawAndCount(await serve(true), 'deflate-on');
    const off = await drawAndCount(await serve(false), 'deflate-off');
    expect(on.extensions).toMatch(/permessage-deflate/);
    expect(off.extensions).toBe('');
    // Binary records are compact already (server/protocol/wire.ts); deflate still takes some off.
    expect(on.bytesRead).toBeLessThan(off.bytesRead);
  });

  it('accepts a browser that offers plain permessage-deflate, without window parameters', async () => {
    const server = await serve(true);
    // The handshake as Firefox sends it.
    const response = await new Promise<{ status: number; extensions: string | undefined }>((resolve, reject) => {
      const request = httpRequest(`${server.http}/ws/plain-offer`, {
        headers: {
          Connection: 'Upgrade',
          Upgrade: 'websocket',
          'Sec-WebSocket-Version': '13',
          'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
          'Sec-WebSocket-Extensions': 'permessage-deflate',
        },
      });
      request.once('upgrade', (res, socket) => {
        socket.destroy();
        resolve({ status: res.statusCode!, extensions: res.headers['sec-websocket-extensions'] });
      });
      request.once('response', (res) => resolve({ status: res.statusCode!, extensions: undefined }));
      request.once('error', reject);
      request.end();
    });
    expect(response.status).toBe(101);
    expect(response.extensions).toMatch(/^permessage-deflate/);
  });

  it('a frame that inflates past the size limit is closed with 1009, and the board goes on', async () => {
    const server = await serve(true);
    const clients: TestClient[] = [webClient(server.ws, 'bomb-board', 'ann')];
    cleanups.push(() => clients.forEach((c) => c.close()));
    await clients[0]!.live();
    const bomb = new WebSocket(`${server.ws}/ws/bomb-board`, { perMessageDeflate: PER_MESSAGE_DEFLATE });
    cleanups.push(() => bomb.terminate());
    await new Promise((resolve, reject) => {
      bomb.once('open', resolve);
      bomb.once('error', reject);
    });
    expect(bomb.extensions).toMatch(/permessage-deflate/);
    const closed = new Promise<number>((resolve) => bomb.once('close', resolve));
    // 4 MiB of one character deflates to a few KiB on the wire: only inflating it shows its size.
    bomb.send(`{"t":"name","name":"${'a'.repeat(4 * 1024 * 1024)}"}`);
    expect(await closed).toBe(1009);
    expect((bomb as unknown as { _socket: Socket })._socket.bytesWritten).toBeLessThan(64 * 1024);
    const id = clients[0]!.stroke();
    await converged(clients);
    expect(clients[0]!.visible()).toContain(id);
  });

  it('the web client draws and converges over compressed sockets', async () => {
    const server = await serve(true);
    const clients: TestClient[] = [webClient(server.ws, 'deflate-board', 'ann'), webClient(server.ws, 'deflate-board', 'bob')];
    cleanups.push(() => clients.forEach((c) => c.close()));
    await Promise.all(clients.map((c) => c.live()));
    for (const c of clients) expect((c as unknown as { ws: WebSocket }).ws.extensions).toMatch(/permessage-deflate/);
    const a = clients[0]!.stroke();
    const b = clients[1]!.stroke();
    await converged(clients);
    expect(clients[1]!.visible().sort()).toEqual([a, b].sort());
  });
});
