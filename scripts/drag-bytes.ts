/**
 * What a drag costs: records, and bytes up, down (per watching page) and in
 * the log, per second of dragging a selection at 60 frames a second, with
 * this server and its binary frames. A drag is sent as one `xf` naming the
 * selection, then one `xf` per frame that continues it (`c: 1`, six
 * numbers); beside it, the same drag with every frame naming the selection,
 * and a second of drawing ink for scale. Usage: npx tsx scripts/drag-bytes.ts
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import WebSocket from 'ws';
import { buildApp } from '../server/app.ts';
import { EmbeddedLog } from '../server/log/embedded-log.ts';
import { PROTOCOL_VERSION, type ClientOp } from '../server/protocol/messages.ts';
import { encodePoints } from '../server/protocol/points.ts';
import { DownDecoder, UpEncoder } from '../server/protocol/wire.ts';

const FRAMES = 60;

type Page = { ws: WebSocket; encoder: UpEncoder; seq: number; up: number; down: number; recs: number; logBytes: number };

async function page(port: number, name: string): Promise<Page> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/drag`);
  await new Promise((r) => ws.once('open', r));
  const p: Page = { ws, encoder: new UpEncoder(), seq: 0, up: 0, down: 0, recs: 0, logBytes: 0 };
  const decoder = new DownDecoder('drag');
  ws.on('message', (data, isBinary) => {
    if (!isBinary) return;
    const bytes = new Uint8Array(data as Buffer);
    p.down += bytes.length;
    for (const m of decoder.decode(bytes)) {
      if (m.t !== 'rec') continue;
      p.recs++;
      p.logBytes += Buffer.byteLength(JSON.stringify(m.r));
    }
  });
  ws.send(JSON.stringify({ t: 'hello', v: PROTOCOL_VERSION, user: name, cid: name, name }));
  await new Promise((r) => setTimeout(r, 200));
  return p;
}

function send(p: Page, o: ClientOp): void {
  const frame = p.encoder.op({ t: 'op', s: ++p.seq, o });
  p.up += frame.length;
  p.ws.send(frame);
}

async function settle(watcher: Page, recs: number): Promise<void> {
  while (watcher.recs < recs) await new Promise((r) => setTimeout(r, 10));
}

type Row = { what: string; records: number; up: number; down: number; log: number };

async function measure(what: string, dragger: Page, watcher: Page, frames: (i: number) => ClientOp): Promise<Row> {
  const start = { up: dragger.up, down: watcher.down, recs: watcher.recs, log: watcher.logBytes };
  for (let i = 0; i < FRAMES; i++) {
    send(dragger, frames(i));
    await new Promise((r) => setTimeout(r, 1000 / FRAMES));
  }
  await settle(watcher, start.recs + FRAMES);
  return { what, records: watcher.recs - start.recs, up: dragger.up - start.up, down: watcher.down - start.down, log: watcher.logBytes - start.log };
}

const dir = await mkdtemp(join(tmpdir(), 'drag-'));
const log = new EmbeddedLog(dir);
const app = await buildApp({ log, logger: pino({ level: 'silent' }), webRoot: fileURLToPath(new URL('../web/dist', import.meta.url)) });
await app.listen({ host: '127.0.0.1', port: 0 });
const { port } = app.server.address() as { port: number };
const dragger = await page(port, 'dragger');
const watcher = await page(port, 'watcher');
const ids = Array.from({ length: 500 }, (_, i) => `el${String(i).padStart(4, '0')}${Math.random().toString(36).slice(2, 9)}`);
send(dragger, { k: 'add', v: 1, els: ids.map((id, i) => ({ id, type: 'rect', m: [1, 0, 0, 1, (i % 25) * 50, Math.floor(i / 25) * 50], w: 40, h: 40, color: '#1e1e1e', sw: 2 })) } as ClientOp);
await settle(watcher, 1);

const step = (dx: number, dy: number) => [1, 0, 0, 1, dx, dy];
const rows: Row[] = [];
for (const n of [1, 500]) {
  const selection = ids.slice(0, n);
  rows.push(await measure(`drag ${n} element${n > 1 ? 's' : ''}: xf, then continuations`, dragger, watcher, (i) => ({ k: 'xf', v: 1, ...(i === 0 ? { ids: selection } : { c: 1 }), m: step(3, 1) }) as ClientOp));
  rows.push(await measure(`drag ${n} element${n > 1 ? 's' : ''}: every frame names them`, dragger, watcher, () => ({ k: 'xf', v: 1, ids: selection, m: step(3, 1) }) as ClientOp));
}
rows.push(
  await measure('draw ink, 2 points a frame (for scale)', dragger, watcher, (i) => {
    const p = encodePoints([{ x: 100 + i * 4, y: 200 + Math.sin(i / 5) * 20 }, { x: 102 + i * 4, y: 201 + Math.sin(i / 5) * 20 }], false);
    return i === 0 ? { k: 'begin', id: 'ink', color: '#1e1e1e', w: 4, p } : { k: 'ext', id: 'ink', p };
  }),
);
dragger.ws.close();
watcher.ws.close();
await app.close();
await log.close();
await rm(dir, { recursive: true, force: true });

console.log('| one second of | records | bytes up | bytes down, per watching page | bytes in the log (JSON records) |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const r of rows) console.log(`| ${r.what} | ${r.records} | ${r.up.toLocaleString('en')} | ${r.down.toLocaleString('en')} | ${r.log.toLocaleString('en')} |`);
console.log(`\n${FRAMES} frames a second; message payloads, WebSocket framing not included`);
