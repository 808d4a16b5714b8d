/**
 * The rules every BoardLog backend keeps. A backend's test file calls
 * `registerBoardLogContract` with a factory for fresh, empty storage.
 */
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyRecord, foldRecords } from '../../server/board/fold.ts';
import { SNAPSHOT_VERSION, toSnapshot } from '../../server/board/snapshot.ts';
import { emptyBoard } from '../../server/board/state.ts';
import type { BoardLog, NewRecord } from '../../server/log/board-log.ts';
import type { LogRecord } from '../../server/protocol/messages.ts';
import { encodePoints } from '../../server/protocol/points.ts';
import { loadBoard } from '../../server/history/load-board.ts';
import { encodeState } from '../../server/log/snapshots/snapshot-codec.ts';

export type LogStorage = {
  /** Opens a log on this storage; several opens see the same records. */
  open(): Promise<BoardLog>;
  /** Removes the storage. */
  dispose(): Promise<void>;
  /**
   * Puts `bytes` where the backend keeps a board's stored state at `pos`,
   * as damaged storage or other code would leave them; logs opened after
   * this see them. For backends that store states.
   */
  storeRawState?(board: string, pos: number, bytes: Buffer): Promise<void>;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let seq = 0;
function draft(board: string, user = 'ann'): NewRecord {
  return {
    board,
    user,
    cid: `c-${user}`,
    seq: ++seq,
    name: user,
    op: { k: 'begin', id: `s${seq}`, color: '#1971c2', w: 4, pr: 1, p: encodePoints([{ x: seq, y: 2, p: 0.5 }], true) },
  };
}

export async function readAll(log: BoardLog, board: string, from = 0): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  for await (const page of log.read(board, from)) out.push(...page);
  return out;
}

export type Capabilities = {
  /** The backend stores board states (`BoardLog.snapshots`); the rules for them apply. */
  snapshots: boolean;
};

