/**
 * Quotas on a real server over real sockets: nobody fills the disk, takes
 * every socket or hammers the history API, and nobody else is harmed.
 */
import { rm, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { recordWeight } from '../../server/board/weight.ts';
import { CLOSE, LIMITS } from '../../server/protocol/messages.ts';
import { encodePoints } from '../../server/protocol/points.ts';
import { DiskGuard } from '../../server/quotas/disk-guard.ts';
import { readAll } from '../contract/board-log-contract.ts';
import { converged, rawSocket, webClient, type TestClient } from '../support/board-client.ts';
import { freePort, ServerProcess, startServer, tempDir, type RunningServer } from '../support/server.ts';

const cleanup: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});
const silent = pino({ level: 'silent' });

async function server(options: Parameters<typeof startServer>[1]): Promise<RunningServer> {
  const s = await startServer(undefined, options);
  cleanup.push(() => s.close());
  return s;
}

function client(s: RunningServer, board: string, name: string): TestClient {
  const c = webClient(s.ws, board, name, name);
  cleanup.push(() => c.close());
  return c;
}

const freeBytes = async (dir: string) => {
  const stats = await statfs(dir);
  return stats.bavail * stats.bsize;
};

describe('write budget', () => {
  it('one client writing at full speed is slowed to its budget; the log grows by at most that, and others draw as usual', async () => {
    const rate = 1_000;
    const burst = 2_000;
    const s = await server({ quotas: { writePointsPerSecond: rate, writeBurstPoints: burst } });
    const honest = client(s, 'flooded', 'honest');
    await honest.live();

    const flood = await rawSocket(s.ws, 'flooded');
    await flood.hello();
    const chunk = encodePoints(Array.from({ length: LIMITS.maxPointsPerOp }, (_, i) => ({ x: i % 50, y: i })), false);
    const started = Date.now();
    let seq = 0;
    let attempted = 0;
    // As fast as the socket takes it, for three seconds: new strokes of a full operation each.
    while (Date.now() - started < 3_000 && flood.socket.readyState === flood.socket.OPEN) {
      if (flood.socket.bufferedAmount < 1_000_000) {
        flood.op(++seq, { k: 'begin', id: `f${seq}`, color: '#000000', w: 2, p: chunk });
        attempted += LIMITS.maxPointsPerOp;
      } else {
        await new Promise((r) => setTimeout(r, 5));
      }
      if (seq % 20 === 0) await new Promise((r) => setImmediate(r));
    }
    // Meanwhile the honest client's strokes went through.
    honest.stroke();
    await converged([honest]);
    expect(honest.refusals).toEqual([]);

    flood.socket.terminate();
    await new Promise((r) => setTimeout(r, 500));
    const elapsed = (Date.now() - started) / 1_000;
    const written = (await readAll(s.log, 'flooded')).filter((r) => r.user !== honest.user).reduce((sum, r) => sum + recordWeight(r.op), 0);
    expect(attempted).toBeGreaterThan(10 * (burst + rate * elapsed));
    expect(written).toBeGreaterThan(0);
    expect(written).toBeLessThanOrEqual(burst + rate * elapsed + LIMITS.maxPointsPerOp);
  });
});

