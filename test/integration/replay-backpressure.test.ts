/**
 * A slow replay reader pauses the log read: the server does not pull a
 * board's whole history into memory, and stops reading when the reader goes.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BoardLog } from '../../server/log/board-log.ts';
import { EmbeddedLog } from '../../server/log/embedded-log.ts';
import type { LogRecord } from '../../server/protocol/messages.ts';
import { encodePoints } from '../../server/protocol/points.ts';
import { waitUntil } from '../support/board-client.ts';
import { startServer, tempDir, type RunningServer } from '../support/server.ts';

/** The embedded log, counting the pages handed out by reads of one board. */
function countingLog(inner: EmbeddedLog, board: string) {
  const counts = { pages: 0, open: 0 };
  const log: BoardLog = Object.create(inner) as BoardLog;
  log.read = async function* (b: string, from: number, to?: number): AsyncIterable<LogRecord[]> {
    if (b !== board) return yield* inner.read(b, from, to);
    counts.open++;
    try {
      for await (const page of inner.read(b, from, to)) {
        counts.pages++;
        yield page;
      }
    } finally {
      counts.open--;
    }
  };
  return { log, counts };
}

const PAGES = 30; // the embedded log reads 1,000 records a page
let server: RunningServer;
let dir: Awaited<ReturnType<typeof tempDir>>;
let counts: { pages: number; open: number };

beforeAll(async () => {
  dir = await tempDir();
  const inner = new EmbeddedLog(dir.path);
  // Big records (500 points each), so the pages outweigh the socket buffers.
  const p = encodePoints(Array.from({ length: 500 }, (_, i) => ({ x: i, y: (i * 7) % 300 })), false);
  const appends: Promise<unknown>[] = [];
  for (let i = 0; i < PAGES * 1_000; i++) {
    appends.push(inner.append({ board: 'big', user: 'u', cid: 'c', seq: i + 1, op: i === 0 ? { k: 'begin', id: 's', color: '#000000', w: 2, p } : { k: 'ext', id: `s${i}`, p } }));
  }
  await Promise.all(appends);
  const counting = countingLog(inner, 'big');
  counts = counting.counts;
  server = await startServer(counting.log);
}, 120_000);
afterAll(async () => {
  await server?.close();
  await dir?.remove();
});

describe('replay backpressure', () => {
  it('a paused reader pauses the read; a reader that leaves ends it', async () => {
    const url = new URL(`${server.http}/api/boards/big/replay?from=0`);
    const req = request(url);
    const response = await new Promise<import('node:http').IncomingMessage>((resolve) => req.on('response', resolve).end());
    await new Promise((resolve) => response.once('data', resolve));
    response.pause(); // a reader that stops reading
    await new Promise((r) => setTimeout(r, 1_000));
    const whilePaused = counts.pages;
    expect(whilePaused).toBeGreaterThan(0);
    expect(whilePaused).toBeLessThan(PAGES / 2);
    await new Promise((r) => setTimeout(r, 500));
    expect(counts.pages).toBe(whilePaused); // still waiting, not reading ahead

    req.destroy(); // the reader goes away
    await waitUntil(() => counts.open === 0, 'the log read is closed');
    expect(counts.pages).toBeLessThan(PAGES);
  });
});
