/**
 * The embedded backend: an LMDB environment on local disk.
 *
 * Why LMDB: it is a small, long-proven B+tree store with crash-safe
 * copy-on-write commits, and lmdb-js ships prebuilt binaries in the npm
 * registry (no compiler needed on install). Its async writes batch every put
 * of one event turn into one transaction, which is the group commit a log
 * wants. We turn `overlappingSync` off so an append resolves only after its
 * transaction is synced to disk: an acknowledged record survives kill -9 and
 * power loss alike.
 *
 * Layout (ordered keys, so one board is one contiguous key range):
 *   records   [board, pos]      -> record body: the newest records, one each
 *   blocks    [board, first]    -> BLOCK_RECORDS records packed (record-blocks.ts)
 *   snapshots [board, pos]      -> a stored board state (snapshots/lmdb-snapshots.ts)
 *   files, file-info, board-files  -> pictures on boards (files/lmdb-files.ts)
 *
 * An append writes its record alone, durable at once; once a board has a
 * whole block of records past its last block, they are packed into one
 * value in the background and removed from `records` in the same
 * transaction, so a record is always in exactly one of the two. A board's
 * timestamps never go backwards, so a time is found by a binary search over
 * its blocks and records: no index to store.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { open, type Database, type RootDatabase } from 'lmdb';
import type { LogRecord } from '../protocol/messages.ts';
import { appended, LogUnavailableError, type AppendOptions, type BoardLog, type NewRecord, type ReadyListener, type RecordListener } from './board-log.ts';
import { BLOCK_RECORDS, blockStart, blockText, decodeBlock, encodeBlock, lastTsOf, type StoredBody } from './record-blocks.ts';
import { LmdbSnapshots } from './snapshots/lmdb-snapshots.ts';
import { LmdbFiles } from '../files/lmdb-files.ts';
import { markErased } from './fresh-copy.ts';
import { wipeFreePages } from './wipe-free-pages.ts';

type Key = [string, number];

export type EmbeddedLogOptions = {
  /**
   * The clock that stamps appends (default Date.now). A tool that writes a
   * simulated session (npm run seed) gives its own; timestamps still never
   * go backwards within a board.
   */
  now?: () => number;
};

const PAGE = 1_000;
const BLOCKS_PER_COMMIT = 16;
/**
 * Past this many unpacked records of a board, appends wait for the packing:
 * only a bulk writer (a seed, an import) gets this far ahead, and without
 * the wait its records would grow the file far past what they take packed.
 */
const MAX_UNPACKED = 32 * BLOCK_RECORDS;
const MAX = Number.MAX_SAFE_INTEGER;

type Head = {
  /** The next position to append. */
  next: number;
  /** The last timestamp. */
  ts: number;
  /** Positions before this are in blocks. */
  packed: number;
};

export class EmbeddedLog implements BoardLog {
  private readonly root: RootDatabase;
  private readonly records: Database<StoredBody, Key>;
  private readonly blocks: Database<Buffer, Key>;
  /** The same records as bytes, to overwrite them when a board is erased. */
  private readonly rawRecords: Database<Buffer, Key>;
  readonly snapshots: LmdbSnapshots;
  readonly files: LmdbFiles;
  private readonly listeners = new Set<RecordListener>();
  private readonly readyListeners = new Set<ReadyListener>();
  private readonly heads = new Map<string, Head>();
  /** Boards whose records are being packed, and the packing. */
  private readonly packing = new Map<string, Promise<void>>();
  private readonly upgrading: Promise<void>;
  private closed = false;
  /** Set by close: no new packing starts (one may still finish). */
  private closing = false;
  private readonly now: () => number;

  constructor(
    private readonly dir: string,
    options: EmbeddedLogOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    mkdirSync(dir, { recursive: true });
    this.root = open({ path: join(dir, 'log.lmdb'), overlappingSync: false });
    // Shared msgpack structures: records share a few shapes, and reading
    // them back decodes several times faster with them.
    this.records = this.root.openDB({ name: 'records', sharedStructuresKey: Symbol.for('structures') });
    this.rawRecords = this.root.openDB({ name: 'records', encoding: 'binary' });
    this.blocks = this.root.openDB({ name: 'blocks', encoding: 'binary' });
    this.snapshots = new LmdbSnapshots(this.root, (board) => this.head(board).next - 1);
    this.files = new LmdbFiles(this.root);
    this.upgrading = this.upgrade();
  }

