/**
 * Measures wire bytes per pen point, both directions, for a synthetic hand
 * stroke sampled every 8 ms and batched per 16 ms frame like the web client,
 * with permessage-deflate off (the default) and on (WS_COMPRESSION=on).
 * Counts message payloads and the bytes of the TCP socket (WebSocket framing
 * included). Usage: npx tsx scripts/wire-bytes.ts
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import WebSocket from 'ws';
import { buildApp } from '../server/app.ts';
import { EmbeddedLog } from '../server/log/embedded-log.ts';
import { PER_MESSAGE_DEFLATE } from '../server/protocol/compression.ts';
import { PROTOCOL_VERSION, type ClientOp } from '../server/protocol/messages.ts';
import { encodePoints } from '../server/protocol/points.ts';
import { DownDecoder, UpEncoder } from '../server/protocol/wire.ts';

const STROKES = 20;
const POINTS_PER_STROKE = 120; // about one second of drawing
const PER_FRAME = 2;

type Counts = { payloadUp: number; payloadDown: number; wireUp: number; wireDown: number; points: number };

async function measure(compression: boolean): Promise<Counts> {
  const dir = await mkdtemp(join(tmpdir(), 'wire-'));
  const log = new EmbeddedLog(dir);
  const app = await buildApp({ log, logger: pino({ level: 'silent' }), webRoot: fileURLToPath(new URL('../web/dist', import.meta.url)), compression });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };

  // The client offers compression as browsers do; the server decides.
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/wire`, { perMessageDeflate: PER_MESSAGE_DEFLATE });
  await new Promise((r) => ws.once('open', r));
  const tcp = (ws as unknown as { _socket: Socket })._socket;
  let payloadDown = 0;
  let recs = 0;
  // Records come in binary frames (server/protocol/wire.ts), as the web client gets them.
  const decoder = new DownDecoder('wire');
  ws.on('message', (data, isBinary) => {
    if (!isBinary) return;
    const bytes = new Uint8Array(data as Buffer);
    payloadDown += bytes.length;
    recs += decoder.decode(bytes).filter((m) => m.t === 'rec').length;
  });
  let payloadUp = 0;
  const encoder = new UpEncoder();
  const send = (s: number, o: ClientOp) => {
    const frame = encoder.op({ t: 'op', s, o });
    payloadUp += frame.length;
    ws.send(frame);
  };
  ws.send(JSON.stringify({ t: 'hello', v: PROTOCOL_VERSION, user: 'u1', cid: 'c1', name: 'Ann' }));
  await new Promise((r) => setTimeout(r, 200));
  payloadUp = 0;
  const start = { up: tcp.bytesWritten, down: tcp.bytesRead };

  let seq = 0;
  let points = 0;
  for (let s = 0; s < STROKES; s++) {
    const id = `stroke${s}`;
    // A curve drawn at a moderate speed: ~300 px/s, sampled every 8 ms.
    const pts = Array.from({ length: POINTS_PER_STROKE }, (_, i) => ({
      x: 200 + i * 2.4 + Math.sin(i / 9 + s) * 30,
      y: 300 + Math.cos(i / 13 + s) * 40,
    }));
    for (let i = 0; i < pts.length; i += PER_FRAME) {
      const p = encodePoints(pts.slice(i, i + PER_FRAME), false);
      send(++seq, i === 0 ? { k: 'begin', id, color: '#1e1e1e', w: 4, p } : { k: 'ext', id, p });
      // Stay under the per-session message rate, as a real drawer does (60/s).
      await new Promise((r) => setTimeout(r, 4));
    }
    send(++seq, { k: 'end', id });
    points += pts.length;
  }
  if (ws.readyState !== ws.OPEN) throw new Error('socket closed');
  while (recs < seq) await new Promise((r) => setTimeout(r, 20));
  const counts = { payloadUp, payloadDown, wireUp: tcp.bytesWritten - start.up, wireDown: tcp.bytesRead - start.down, points };
  ws.close();
  await app.close();
  await log.close();
  await rm(dir, { recursive: true, force: true });
  return counts;
}

const perPoint = (bytes: number, points: number) => (bytes / points).toFixed(1);
console.log('| compression | direction | message payload bytes/point | wire bytes/point (framing included) |');
console.log('| --- | --- | ---: | ---: |');
for (const compression of [false, true]) {
  const c = await measure(compression);
  const label = compression ? 'on' : 'off';
  console.log(`| ${label} | client → server | ${perPoint(c.payloadUp, c.points)} | ${perPoint(c.wireUp, c.points)} |`);
  console.log(`| ${label} | server → each client | ${perPoint(c.payloadDown, c.points)} | ${perPoint(c.wireDown, c.points)} |`);
}
console.log(`\n${STROKES} strokes × ${POINTS_PER_STROKE} points, ${PER_FRAME} points per message, one client drawing alone`);
