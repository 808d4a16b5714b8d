/**
 * The message rate over real sockets, with people behind one address: a
 * client that sends at most 500 messages in every second is never closed
 * with 4429, however long a write budget held its operations back; one
 * that sends more still is.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CLOSE, LIMITS, PROTOCOL_VERSION, type ClientOp, type OpMessage } from '../../server/protocol/messages.ts';
import { encodePoints } from '../../server/protocol/points.ts';
import { UpEncoder } from '../../server/protocol/wire.ts';
import { readAll } from '../contract/board-log-contract.ts';
import { rawSocket, type RawSocket } from '../support/board-client.ts';
import { startServer, type RunningServer } from '../support/server.ts';

const cleanup: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** The server with the quotas it ships with. */
async function server(): Promise<RunningServer> {
  const s = await startServer();
  cleanup.push(() => s.close());
  return s;
}

/**
 * Twenty-five connections from the same address (this one) spend its
 * shared write budget in one burst: five full operations each, 125,000
 * points against the 100,000 the address saves up. Whoever else writes
 * from the address then waits seconds for the budget to refill.
 */
async function spendAddressBudget(s: RunningServer): Promise<RawSocket[]> {
  const full = encodePoints(Array.from({ length: LIMITS.maxPointsPerOp }, (_, i) => ({ x: i % 100, y: i })), false);
  const others = await Promise.all(Array.from({ length: 25 }, () => rawSocket(s.ws, 'rate-others')));
  cleanup.push(() => others.forEach((o) => o.socket.terminate()));
  await Promise.all(others.map((o) => o.hello()));
  others.forEach((o, i) => {
    for (let seq = 1; seq <= 5; seq++) o.op(seq, { k: 'begin', id: `o${i}-${seq}`, color: '#000000', w: 2, p: full });
  });
  return others;
}

/** Strokes as a page sends them while drawing: a begin, eight extensions and an end, two points each. */
function drawing(count: number): ClientOp[] {
  const ops: ClientOp[] = [];
  for (let stroke = 0; ops.length < count; stroke++) {
    const id = `v${stroke}`;
    const p = (i: number) => encodePoints([{ x: i * 4, y: stroke }, { x: i * 4 + 2, y: stroke + 1 }], false);
    ops.push({ k: 'begin', id, color: '#1971c2', w: 3, p: p(0) });
    for (let i = 1; i <= 8; i++) ops.push({ k: 'ext', id, p: p(i) });
    ops.push({ k: 'end', id });
  }
  return ops.slice(0, count);
}

/**
 * Sends `messages` at `perSecond`, never more than 500 in any 1,000 ms
 * (a late timer sends what is due, but never past that); resolves with the
 * send times, or early if the socket closes.
 */
function paced(socket: RawSocket, messages: (string | Uint8Array)[], perSecond: number, windowLimit = Infinity): Promise<number[]> {
  const sent: number[] = [];
  const start = Date.now();
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      const now = Date.now();
      if (socket.socket.readyState !== socket.socket.OPEN) {
        clearInterval(timer);
        return resolve(sent);
      }
      while (sent.length < messages.length && start + (sent.length * 1_000) / perSecond <= now) {
        const window = sent.length >= windowLimit ? sent[sent.length - windowLimit]! : -Infinity;
        if (now - window < 1_000) break;
        socket.socket.send(messages[sent.length]!);
        sent.push(now);
      }
      if (sent.length === messages.length) {
        clearInterval(timer);
        resolve(sent);
      }
    }, 4);
  });
}

/** The most messages sent within any 1,000 ms. */
function busiestSecond(times: number[]): number {
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= 1_000) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

/** The page's frames for its operations, binary (in one connection's context) or JSON. */
function frames(ops: ClientOp[], format: 'binary' | 'json'): (string | Uint8Array)[] {
  const encoder = new UpEncoder();
  return ops.map((o, i) => {
    const message: OpMessage = { t: 'op', s: i + 1, o };
    return format === 'binary' ? encoder.op(message) : JSON.stringify(message);
  });
}

describe('message rate with people behind one address', () => {
  for (const format of ['binary', 'json'] as const) {
    it(`a page sending ${format} operations at 450 a second, held back while 25 others spend the address budget, stays connected and loses nothing`, { timeout: 60_000 }, async () => {
      const s = await server();
      const page = await rawSocket(s.ws, `rate-${format}`);
      cleanup.push(() => page.socket.terminate());
      page.send({ t: 'hello', v: PROTOCOL_VERSION, user: `page-${format}`, cid: `page-${format}`, name: 'Page' });
      await page.next((m) => m.t === 'synced');
      await spendAddressBudget(s);

      const ops = drawing(3_600);
      const sent = await paced(page, frames(ops, format), 450, LIMITS.maxMessagesPerSecond);
      expect(busiestSecond(sent)).toBeLessThanOrEqual(LIMITS.maxMessagesPerSecond);
      expect(sent.length).toBe(ops.length);
      // Everything reaches the log, in the page's order, and the page was never closed.
      await expect.poll(async () => (await readAll(s.log, `rate-${format}`)).length, { timeout: 30_000 }).toBe(ops.length);
      const records = await readAll(s.log, `rate-${format}`);
      expect(records.map((r) => r.seq)).toEqual(ops.map((_, i) => i + 1));
      // It was held back: operations waited seconds for the address's budget before they were logged.
      expect(Math.max(...records.map((r, i) => r.ts - sent[i]!))).toBeGreaterThan(1_000);
      expect(page.socket.readyState).toBe(page.socket.OPEN);
      expect(page.messages.filter((m) => m.t === 'error')).toEqual([]);
    });
  }

  it('a page sending 800 operations a second while held back is still closed with 4429', { timeout: 60_000 }, async () => {
    const s = await server();
    const page = await rawSocket(s.ws, 'rate-flood');
    cleanup.push(() => page.socket.terminate());
    page.send({ t: 'hello', v: PROTOCOL_VERSION, user: 'flood', cid: 'flood', name: 'Flood' });
    await page.next((m) => m.t === 'synced');
    await spendAddressBudget(s);
    const ops = drawing(12_000);
    void paced(page, frames(ops, 'binary'), 800);
    expect(await page.closed).toEqual({ code: CLOSE.rateLimited, reason: 'too many messages' });
  });
});
