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
 *   records   [board, pos]      -> record body
 *   by-time   [board, ts, pos]  -> null (the timestamp index)
 *   snapshots [board, pos]      -> a stored board state (snapshots/lmdb-snapshots.ts)
 *   files, file-info, board-files  -> pictures on boards (files/lmdb-files.ts)
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { open, type Database, type RootDatabase } from 'lmdb';
import type { LogRecord } from '../protocol/messages.ts';
import { LogUnavailableError, type AppendOptions, type BoardLog, type NewRecord, type ReadyListener, type RecordListener } from './board-log.ts';
import { LmdbSnapshots } from './snapshots/lmdb-snapshots.ts';
import { LmdbFiles } from '../files/lmdb-files.ts';

type Body = Omit<LogRecord, 'board' | 'pos'>;
type Key = [string, number];
type TimeKey = [string, number, number];

export type EmbeddedLogOptions = {
  /**
   * The clock that stamps appends (default Date.now). A tool that writes a
   * simulated session (npm run seed) gives its own; timestamps still never
   * go backwards within a board.
   */
  now?: () => number;
};

const PAGE = 1_000;
const MAX = Number.MAX_SAFE_INTEGER;

export class EmbeddedLog implements BoardLog {
  private readonly root: RootDatabase;
  private readonly records: Database<Body, Key>;
  private readonly byTime: Database<null, TimeKey>;
  readonly snapshots: LmdbSnapshots;
  readonly files: LmdbFiles;
  private readonly listeners = new Set<RecordListener>();
  private readonly readyListeners = new Set<ReadyListener>();
  /** Next position and last timestamp per board, loaded on first append. */
  private readonly heads = new Map<string, { next: number; ts: number }>();
  private closed = false;
  private readonly now: () => number;

  constructor(dir: string, options: EmbeddedLogOptions = {}) {
    this.now = options.now ?? Date.now;
    mkdirSync(dir, { recursive: true });
    this.root = open({ path: join(dir, 'log.lmdb'), overlappingSync: false });
    // Shared msgpack structures: records share a few shapes, and reading a
    // board back (late join, replay) decodes several times faster with them.
    this.records = this.root.openDB({ name: 'records', sharedStructuresKey: Symbol.for('structures') });
    this.byTime = this.root.openDB({ name: 'by-time' });
    this.snapshots = new LmdbSnapshots(this.root, (board) => this.head(board).next - 1);
    this.files = new LmdbFiles(this.root);
  }

  private head(board: string): { next: number; ts: number } {
    let head = this.heads.get(board);
    if (!head) {
      head = { next: 0, ts: 0 };
      for (const { key, value } of this.records.getRange({ start: [board, MAX], end: [board, -1], reverse: true, limit: 1 })) {
        head = { next: key[1] + 1, ts: value.ts };
      }
      this.heads.set(board, head);
    }
    return head;
  }

  async append(input: NewRecord, options: AppendOptions = {}): Promise<LogRecord> {
    if (this.closed) throw new LogUnavailableError('log is closed');
    const head = this.head(input.board);
    const pos = head.next++;
    // Wall clocks step backwards; a board's timestamps must not.
    const ts = (head.ts = Math.max(options.at ?? this.now(), head.ts));
    const { board, ...rest } = input;
    const body: Body = { ...rest, ts };
    await this.root.transaction(() => {
      this.records.put([board, pos], body);
      this.byTime.put([board, ts, pos], null);
    });
    const record: LogRecord = { ...input, pos, ts };
    for (const listener of this.listeners) listener(record);
    return record;
  }

  async *read(board: string, from: number, to = MAX): AsyncIterable<LogRecord[]> {
    let start = Math.max(0, from);
    const end = Math.min(to, MAX);
    for (;;) {
      const page: LogRecord[] = [];
      for (const { key, value } of this.records.getRange({ start: [board, start], end: [board, end], limit: PAGE })) {
        page.push({ board, pos: key[1], ...value });
      }
      if (page.length === 0) return;
      start = page[page.length - 1]!.pos + 1;
      yield page;
      if (page.length < PAGE) return;
    }
  }

  async positionAt(board: string, ts: number): Promise<number> {
    for (const key of this.byTime.getKeys({ start: [board, ts, -1], end: [board, MAX, MAX], limit: 1 })) {
      return key[2];
    }
    return this.head(board).next;
  }

  async erase(_board: string): Promise<void> {
    throw new Error('not yet');
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

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    for (const listener of this.readyListeners) listener(false);
    this.readyListeners.clear();
    await this.snapshots.close();
    this.files.close();
    await this.root.close();
  }
}
