/**
 * Stored board states in the embedded log's LMDB environment, sub-database
 * `snapshots`, keyed `[board, pos]` (pos: the last record folded in). Living
 * in the same environment as the records, a stored state can never be
 * ahead of the log on disk; one that is (files copied by hand) is ignored.
 * Older states are kept: a replay seek or a fork starts from the newest
 * state at or before its moment. The keeper stores a loaded board every
 * 20,000 of its records, so a seek folds at most that many.
 */
import type { Database, RootDatabase } from 'lmdb';
import type { BoardState } from '../../board/state.ts';
import { LogUnavailableError } from '../board-log.ts';
import { decodeState, encodeState } from './snapshot-codec.ts';
import type { SnapshotStore, StoredState } from './snapshot-store.ts';

type Key = [string, number];

/** The sub-database's name (benchmarks and tests set up stored states through it). */
export const SNAPSHOTS_DB = 'snapshots';

const MAX = Number.MAX_SAFE_INTEGER;

export class LmdbSnapshots implements SnapshotStore {
  private readonly db: Database<Buffer, Key>;
  private readonly writes = new Set<Promise<unknown>>();
  /** Position of each board's newest stored state (-1: none), as far as this process asked or stored. */
  private readonly newest = new Map<string, number>();
  private closed = false;

  constructor(
    private readonly root: RootDatabase,
    /** The position of a board's last record in the log, -1 for none. */
    private readonly lastPosition: (board: string) => number,
  ) {
    this.db = root.openDB({ name: SNAPSHOTS_DB, encoding: 'binary' });
  }

  async load(board: string, atMost = MAX): Promise<StoredState | null> {
    if (this.closed) throw new LogUnavailableError('log is closed');
    const last = Math.min(this.lastPosition(board), atMost);
    let found: StoredState | null = null;
    for (const { key, value } of this.db.getRange({ start: [board, last], end: [board, -1], reverse: true })) {
      const state = decodeState(value, key[1]);
      if (state) {
        // A copy: LMDB may reuse the buffer it read into.
        found = { state, through: key[1], bytes: Buffer.from(value) };
        break;
      }
    }
    // What the newest load found is what counts as stored (lag): a state
    // that cannot be read (another version, damaged) is stored over.
    if (atMost >= MAX) this.newest.set(board, found?.through ?? -1);
    return found;
  }

  lag(board: string, state: BoardState): number {
    let newest = this.newest.get(board);
    if (newest === undefined) {
      newest = -1;
      for (const key of this.db.getKeys({ start: [board, MAX], end: [board, -1], reverse: true, limit: 1 })) newest = key[1];
      this.newest.set(board, newest);
    }
    return newest < 0 ? Infinity : Math.max(0, state.pos - newest);
  }

  save(board: string, state: BoardState): Promise<void> {
    if (this.closed) return Promise.reject(new LogUnavailableError('log is closed'));
    const pos = state.pos;
    if (pos < 0) return Promise.resolve();
    const bytes = encodeState(state);
    const write = this.db.put([board, pos], bytes);
    this.writes.add(write);
    return write.then(
      () => {
        this.writes.delete(write);
        this.newest.set(board, Math.max(pos, this.newest.get(board) ?? -1));
      },
      (err: unknown) => {
        this.writes.delete(write);
        throw err;
      },
    );
  }

  /** Refuses new work and waits for the writes in flight (before the environment closes). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.writes]);
  }
}
