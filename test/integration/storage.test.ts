/**
 * What the embedded log keeps on disk: a class hour on one board (3,000,000
 * points in records of 2-4 points, seeded as people draw) takes at most 20
 * bytes a point, records and stored states included, and every stored
 * state loads and seeks to exactly what folding the log gives.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyRecord } from '../../server/board/fold.ts';
import { toSnapshot } from '../../server/board/snapshot.ts';
import { emptyBoard } from '../../server/board/state.ts';
import { loadBoard } from '../../server/history/load-board.ts';
import { EmbeddedLog } from '../../server/log/embedded-log.ts';
import { BLOCK_RECORDS } from '../../server/log/record-blocks.ts';
import { DEFAULT_STATES_KEPT, SNAPSHOTS_DB } from '../../server/log/snapshots/lmdb-snapshots.ts';
import type { LogRecord } from '../../server/protocol/messages.ts';
import { seedBoard, type SeedSummary } from '../../scripts/seed/realistic-board.ts';
import { storeBoardState } from '../../scripts/seed/store-state.ts';
import { tempDir } from '../support/server.ts';

const BOARD = 'class-hour';
const START = Date.parse('2026-12-01T09:00:00Z');

describe('a seeded board of 3,000,000 points on the embedded log', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let summary: SeedSummary;
  let log: EmbeddedLog;

  beforeAll(async () => {
    dir = await tempDir('storage-');
    let simulated = START;
    const writer = new EmbeddedLog(dir.path, { now: () => simulated });
    summary = await seedBoard(writer, BOARD, { points: 3_000_000, seed: 3, start: START, elements: 2_000, stamp: (ts) => (simulated = ts) });
    await storeBoardState(writer, BOARD);
    await writer.close();
    log = new EmbeddedLog(dir.path);
  }, 600_000);

  afterAll(async () => {
    await log?.close();
    await dir?.remove();
  });

  it('takes at most 20 bytes a point on disk, history and stored states included', () => {
    const bytes = statSync(join(dir.path, 'log.lmdb')).size;
    expect(summary.records).toBeGreaterThan(1_000_000);
    expect(bytes / summary.points).toBeLessThanOrEqual(20);
  });

  it('loads, at every stored state and just before it, exactly what folding the log gives', { timeout: 600_000 }, async () => {
    const stored = [...log.environment.openDB<Buffer, [string, number]>({ name: SNAPSHOTS_DB, encoding: 'binary' }).getKeys({ start: [BOARD, -1], end: [BOARD, Number.MAX_SAFE_INTEGER] })].map((key) => key[1]);
    // States every 20,000 records, thinned to 64 spread over the history:
    // a seek folds at most twice what it did when all were kept.
    expect(stored.length).toBe(Math.min(DEFAULT_STATES_KEPT, Math.floor(summary.records / 20_000) + 1));
    for (let i = 1; i < stored.length; i++) expect(stored[i]! - stored[i - 1]!).toBeLessThanOrEqual(40_000);

    const wanted = new Set(stored.flatMap((pos) => [pos, pos - 1]));
    const full = emptyBoard();
    const records: LogRecord[] = [];
    let checked = 0;
    for await (const page of log.read(BOARD, 0)) {
      for (const rec of page) {
        applyRecord(full, rec);
        if (rec.pos % BLOCK_RECORDS === 0 || rec.pos % BLOCK_RECORDS === BLOCK_RECORDS - 1) records.push(rec);
        if (!wanted.has(rec.pos)) continue;
        const loaded = await loadBoard(log, BOARD, { end: rec.pos + 1 });
        expect(loaded.state.pos).toBe(rec.pos);
        // Equal as data: a state read back lists an item's fields in another order.
        expect(toSnapshot(loaded.state)).toEqual(toSnapshot(full));
        checked++;
      }
    }
    expect(full.pos).toBe(summary.records - 1);
    expect(checked).toBe(wanted.size);

    // A seek by time finds the first record at or after it, across the records packed in blocks.
    for (const rec of records.filter((_, i) => i % 97 === 0)) {
      const pos = await log.positionAt(BOARD, rec.ts);
      expect(pos).toBeLessThanOrEqual(rec.pos);
      const [first] = (await log.read(BOARD, pos, pos + 1)[Symbol.asyncIterator]().next()).value as LogRecord[];
      expect(first!.ts).toBe(rec.ts);
      if (pos > 0) {
        const [before] = (await log.read(BOARD, pos - 1, pos)[Symbol.asyncIterator]().next()).value as LogRecord[];
        expect(before!.ts).toBeLessThan(rec.ts);
      }
    }
  });
});
