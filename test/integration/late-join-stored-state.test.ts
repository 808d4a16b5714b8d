/**
 * Late join from a stored board state on the embedded log, through the real
 * entry point: the first load folds the whole log and the server stores the
 * state; later loads read it and fold only the records after it, and a
 * joiner gets the stored state as stored with the few records after it
 * (the board as it is now when more came after it); a stored
 * state that is damaged, of another version or missing is never used, and
 * the board is the same either way. In process: a loaded board is stored
 * every 20,000 records as people draw, and when its room unloads.
 */
import { join } from 'node:path';
import { open } from 'lmdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyRecord, foldRecords } from '../../server/board/fold.ts';
import { fromSnapshot, SNAPSHOT_VERSION, toSnapshot, type BoardSnapshot } from '../../server/board/snapshot.ts';
import type { BoardState } from '../../server/board/state.ts';
import { EmbeddedLog } from '../../server/log/embedded-log.ts';
import { SNAPSHOTS_DB } from '../../server/log/snapshots/lmdb-snapshots.ts';
import { seedBoard } from '../../scripts/seed/realistic-board.ts';
import { readAll } from '../contract/board-log-contract.ts';
import { rawSocket } from '../support/board-client.ts';
import { freePort, ServerProcess, startServer, tempDir } from '../support/server.ts';

const BOARD = 'stored';

/** The board a page joining now ends up with: the welcome's state and the records sent after it, folded. */
async function welcomeState(ws: string, board = BOARD): Promise<BoardSnapshot> {
  return (await joined(ws, board)).state;
}

async function joined(ws: string, board = BOARD): Promise<{ state: BoardSnapshot; welcomePos: number; records: number }> {
  const raw = await rawSocket(ws, board);
  await raw.hello();
  raw.socket.close();
  const welcome = raw.messages.find((m) => m.t === 'welcome') as { state: BoardSnapshot };
  const state = fromSnapshot(welcome.state);
  const welcomePos = state.pos;
  const records = raw.messages.flatMap((m) => (m.t === 'rec' ? [m.r] : []));
  for (const rec of records) applyRecord(state, rec);
  return { state: toSnapshot(state), welcomePos, records: records.length };
}

/** The board folded from its whole log, and its last position. */
async function expected(dir: string): Promise<{ state: BoardSnapshot; last: number; records: number }> {
  const log = new EmbeddedLog(dir);
  try {
    const records = await readAll(log, BOARD);
    return { state: toSnapshot(foldRecords(records)), last: records.at(-1)!.pos, records: records.length };
  } finally {
    await log.close();
  }
}

/** Puts raw bytes as the board's only stored state (null: none); the server is stopped. */
async function putRaw(dir: string, entry: { pos: number; bytes: Buffer } | null): Promise<void> {
  const root = open({ path: join(dir, 'log.lmdb') });
  const db = root.openDB<Buffer, [string, number]>({ name: SNAPSHOTS_DB, encoding: 'binary' });
  await db.transaction(() => {
    for (const key of db.getKeys({ start: [BOARD, -1], end: [BOARD, Number.MAX_SAFE_INTEGER] })) db.remove(key);
    if (entry) db.put([BOARD, entry.pos], entry.bytes);
  });
  await root.close();
}

