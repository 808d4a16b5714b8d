/**
 * Erasing a board on the embedded log: its records, stored states and the
 * pictures only it had leave the store, and their bytes leave the file;
 * every other board, and a picture another board still shows, stay.
 * Also: a store written before records were packed in blocks opens, reads
 * the same, and is packed.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { open } from 'lmdb';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { EmbeddedLog } from '../../server/log/embedded-log.ts';
import { openLog } from '../../server/log/open-log.ts';
import type { FileInfo } from '../../server/files/file-store.ts';
import type { LogRecord } from '../../server/protocol/messages.ts';
import { seedBoard } from '../../scripts/seed/realistic-board.ts';
import { storeBoardState } from '../../scripts/seed/store-state.ts';
import { tempDir } from '../support/server.ts';

async function all(log: EmbeddedLog, board: string): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  for await (const page of log.read(board, 0)) out.push(...page);
  return out;
}

function picture(marker: string): { info: FileInfo; data: Buffer } {
  const data = Buffer.from(`${marker} `.repeat(300));
  const hash = createHash('sha256').update(data).digest('hex');
  return { info: { hash, type: 'image/png', bytes: data.length, width: 10, height: 10 }, data };
}

/** Slices of every value stored for `board` in the named sub-databases, to look for in the file afterwards. */
function storedSlices(log: EmbeddedLog, board: string): Buffer[] {
  const root = log.environment;
  const slices: Buffer[] = [];
  for (const name of ['records', 'blocks', 'snapshots', 'state-parts']) {
    const db = root.openDB<Buffer, [string, number | string]>({ name, encoding: 'binary' });
    for (const { value } of db.getRange({ start: [board], end: [`${board}\u0000`] })) {
      const mid = Math.max(0, Math.floor(value.length / 2) - 24);
      if (value.length >= 48) slices.push(Buffer.from(value.subarray(mid, mid + 48)));
    }
  }
  return slices;
}

const dirs: { remove(): Promise<void> }[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await dir.remove();
});

describe('erasing a board on the embedded log', () => {
  it('removes its records, states and pictures from the file and leaves every other board as it was', { timeout: 120_000 }, async () => {
    const dir = await tempDir('erase-');
    dirs.push(dir);
    const path = join(dir.path, 'log.lmdb');
    let simulated = Date.parse('2026-12-01T09:00:00Z');
    const log = new EmbeddedLog(dir.path, { now: () => simulated });
    const stamp = (ts: number) => (simulated = ts);
    await seedBoard(log, 'gone', { points: 60_000, seed: 11, elements: 100, stamp });
    await seedBoard(log, 'kept', { points: 20_000, seed: 12, elements: 50, stamp });
    await log.append({ board: 'gone', user: 'u-erasable', cid: 'c-erasable', seq: 1, name: 'Erasable-Nickname-4417', op: { k: 'undo' } });
    const own = picture('ONLY-ON-THE-ERASED-BOARD');
    const shared = picture('SHOWN-BY-A-FORK-TOO');
    await log.files.put('gone', own.info, own.data);
    await log.files.put('gone', shared.info, shared.data);
    // The other board names the shared picture in its records, as a fork or a paste does.
    await log.append({ board: 'kept', user: 'u', cid: 'c', seq: 1, name: `pasted ${shared.info.hash}`, op: { k: 'undo' } });
    await storeBoardState(log, 'gone');
    await storeBoardState(log, 'kept');
    const keptBefore = await all(log, 'kept');

    const slices = storedSlices(log, 'gone');
    expect(slices.length).toBeGreaterThan(20);
    const before = readFileSync(path);
    expect(slices.filter((slice) => before.includes(slice)).length).toBe(slices.length);
    expect(before.includes(Buffer.from('ONLY-ON-THE-ERASED-BOARD'))).toBe(true);
    expect(before.includes(Buffer.from('Erasable-Nickname-4417'))).toBe(true);

    await log.erase('gone');

    expect(await all(log, 'gone')).toEqual([]);
    expect(await log.snapshots.load('gone')).toBeNull();
    expect(await log.files.get(own.info.hash)).toBeNull();
    expect((await log.files.get(shared.info.hash))?.data.equals(shared.data)).toBe(true);
    expect((await log.files.boardFiles('kept')).has(shared.info.hash)).toBe(true);
    expect(await all(log, 'kept')).toEqual(keptBefore);
    expect((await log.snapshots.load('kept'))?.state.pos).toBe(keptBefore.length - 1);
    expect(log.boards()).toEqual(['kept']);
    await log.close();

    // The values and the pages they were on are overwritten at once.
    const erased = readFileSync(path);
    expect(erased.includes(Buffer.from('ONLY-ON-THE-ERASED-BOARD'))).toBe(false);
    expect(slices.filter((slice) => erased.includes(slice)).length).toBeLessThan(slices.length / 10);

    // The server's next start rewrites the file: not a byte of the board is left in it.
    const reopened = await openLog({ dataDir: dir.path, kafka: null }, pino({ level: 'silent' }));
    const after = readFileSync(path);
    expect(slices.filter((slice) => after.includes(slice))).toEqual([]);
    expect(after.includes(Buffer.from('ONLY-ON-THE-ERASED-BOARD'))).toBe(false);
    expect(after.includes(Buffer.from('Erasable-Nickname-4417'))).toBe(false);
    expect(after.includes(Buffer.from('SHOWN-BY-A-FORK-TOO'))).toBe(true);

    // The board's id starts over empty in the log (the status store keeps it gone for the app).
    expect(await all(reopened as EmbeddedLog, 'gone')).toEqual([]);
    expect(await all(reopened as EmbeddedLog, 'kept')).toEqual(keptBefore);
    expect((await reopened.files.get(shared.info.hash))?.data.equals(shared.data)).toBe(true);
    await reopened.close();
  });
});