describe('write budget across connections', () => {
  it('reconnecting buys no fresh burst: the connections of one address share a budget of 20 connections', async () => {
    const s = await server({ quotas: { writePointsPerSecond: 100, writeBurstPoints: 1_000 } });
    const chunk = encodePoints(Array.from({ length: LIMITS.maxPointsPerOp }, (_, i) => ({ x: i % 40, y: i })), false);
    const started = Date.now();
    // 60 short visits, each drawing one full operation: 60,000 points asked for within a second or two.
    for (let visit = 0; visit < 60; visit++) {
      const c = await rawSocket(s.ws, 'churn');
      await c.hello();
      c.op(1, { k: 'begin', id: `v${visit}`, color: '#000000', w: 2, p: chunk });
      c.socket.close();
    }
    await new Promise((r) => setTimeout(r, 500));
    const elapsed = (Date.now() - started) / 1_000;
    const written = (await readAll(s.log, 'churn')).reduce((sum, r) => sum + recordWeight(r.op), 0);
    // The address: 20 x 1,000 saved up, 20 x 100 a second.
    expect(written).toBeGreaterThan(0);
    expect(written).toBeLessThanOrEqual(20_000 + 2_000 * elapsed + LIMITS.maxPointsPerOp);
  });

  it('a client held back by its budget for seconds stays connected and loses nothing', async () => {
    const s = await server({ quotas: { writePointsPerSecond: 400, writeBurstPoints: 1_000 } });
    const watcher = client(s, 'held', 'watcher');
    await watcher.live();
    const drawer = await rawSocket(s.ws, 'held');
    await drawer.hello();
    // 300 small operations a second (the web client's own pace when it resends a backlog) for 3 s:
    // 1,800 points against 1,000 saved up and 400 a second.
    let seq = 0;
    for (let tick = 0; tick < 30; tick++) {
      for (let i = 0; i < 30; i++) {
        seq++;
        drawer.op(seq, { k: 'begin', id: `b${seq}`, color: '#000000', w: 2, p: encodePoints([{ x: seq, y: 1 }], false) });
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    await expect.poll(() => watcher.state.strokes.size, { timeout: 15_000 }).toBe(seq);
    expect(drawer.socket.readyState).toBe(drawer.socket.OPEN);
    drawer.socket.close();
  });
});

describe('connections per address', () => {
  it('past the limit a socket is closed with 4429 and a reason; a place frees when one leaves', async () => {
    const s = await server({ quotas: { maxConnectionsPerIp: 3 } });
    const first = await Promise.all([0, 1, 2].map(() => rawSocket(s.ws, 'crowded')));
    const fourth = await rawSocket(s.ws, 'crowded');
    expect(await fourth.closed).toEqual({ code: CLOSE.rateLimited, reason: 'too many connections from your address' });
    first[0]!.socket.close();
    await first[0]!.closed;
    await new Promise((r) => setTimeout(r, 50));
    const again = await rawSocket(s.ws, 'crowded');
    await again.hello();
    for (const socket of [...first, again]) socket.socket.close();
  });
});

describe('board size limit', () => {
  it('a full board is read-only with a clear message, for everyone, and still opens', async () => {
    const s = await server({ quotas: { maxBoardPoints: 40 } });
    const ann = client(s, 'full', 'ann');
    await ann.live();
    // A stroke of four points weighs 6: begin 2, ext 2, end 2. The seventh reaches 40 with its
    // extension; its end is still taken, so that it ends.
    for (let i = 0; i < 7; i++) ann.stroke();
    await converged([ann]);
    expect(ann.full).toBe(false);
    expect([...ann.state.strokes.values()].every((stroke) => stroke.ended)).toBe(true);
    ann.stroke();
    await expect.poll(() => ann.full).toBe(true);
    expect(ann.refusals).toContainEqual(expect.stringMatching(/this board is full: it is read-only now/));
    const records = await readAll(s.log, 'full');
    expect(records.reduce((sum, r) => sum + recordWeight(r.op), 0)).toBe(42);
    // A full board can be forked: that is how its people go on drawing.
    const fork = await fetch(`${s.http}/api/boards/full/fork`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"at":${Date.now()}}` });
    expect(fork.status).toBe(201);

    const late = client(s, 'full', 'late');
    await late.live();
    expect(late.full).toBe(true);
    expect(late.visible()).toEqual(ann.visible());
    late.send({ k: 'undo' });
    await expect.poll(() => late.refusals.length).toBe(1);
    expect(late.refusals[0]).toMatch(/full/);
  });
});

describe('free disk guard', () => {
  it('with less free space than its threshold: appends refused with a reason, /readyz unready, forks refused', async () => {
    const dir = await tempDir();
    cleanup.push(() => dir.remove());
    const guard = await DiskGuard.start(dir.path, (await freeBytes(dir.path)) + 10 * 2 ** 30, silent);
    cleanup.push(() => guard.close());
    const s = await server({ diskGuard: guard });
    const ready = await fetch(`${s.http}/readyz`);
    expect(ready.status).toBe(503);
    expect((await ready.json()) as { reason: string }).toMatchObject({ reason: expect.stringMatching(/out of disk space/) });
    const ann = client(s, 'no-room', 'ann');
    await ann.live();
    ann.stroke();
    await expect.poll(() => ann.refusals.length).toBeGreaterThan(0);
    expect(ann.refusals[0]).toMatch(/out of disk space/);
    expect(await readAll(s.log, 'no-room')).toEqual([]);
    const fork = await fetch(`${s.http}/api/boards/no-room/fork`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"at":0}' });
    expect(fork.status).toBe(507);
  });

  it('trips when the disk fills past the threshold and recovers when space comes back', async () => {
    const dir = await tempDir();
    cleanup.push(() => dir.remove());
    // Use up twice a margin the disk can spare (150 MiB, less on a nearly full disk).
    const margin = Math.min(150 * 2 ** 20, Math.floor((await freeBytes(dir.path)) / 4));
    const guard = await DiskGuard.start(dir.path, (await freeBytes(dir.path)) - margin, silent, 100);
    cleanup.push(() => guard.close());
    expect(guard.problem()).toBeNull();
    const filler = join(dir.path, 'filler');
    const block = Buffer.alloc(8 * 2 ** 20, 1);
    for (let written = 0; written < 2 * margin; written += block.length) await writeFile(filler, block, { flag: 'a' });
    await expect.poll(() => guard.problem()).toMatch(/out of disk space/);
    await rm(filler);
    await expect.poll(() => guard.problem()).toBeNull();
  });

  it('the real server reads MIN_FREE_DISK_MB and reports through /readyz', async () => {
    const dir = await tempDir();
    cleanup.push(() => dir.remove());
    const proc = new ServerProcess(await freePort(), dir.path, { MIN_FREE_DISK_MB: String(Math.ceil((await freeBytes(dir.path)) / 2 ** 20) + 100_000) });
    // Not ready by design: start() waits for /readyz, so wait for /healthz instead.
    await proc.start({ until: 'healthy' });
    cleanup.push(() => proc.stop('SIGTERM'));
    const ready = await fetch(`${proc.http}/readyz`);
    expect(ready.status).toBe(503);
    await expect.poll(() => proc.output).toMatch(/disk nearly full: refusing appends/);
  });
});

describe('HTTP quotas', () => {
  it('history requests are rate limited per address', async () => {
    const s = await server({ quotas: { apiRequestsPerMinute: 3 } });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await fetch(`${s.http}/api/boards/limited/sessions`)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    // Pages and health checks are not.
    expect((await fetch(`${s.http}/healthz`)).status).toBe(200);
  });

  it('a fork pays for what it writes: too big for a board is 413, past the address budget 429 with Retry-After', async () => {
    const s = await server({ quotas: { forkPointsPerHour: 30, maxBoardPoints: 1_000 } });
    const ann = client(s, 'source', 'ann');
    await ann.live();
    ann.stroke();
    ann.stroke();
    await converged([ann]);
    const fork = () => fetch(`${s.http}/api/boards/source/fork`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"at":${Date.now()}}` });
    // Two strokes of 4 points fork to a claim and 2 x (begin, ext, end): 14 points.
    expect((await fork()).status).toBe(201);
    expect((await fork()).status).toBe(201);
    const third = await fork();
    expect(third.status).toBe(429);
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);

    const small = await server({ quotas: { maxBoardPoints: 10 } });
    const bob = client(small, 'big', 'bob');
    await bob.live();
    // The last operation a board takes may go past its limit: here a stroke of 30 points on a board of 10.
    bob.stroke(Array.from({ length: 30 }, (_, i) => ({ x: i, y: i })));
    await converged([bob]);
    const tooBig = await fetch(`${small.http}/api/boards/big/fork`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"at":${Date.now()}}` });
    expect(tooBig.status).toBe(413);
  });
});