  /**
   * A store written before blocks had a timestamp index and every record
   * alone: drop the index and pack every board (in the background; reads
   * are right meanwhile, only bigger on disk).
   */
  private async upgrade(): Promise<void> {
    const byTime = this.root.openDB({ name: 'by-time' });
    if (byTime.getKeysCount({ limit: 1 }) > 0) await byTime.drop();
    for (const board of this.boards()) {
      if (this.closed) return;
      await this.pack(board);
    }
  }

  /** Every board with records, in id order. */
  boards(): string[] {
    const boards = new Set<string>();
    for (const db of [this.blocks, this.records] as Database<unknown, Key>[]) {
      let last: string | null = null;
      for (;;) {
        let found: string | null = null;
        // `records` also holds its shared msgpack structures, under a key that is no [board, pos]: skipped.
        for (const key of db.getKeys({ start: last === null ? undefined : [last, MAX], limit: 2 })) if (found === null && Array.isArray(key)) found = key[0];
        if (found === null) break;
        boards.add((last = found));
      }
    }
    return [...boards].sort();
  }

  private head(board: string): Head {
    let head = this.heads.get(board);
    if (head) return head;
    head = { next: 0, ts: 0, packed: 0 };
    for (const { key, value } of this.blocks.getRange({ start: [board, MAX], end: [board, -1], reverse: true, limit: 1 })) {
      head = { next: key[1] + BLOCK_RECORDS, ts: lastTsOf(value), packed: key[1] + BLOCK_RECORDS };
    }
    for (const { key, value } of this.records.getRange({ start: [board, MAX], end: [board, -1], reverse: true, limit: 1 })) {
      head.next = key[1] + 1;
      head.ts = value.ts;
    }
    this.heads.set(board, head);
    return head;
  }

  async append(input: NewRecord, options: AppendOptions = {}): Promise<LogRecord> {
    if (this.closed) throw new LogUnavailableError('log is closed');
    const head = this.head(input.board);
    const pos = head.next++;
    // Wall clocks step backwards; a board's timestamps must not.
    const ts = (head.ts = Math.max(options.at ?? this.now(), head.ts));
    // Built field by field, as `appended` builds the record (board-log.ts).
    const { board, user, cid, seq, name, op } = input;
    const body: StoredBody = name === undefined ? { user, cid, seq, op, ts } : { user, cid, seq, name, op, ts };
    // In a transaction, not a bare put: a put that records a new msgpack
    // structure can resolve after later puts, and subscribers must see the
    // records in position order.
    await this.root.transaction(() => {
      this.records.put([board, pos], body);
    });
    const record = appended(input, pos, ts);
    for (const listener of this.listeners) listener(record);
    if (head.next - head.packed >= MAX_UNPACKED) await this.pack(board);
    else if (head.next - head.packed >= BLOCK_RECORDS) void this.pack(board);
    return record;
  }

  /** Packs the board's whole blocks of records; one packing per board at a time. */
  private pack(board: string): Promise<void> {
    const running = this.packing.get(board);
    if (running) return running;
    const packing = this.packBlocks(board)
      .catch(() => {
        // Left as records: read the same, packed on a later append or open.
      })
      .finally(() => this.packing.delete(board));
    this.packing.set(board, packing);
    return packing;
  }

  private async packBlocks(board: string): Promise<void> {
    const head = this.head(board);
    while (!this.closing && head.next - head.packed >= BLOCK_RECORDS) {
      // Several blocks a transaction when appends run ahead of the packing.
      const packed: [number, Buffer][] = [];
      for (let first = head.packed; packed.length < BLOCKS_PER_COMMIT && head.next - first >= BLOCK_RECORDS; first += BLOCK_RECORDS) {
        const bodies: StoredBody[] = [];
        for (const { value } of this.records.getRange({ start: [board, first], end: [board, first + BLOCK_RECORDS] })) bodies.push(value);
        // Appended but not yet durable: the rest waits for a later append.
        if (bodies.length < BLOCK_RECORDS) break;
        packed.push([first, await encodeBlock(bodies)]);
      }
      if (packed.length === 0 || this.closing) return;
      await this.root.transaction(() => {
        for (const [first, block] of packed) {
          this.blocks.put([board, first], block);
          for (let pos = first; pos < first + BLOCK_RECORDS; pos++) this.records.remove([board, pos]);
        }
      });
      head.packed = packed[packed.length - 1]![0] + BLOCK_RECORDS;
    }
  }

  async *read(board: string, from: number, to = MAX): AsyncIterable<LogRecord[]> {
    let start = Math.max(0, from);
    const end = Math.min(to, MAX);
    while (start < end) {
      const page = this.page(board, start, end);
      if (page.length === 0) return;
      start = page[page.length - 1]!.pos + 1;
      yield page;
    }
  }