describe('a store written before records were packed in blocks', () => {
  it('opens, reads and seeks the same, and is packed', { timeout: 120_000 }, async () => {
    const dir = await tempDir('upgrade-');
    dirs.push(dir);
    const path = join(dir.path, 'log.lmdb');
    // The layout of before: every record alone, and a timestamp index.
    const root = open({ path, overlappingSync: false });
    const records = root.openDB<object, [string, number]>({ name: 'records', sharedStructuresKey: Symbol.for('structures') });
    const byTime = root.openDB<null, [string, number, number]>({ name: 'by-time' });
    const written: LogRecord[] = [];
    const start = Date.parse('2026-11-01T09:00:00Z');
    for (let pos = 0; pos < 1_000; pos++) {
      const ts = start + Math.floor(pos / 3) * 1_000;
      const rec: LogRecord = { board: 'old', pos, ts, user: 'u', cid: 'c', seq: pos + 1, name: 'Ana', op: pos % 50 === 0 ? { k: 'undo' } : { k: 'redo' } };
      written.push(rec);
      const { board: _board, pos: _pos, ...body } = rec;
      await root.transaction(() => {
        records.put(['old', pos], body);
        byTime.put(['old', ts, pos], null);
      });
    }
    await root.close();
    const sizeBefore = statSync(path).size;

    const log = new EmbeddedLog(dir.path);
    expect(await all(log, 'old')).toEqual(written);
    expect(await log.positionAt('old', start + 100_000)).toBe(300);
    expect(await log.positionAt('old', start + 100_500)).toBe(303);
    const next = await log.append({ board: 'old', user: 'u', cid: 'c', seq: 1_001, op: { k: 'undo' } });
    expect(next.pos).toBe(1_000);
    await log.close();

    const check = open({ path, readOnly: true });
    expect(check.openDB({ name: 'blocks', encoding: 'binary' }).getStats()).toMatchObject({ entryCount: 3 });
    expect(check.openDB({ name: 'records', encoding: 'binary' }).getStats()).toMatchObject({ entryCount: 1_001 - 3 * 256 + 1 }); // and the records' msgpack structures
    await check.close();
    const reopened = new EmbeddedLog(dir.path);
    expect(await all(reopened, 'old')).toEqual([...written, next]);
    await reopened.close();
    expect(statSync(path).size).toBeLessThanOrEqual(sizeBefore * 2);
  });
});
