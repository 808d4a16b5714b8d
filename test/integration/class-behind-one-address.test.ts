/**
 * A class of 30 behind one address (a school's NAT) drawing on one board
 * for two minutes as people draw: strokes of 40-200 points sent a record
 * per animation frame, pauses between them, now and then a longer break.
 * With the quotas the server ships with, nobody is closed or refused, and
 * the test reports how long operations wait: from the moment the web app
 * was handed an operation to its record coming back from the log (budget,
 * log and fan-out included). README: Quotas quotes what it printed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordWeight } from '../../server/board/weight.ts';
import type { ClientOp } from '../../server/protocol/messages.ts';
import { DEFAULT_QUOTAS } from '../../server/quotas/quotas.ts';
import { ADDRESS_FACTOR } from '../../server/quotas/write-budget.ts';
import { encodePoints, type Point } from '../../server/protocol/points.ts';
import { FRAME_MS, rawGap, recordParts } from '../../scripts/seed/drawing-pace.ts';
import { Hand } from '../../scripts/seed/handwriting.ts';
import { seededRandom, type Random } from '../../scripts/seed/prng.ts';
import { converged, webClient, type TestClient } from '../support/board-client.ts';
import { freePort, ServerProcess } from '../support/server.ts';

const PEOPLE = 30;
const DRAWING_MS = 120_000;
const BOARD = 'class-behind-nat';
const COLORS = ['#1e1e1e', '#e03131', '#1971c2', '#2f9e44'];

let dir: string;
let server: ServerProcess;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'class-'));
  // The real entry point in a process of its own, with every quota as shipped.
  server = new ServerProcess(await freePort(), dir);
  await server.start();
});
afterAll(async () => {
  await server.stop('SIGTERM');
  await rm(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One person drawing until `until`; every operation's wait goes into `waits`, its weight (board/weight.ts) into `tally`. */
async function draw(client: TestClient, random: Random, until: number, waits: number[], tally: { points: number }): Promise<number> {
  const hand = new Hand(random, { width: 4_000, height: 3_000 }, random.range(18, 40));
  const sentAt = new Map<number, number>();
  client.on('record', (rec) => {
    const at = rec.cid === client.cid ? sentAt.get(rec.seq) : undefined;
    if (at === undefined) return;
    waits.push(performance.now() - at);
    sentAt.delete(rec.seq);
  });
  const send = (op: ClientOp) => {
    sentAt.set(client.send(op), performance.now());
    tally.points += recordWeight(op);
  };
  let ops = 0;
  // People do not all start at once.
  await sleep(random.range(0, 3_000));
  for (let stroke = 0; Date.now() < until; stroke++) {
    const shape = random.chance(0.25);
    const points: Point[] = hand.stroke(shape ? random.int(100, 200) : random.int(40, 160), shape, false);
    const id = `${client.cid.slice(0, 8)}-${stroke}`;
    let at = 0;
    for (const [i, k] of recordParts(random, points.length).entries()) {
      const p = encodePoints(points.slice(at, at + k), false);
      at += k;
      send(i === 0 ? { k: 'begin', id, color: random.pick(COLORS), w: 3, p } : { k: 'ext', id, p });
      ops++;
      await sleep(FRAME_MS);
    }
    send({ k: 'end', id });
    ops++;
    await sleep(Math.min(rawGap(random), Math.max(0, until - Date.now())));
  }
  return ops;
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

describe('a class behind one address', () => {
  it('30 people drawing for two minutes: nobody is closed or refused, and how long operations wait is reported', { timeout: DRAWING_MS + 90_000 }, async () => {
    const random = seededRandom(17);
    const people = Array.from({ length: PEOPLE }, (_, i) => webClient(server.ws, BOARD, `pupil-${i}`, `Pupil ${i}`));
    try {
      await Promise.all(people.map((c) => c.live()));
      const waits: number[] = [];
      const tally = { points: 0 };
      const started = Date.now();
      const sent = await Promise.all(people.map((c) => draw(c, random.fork(), started + DRAWING_MS, waits, tally)));
      await converged(people, 30_000);
      const seconds = (Date.now() - started) / 1_000;

      // Nobody was closed (a page that is reconnects, and says so), nobody was refused.
      for (const c of people) {
        expect(c.statuses).not.toContain('reconnecting');
        expect(c.refusals).toEqual([]);
      }
      const ops = sent.reduce((a, b) => a + b, 0);
      expect(waits.length).toBe(ops);

      const sorted = [...waits].sort((a, b) => a - b);
      const ms = (v: number) => `${v.toFixed(1)} ms`;
      console.log(
        [
          `class of ${PEOPLE} behind one address, ${seconds.toFixed(0)} s: ${ops} operations (${(ops / seconds).toFixed(0)} a second), ` +
            `weighing ${(tally.points / seconds).toFixed(0)} points a second against the address's budget of ${DEFAULT_QUOTAS.writePointsPerSecond * ADDRESS_FACTOR}`,
          `operation to its record back: median ${ms(quantile(sorted, 0.5))}, p99 ${ms(quantile(sorted, 0.99))}, max ${ms(sorted.at(-1)!)}`,
        ].join('\n'),
      );
    } finally {
      for (const c of people) c.close();
    }
  });
});