describe('late join from a stored state (embedded log, real entry point)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let server: ServerProcess;

  /** What the last load of the board said it did. */
  function lastLoad(): { storedThrough: number; folded: number } {
    const lines = server.output.split('\n').filter((l) => l.includes('"board loaded"') && l.includes(`"board":"${BOARD}"`));
    return JSON.parse(lines.at(-1)!) as { storedThrough: number; folded: number };
  }

  beforeAll(async () => {
    dir = await tempDir('stored-state-');
    const log = new EmbeddedLog(dir.path);
    await seedBoard(log, BOARD, { points: 20_000, seed: 3 });
    await log.close();
    server = new ServerProcess(await freePort(), dir.path, { KAFKA_BROKERS: '', LOG_LEVEL: 'debug' });
  }, 60_000);
  afterAll(async () => {
    await server.stop('SIGTERM');
    await dir.remove();
  });

  it('with nothing stored, the first load folds the whole log, and the server stores the state when it stops', async () => {
    const want = await expected(dir.path);
    await server.start();
    expect(await welcomeState(server.ws)).toEqual(want.state);
    expect(lastLoad()).toMatchObject({ storedThrough: -1, folded: want.records });
    expect(await server.stop('SIGTERM')).toBe(0);
    const log = new EmbeddedLog(dir.path);
    const stored = (await log.snapshots.load(BOARD))?.state;
    await log.close();
    expect(stored?.pos).toBe(want.last);
    expect(toSnapshot(stored!)).toEqual(want.state);
  });

  it('after a restart, the board is its stored state plus the records drawn after it', async () => {
    const before = await expected(dir.path);
    const log = new EmbeddedLog(dir.path);
    const tail = await seedBoard(log, BOARD, { points: 3_000, seed: 4 });
    await log.close();
    const want = await expected(dir.path);
    await server.start();
    const page = await joined(server.ws);
    expect(page.state).toEqual(want.state);
    expect(lastLoad()).toMatchObject({ storedThrough: before.last, folded: tail.records });
    // Many records came after the stored state: the board is sent as it is now.
    expect(tail.records).toBeGreaterThan(200);
    expect(page).toMatchObject({ welcomePos: want.last, records: 0 });
    await server.stop('SIGTERM');
  });

  it('with a few records after its stored state, a joiner gets the state as stored, then those records', async () => {
    const before = await expected(dir.path);
    const log = new EmbeddedLog(dir.path);
    const stored = await log.snapshots.load(BOARD);
    const tail = await seedBoard(log, BOARD, { points: 300, seed: 5 });
    await log.close();
    expect(stored?.state.pos).toBe(before.last);
    expect(tail.records).toBeLessThanOrEqual(200);
    const want = await expected(dir.path);
    await server.start();
    const page = await joined(server.ws);
    expect(page.state).toEqual(want.state);
    expect(page).toMatchObject({ welcomePos: before.last, records: tail.records });
    await server.stop('SIGTERM');
  });

  it.each([
    ['damaged', (last: number) => ({ pos: last, bytes: Buffer.from(`{"v":${SNAPSHOT_VERSION},"state":{"pos":`) })],
    ['of another version', (last: number) => ({ pos: last, bytes: Buffer.from(`{"v":999,"state":{"pos":${last}}}`) })],
    ['missing', () => null],
  ])('when the stored state is %s it is not used: the whole log is folded, and the board is the same', async (_name, entry) => {
    const want = await expected(dir.path);
    await putRaw(dir.path, entry(want.last));
    await server.start();
    expect(await welcomeState(server.ws)).toEqual(want.state);
    expect(lastLoad()).toMatchObject({ storedThrough: -1, folded: want.records });
    await server.stop('SIGTERM');
    // Stored again, readable, when the server stopped.
    const log = new EmbeddedLog(dir.path);
    const stored = await log.snapshots.load(BOARD);
    await log.close();
    expect(stored?.state.pos).toBe(want.last);
  });
});

/** The board's stored state once its position passes `until`, or the last one seen after 15 s. */
async function storedWhen(log: EmbeddedLog, until: (pos: number) => boolean): Promise<BoardState | null> {
  let stored: BoardState | null = null;
  for (const deadline = Date.now() + 15_000; Date.now() < deadline; ) {
    stored = (await log.snapshots.load('live'))?.state ?? null;
    if (stored && until(stored.pos)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return stored;
}

describe('when a loaded board is stored (embedded log, in process)', () => {
  it('every 20,000 records as people draw, and when its room unloads', { timeout: 60_000 }, async () => {
    const server = await startServer(undefined, { roomIdleMs: 300 });
    const log = server.log as EmbeddedLog;
    try {
      const watcher = await rawSocket(server.ws, 'live');
      await watcher.hello();
      const drawn = await seedBoard(log, 'live', { points: 45_000, seed: 5 });
      expect(drawn.records).toBeGreaterThan(20_000);
      const stored = await storedWhen(log, (pos) => pos >= 19_999);
      expect(stored?.pos).toBeGreaterThanOrEqual(19_999);

      // Fewer than 20,000 more: nothing until the room unloads once everyone left.
      const more = await seedBoard(log, 'live', { points: 3_000, seed: 6 });
      expect(more.records).toBeGreaterThan(1_000);
      const last = (await readAll(log, 'live')).at(-1)!.pos;
      watcher.socket.close();
      const final = await storedWhen(log, (pos) => pos === last);
      expect(final?.pos).toBe(last);
      expect(toSnapshot(final!)).toEqual(toSnapshot(foldRecords(await readAll(log, 'live'))));
    } finally {
      await server.close();
    }
  });
});