  /**
   * Up to PAGE records from `start` on, read in one event turn: a packing
   * that commits meanwhile moves records from one place to the other, and
   * each position is taken from wherever it is found first.
   */
  private page(board: string, start: number, end: number): LogRecord[] {
    const page: LogRecord[] = [];
    let pos = start;
    while (pos < end && page.length < PAGE) {
      const before = page.length;
      for (const { key, value } of this.records.getRange({ start: [board, pos], end: [board, end], limit: PAGE - page.length })) {
        if (key[1] !== pos) break;
        page.push({ board, pos, ...value });
        pos++;
      }
      if (page.length === before) {
        const first = blockStart(pos);
        const block = this.blocks.getBinaryFast([board, first]);
        if (!block) break;
        const bodies = decodeBlock(block);
        for (let i = pos - first; i < bodies.length && pos < end; i++, pos++) page.push({ board, pos, ...bodies[i]! });
      }
    }
    return page;
  }

  async positionAt(board: string, ts: number): Promise<number> {
    const head = this.head(board);
    // The first block whose last record is at or after ts.
    let lo = 0;
    let hi = head.packed / BLOCK_RECORDS;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const block = this.blocks.getBinaryFast([board, mid * BLOCK_RECORDS]);
      if (block && lastTsOf(block) < ts) lo = mid + 1;
      else hi = mid;
    }
    // From there the records themselves, page by page (one block, or the newest records).
    for await (const page of this.read(board, lo * BLOCK_RECORDS)) {
      for (const rec of page) if (rec.ts >= ts) return rec.pos;
    }
    return head.next;
  }

  async erase(board: string): Promise<void> {
    if (this.closed) throw new LogUnavailableError('log is closed');
    await this.packing.get(board);
    const namedBy = this.boardsNaming(this.files.onlyOn(board), board);
    // Zeros first: removing a value frees its page, but the page it shared
    // with other values is copied with the gap it leaves, and the gap
    // holds what was there; zeros are what is left to find.
    for (const phase of ['zero', 'remove'] as const) {
      await this.root.transaction(() => {
        for (const db of [this.rawRecords, this.blocks]) {
          const entries = [...db.getRange({ start: [board, -1], end: [board, MAX] })].map(({ key, value }) => [key, value.length] as const);
          for (const [key, bytes] of entries) {
            if (phase === 'zero') db.put(key, Buffer.alloc(bytes));
            else db.remove(key);
          }
        }
        this.snapshots.eraseIn(board, phase);
        this.files.eraseIn(board, namedBy, phase);
      });
    }
    this.heads.delete(board);
    // The pages the values were on before are free now, bytes and all.
    await wipeFreePages(this.root);
    // What is left of them in the unused middle of pages in use leaves the
    // file when the server next starts (fresh-copy.ts).
    markErased(this.dir);
  }

  /**
   * For each of `hashes`, a board other than `except` whose records name
   * it (a fork or a paste shows a picture uploaded elsewhere): a search of
   * every other board's records, as text, for an erasure only.
   */
  private boardsNaming(hashes: ReadonlySet<string>, except: string): Map<string, string> {
    const named = new Map<string, string>();
    if (hashes.size === 0) return named;
    const search = (board: string, text: Buffer) => {
      for (const hash of hashes) if (!named.has(hash) && text.includes(hash)) named.set(hash, board);
    };
    for (const board of this.boards()) {
      if (board === except) continue;
      for (const { value } of this.blocks.getRange({ start: [board, -1], end: [board, MAX] })) search(board, blockText(value));
      for (const key of this.records.getKeys({ start: [board, -1], end: [board, MAX] })) search(board, Buffer.from(this.records.getBinary(key) ?? []));
      if (named.size === hashes.size) break;
    }
    return named;
  }

  subscribe(listener: RecordListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  isReady(): boolean {
    return !this.closed;
  }

  /** The embedded log is ready from open to close. */
  onReadyChange(listener: ReadyListener): () => void {
    this.readyListeners.add(listener);
    return () => this.readyListeners.delete(listener);
  }

  /** The LMDB environment, for stores kept beside the log in it (lmdb-board-status.ts). */
  get environment(): RootDatabase {
    return this.root;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    for (const listener of this.readyListeners) listener(false);
    this.readyListeners.clear();
    // What is durable is packed before the store closes, so a store just
    // written (a seed, an import) is as small as it will be.
    await Promise.allSettled([this.upgrading, ...this.packing.values()]);
    for (const board of this.heads.keys()) await this.pack(board);
    this.closing = true;
    await this.snapshots.close();
    this.files.close();
    await this.root.close();
  }
}