export function registerBoardLogContract(backend: string, makeStorage: () => Promise<LogStorage>, capabilities: Capabilities): void {
  describe(`BoardLog contract: ${backend}`, () => {
    let storage: LogStorage;
    let log: BoardLog;
    const opened: BoardLog[] = [];
    const open = async () => {
      const l = await storage.open();
      opened.push(l);
      return l;
    };

    beforeEach(async () => {
      storage = await makeStorage();
      log = await open();
    });
    afterEach(async () => {
      for (const l of opened.splice(0)) await l.close();
      await storage.dispose();
    });

    it('returns each record as appended, with a position and a server timestamp', async () => {
      const before = Date.now();
      const input = draft('b1');
      const stored = await log.append(input);
      expect(stored).toEqual({ ...input, pos: stored.pos, ts: stored.ts });
      expect(stored.ts).toBeGreaterThanOrEqual(before);
      expect(stored.ts).toBeLessThanOrEqual(Date.now());
      expect(await readAll(log, 'b1')).toEqual([stored]);
    });

    it('keeps a board’s records in append order with increasing positions, even when appended concurrently', async () => {
      const stored = await Promise.all(Array.from({ length: 50 }, () => log.append(draft('b1'))));
      const read = await readAll(log, 'b1');
      expect(read).toEqual(stored);
      for (let i = 1; i < read.length; i++) {
        expect(read[i]!.pos).toBeGreaterThan(read[i - 1]!.pos);
        expect(read[i]!.ts).toBeGreaterThanOrEqual(read[i - 1]!.ts);
      }
    });

    it('isolates boards: reading one board never returns another’s records', async () => {
      const a: LogRecord[] = [];
      const b: LogRecord[] = [];
      for (let i = 0; i < 20; i++) {
        a.push(await log.append(draft('board-a')));
        b.push(await log.append(draft('board-b')));
      }
      expect(await readAll(log, 'board-a')).toEqual(a);
      expect(await readAll(log, 'board-b')).toEqual(b);
      expect(await readAll(log, 'board-c')).toEqual([]);
    });

    it('reads from a position: exactly the records at or after it', async () => {
      const stored: LogRecord[] = [];
      for (let i = 0; i < 10; i++) stored.push(await log.append(draft('b1')));
      expect(await readAll(log, 'b1', stored[4]!.pos)).toEqual(stored.slice(4));
      expect(await readAll(log, 'b1', stored[9]!.pos + 1)).toEqual([]);
    });

    it('reads long boards completely, across pages', async () => {
      const stored = await Promise.all(Array.from({ length: 2_500 }, () => log.append(draft('long'))));
      const read = await readAll(log, 'long');
      expect(read.length).toBe(2_500);
      expect(read.at(-1)).toEqual(stored.at(-1));
    });

    it('finds the position that splits a board at a timestamp: before, between, at and after records', async () => {
      const r1 = await log.append(draft('b1'));
      await sleep(15);
      const r2 = await log.append(draft('b1'));
      await sleep(15);
      const r3 = await log.append(draft('b1'));
      await log.append(draft('other')); // other boards must not affect the answer
      const all = [r1, r2, r3];
      for (const ts of [0, r1.ts, r1.ts + 1, r2.ts, r3.ts, r3.ts + 1]) {
        const split = await log.positionAt('b1', ts);
        expect(all.filter((r) => r.pos < split)).toEqual(all.filter((r) => r.ts < ts));
        expect(await readAll(log, 'b1', split)).toEqual(all.filter((r) => r.ts >= ts));
      }
    });

    it('keeps the original times of records appended with `at` (an import): read back, told to subscribers and across a reopen', async () => {
      const start = Date.now() - 30 * 86_400_000; // a board drawn a month ago
      const times = [start, start + 1_000, start + 1_000, start + 60_000, start + 3_600_000];
      const told: LogRecord[] = [];
      log.subscribe((r) => r.board === 'imported' && told.push(r));
      const stored: LogRecord[] = [];
      for (const at of times) stored.push(await log.append(draft('imported'), { at }));
      expect(stored.map((r) => r.ts)).toEqual(times);
      expect(await readAll(log, 'imported')).toEqual(stored);
      await expect.poll(() => told.length).toBe(times.length);
      expect(told).toEqual(stored);
      const reopened = await open();
      expect(await readAll(reopened, 'imported')).toEqual(stored);
    });

    it('splits a board of original times (`at`) at any time, among other boards written now', async () => {
      const start = Date.now() - 86_400_000;
      const imported: LogRecord[] = [];
      for (let i = 0; i < 30; i++) {
        imported.push(await log.append(draft('old'), { at: start + Math.floor(i / 3) * 60_000 }));
        if (i % 5 === 0) await log.append(draft('now')); // same partition or not: must not matter
      }
      const later = await log.append(draft('old')); // drawn on today, after the import
      const all = [...imported, later];
      const probes = [0, start, start + 1, start + 60_000, start + 4 * 60_000 + 1, start + 9 * 60_000, start + 9 * 60_000 + 1, later.ts, later.ts + 1];
      for (const ts of probes) {
        const split = await log.positionAt('old', ts);
        expect(all.filter((r) => r.pos < split), `split at ${ts - start}`).toEqual(all.filter((r) => r.ts < ts));
        expect(await readAll(log, 'old', split)).toEqual(all.filter((r) => r.ts >= ts));
      }
    });

    it('reads up to a position when given one', async () => {
      const stored = await Promise.all(Array.from({ length: 10 }, () => log.append(draft('b1'))));
      const to = stored[6]!.pos;
      const read: LogRecord[] = [];
      for await (const page of log.read('b1', stored[2]!.pos, to)) read.push(...page);
      expect(read).toEqual(stored.slice(2, 6));
    });

    it('tells subscribers about every record, in order, until they unsubscribe', async () => {
      const heard: LogRecord[] = [];
      const stop = log.subscribe((r) => {
        if (r.board === 'sub') heard.push(r);
      });
      const stored = await Promise.all(Array.from({ length: 20 }, () => log.append(draft('sub'))));
      await expect.poll(() => heard.length).toBe(20);
      expect(heard).toEqual(stored);
      stop();
      await log.append(draft('sub'));
      await sleep(200);
      expect(heard.length).toBe(20);
    });

    it('tells subscribers in position order even when records of new shapes are appended at once', async () => {
      // Records of shapes the store has not seen (other fields, other
      // operations), as the first minute of a board sends them.
      const shapes = (i: number): NewRecord => {
        const base = { board: 'shapes', user: `u${i % 3}`, cid: `c${i % 5}`, seq: i + 1 };
        switch (i % 6) {
          case 0: return { ...base, name: 'Ana', op: { k: 'undo' } };
          case 1: return { ...base, op: { k: 'redo' } };
          case 2: return { ...base, op: { k: 'clear' } };
          case 3: return { ...base, name: `N${i}`, op: { k: 'erase', ids: [`s${i}`] } };
          case 4: return { ...base, op: { k: 'ext', id: `s${i}`, p: 'AAAA' } };
          default: return { ...base, name: 'Bo', op: { k: 'end', id: `s${i}` } };
        }
      };
      const heard: number[] = [];
      const stop = log.subscribe((r) => r.board === 'shapes' && heard.push(r.pos));
      const stored = await Promise.all(Array.from({ length: 3_000 }, (_, i) => log.append(shapes(i))));
      await expect.poll(() => heard.length).toBe(3_000);
      stop();
      expect(heard).toEqual(stored.map((r) => r.pos));
      // Each record is what was appended, field for field: a name where one was given, none where not.
      expect(stored.map(({ pos: _pos, ts: _ts, ...rest }) => rest)).toStrictEqual(Array.from({ length: 3_000 }, (_, i) => shapes(i)));
      expect(await readAll(log, 'shapes')).toStrictEqual(stored);
    });

    it('keeps every acknowledged record across close and reopen, and continues after them', async () => {
      const stored: LogRecord[] = [];
      for (let i = 0; i < 30; i++) stored.push(await log.append(draft(i % 2 ? 'b1' : 'b2')));
      await log.close();
      const reopened = await open();
      const b1 = stored.filter((r) => r.board === 'b1');
      expect(await readAll(reopened, 'b1')).toEqual(b1);
      const next = await reopened.append(draft('b1'));
      expect(next.pos).toBeGreaterThan(b1.at(-1)!.pos);
      expect(next.ts).toBeGreaterThanOrEqual(b1.at(-1)!.ts);
    });

    it('refuses appends once closed, and says it is not ready', async () => {
      expect(log.isReady()).toBe(true);
      await log.close();
      expect(log.isReady()).toBe(false);
      await expect(log.append(draft('b1'))).rejects.toThrow();
      await log.close(); // closing twice is harmless
    });

    describe('files on boards', () => {
      /** A file as intake leaves it: its name is the hash of its bytes. */
      const file = (size: number, fill: number) => {
        const data = Buffer.alloc(size, fill);
        for (let i = 0; i < size; i += 997) data[i] = i % 251;
        return { info: { hash: createHash('sha256').update(data).digest('hex'), type: 'image/png' as const, bytes: size, width: 10, height: 20 }, data };
      };

      it('stores a file by its hash and gives back exactly its bytes, across parts and a reopen', async () => {
        // Larger than a part on Kafka (512 KB): read back from several.
        const big = file(1_300_000, 7);
        await log.files.put('b1', big.info, big.data);
        expect(await log.files.info(big.info.hash)).toEqual(big.info);
        const got = await log.files.get(big.info.hash);
        expect(got?.info).toEqual(big.info);
        expect(got?.data.equals(big.data)).toBe(true);
        await log.close();
        const reopened = await open();
        expect((await reopened.files.get(big.info.hash))?.data.equals(big.data)).toBe(true);
      });

      it('stores a file once however often it is put, and counts it once per board', async () => {
        const a = file(2_000, 1);
        const b = file(3_000, 2);
        await log.files.put('b1', a.info, a.data);
        await log.files.put('b1', a.info, a.data);
        await log.files.put('b2', a.info, a.data);
        await log.files.put('b2', b.info, b.data);
        expect([...(await log.files.boardFiles('b1'))]).toEqual([[a.info.hash, 2_000]]);
        expect(new Map(await log.files.boardFiles('b2'))).toEqual(new Map([[a.info.hash, 2_000], [b.info.hash, 3_000]]));
        expect((await log.files.boardFiles('b3')).size).toBe(0);
      });

      it('answers null for a file nobody stored', async () => {
        const hash = 'ab'.repeat(32);
        expect(await log.files.get(hash)).toBeNull();
        expect(await log.files.info(hash)).toBeNull();
      });

      it('serves a file stored through another open log of the same storage', async () => {
        const other = await open();
        const a = file(5_000, 3);
        await other.files.put('b1', a.info, a.data);
        expect((await log.files.get(a.info.hash))?.data.equals(a.data)).toBe(true);
      });
    });

    if (!capabilities.snapshots) {
      it('stores no board states: every board is read from its start', () => {
        expect(log.snapshots).toBeUndefined();
      });
      return;
    }

    describe('stored board states', () => {
      /** A board of `n` records and its fold. */
      async function board(name: string, n: number) {
        for (let i = 0; i < n; i++) await log.append(draft(name));
        return foldRecords(await readAll(log, name));
      }

      it('has none for a board until one is stored, and stores none for an empty board', async () => {
        await board('b1', 3);
        expect(await log.snapshots!.load('b1')).toBeNull();
        await log.snapshots!.save('b2', emptyBoard());
        expect(await log.snapshots!.load('b2')).toBeNull();
      });

      it('loads a stored state as it was saved, for that board only', async () => {
        const state = await board('b1', 5);
        await board('b2', 2);
        await log.snapshots!.save('b1', state);
        expect(toSnapshot((await log.snapshots!.load('b1'))!.state)).toEqual(toSnapshot(state));
        expect(await log.snapshots!.load('b2')).toBeNull();
      });

      it('stores the state as it is at the call: folding on before the save resolves changes nothing stored', async () => {
        const state = await board('b1', 3);
        const before = structuredClone(toSnapshot(state));
        const saved = log.snapshots!.save('b1', state);
        applyRecord(state, await log.append(draft('b1')));
        await saved;
        expect(toSnapshot((await log.snapshots!.load('b1'))!.state)).toEqual(before);
      });

      it('hands out a state the caller may fold on without changing what is stored', async () => {
        const state = await board('b1', 3);
        await log.snapshots!.save('b1', state);
        const loaded = (await log.snapshots!.load('b1'))!;
        applyRecord(loaded.state, await log.append(draft('b1')));
        expect(toSnapshot((await log.snapshots!.load('b1'))!.state)).toEqual(toSnapshot(state));
      });

      it('keeps the newest state across close and reopen; folding the records after it gives the board', async () => {
        const first = await board('b1', 3);
        await log.snapshots!.save('b1', first);
        const second = await board('b1', 4); // the 3 records, then 4 more
        await log.snapshots!.save('b1', second);
        await log.append(draft('b1'));
        await log.close();
        const reopened = await open();
        const loaded = (await reopened.snapshots!.load('b1'))!;
        expect(loaded.state.pos).toBe(second.pos);
        expect(loaded.through).toBeGreaterThanOrEqual(second.pos);
        const all = await readAll(reopened, 'b1');
        expect(toSnapshot(foldRecords(await readAll(reopened, 'b1', loaded.through + 1), loaded.state))).toEqual(toSnapshot(foldRecords(all)));
        const whole = await loadBoard(reopened, 'b1');
        expect(whole.storedThrough).toBe(loaded.through);
        expect(toSnapshot(whole.state)).toEqual(toSnapshot(foldRecords(all)));
      });

      it('travels in time across stored states: the board before any position is the fold of the records before it', async () => {
        const records: LogRecord[] = [];
        const saved: number[] = [];
        for (let i = 0; i < 12; i++) {
          records.push(await log.append(draft('b1', i % 2 ? 'ann' : 'bob')));
          if (i === 3 || i === 7) {
            await log.snapshots!.save('b1', foldRecords(records));
            saved.push(records.at(-1)!.pos);
          }
          await log.append(draft('other'));
        }
        await log.close();
        const reopened = await open();
        for (const end of [0, ...records.map((r) => r.pos), records.at(-1)!.pos + 1]) {
          const then = await loadBoard(reopened, 'b1', { end });
          const expected = foldRecords(records.filter((r) => r.pos < end));
          expect(toSnapshot(then.state)).toEqual(toSnapshot(expected));
          // From the newest stored state before the end, never one past it.
          const usable = saved.filter((pos) => pos < end);
          expect(then.storedThrough).toBeLessThan(Math.max(end, 0));
          if (usable.length > 0) expect(then.storedThrough).toBeGreaterThanOrEqual(usable.at(-1)!);
          else expect(then.storedThrough).toBe(-1);
        }
      });

      it('falls back when a stored state cannot be read: damaged, of an unknown version, or older ones first', async () => {
        const records: LogRecord[] = [];
        for (let i = 0; i < 6; i++) records.push(await log.append(draft('b1')));
        const older = foldRecords(records.slice(0, 2));
        await log.close();
        await storage.storeRawState!('b1', older.pos, encodeState(older));
        await storage.storeRawState!('b1', records[3]!.pos, Buffer.from(`{"v":${SNAPSHOT_VERSION},"state":{"pos":3,"strok`));
        const unknown = encodeState(foldRecords(records.slice(0, 5))).toString().replace(`{"v":${SNAPSHOT_VERSION},`, '{"v":999,');
        expect(unknown.startsWith('{"v":999,')).toBe(true);
        await storage.storeRawState!('b1', records[4]!.pos, Buffer.from(unknown));
        const reopened = await open();
        const board = await loadBoard(reopened, 'b1');
        expect(toSnapshot(board.state)).toEqual(toSnapshot(foldRecords(records)));
        expect(board.storedThrough).toBe(older.pos);
        // Nothing readable at all: the whole log.
        const none = await loadBoard(reopened, 'b1', { end: older.pos });
        expect(none.storedThrough).toBe(-1);
        expect(toSnapshot(none.state)).toEqual(toSnapshot(foldRecords(records.filter((r) => r.pos < older.pos))));
      });

      it('refuses to load or save once closed', async () => {
        const state = await board('b1', 2);
        await log.close();
        await expect(log.snapshots!.load('b1')).rejects.toThrow();
        await expect(log.snapshots!.save('b1', state)).rejects.toThrow();
      });
    });
  });
}
