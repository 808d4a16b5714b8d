/**
 * Stored board states in the embedded log's LMDB environment, sub-database
 * `snapshots`, keyed `[board, pos]` (pos: the last record folded in). Living
 * in the same environment as the records, a stored state can never be
 * ahead of the log on disk; one that is (files copied by hand) is ignored.
 * Only the newest state of a board is kept.
 */
import type { Database, RootDatabase } from 'lmdb';
import type { BoardState } from '../../board/state.ts';
import { LogUnavailableError } from '../board-log.ts';
import { decodeState, encodeState } from './snapshot-codec.ts';
import type { SnapshotStore } from './snapshot-store.ts';

type Key = [string, number];

/** The sub-database's name (benchmarks and tests set up stored states through it). */
export const SNAPSHOTS_DB = 'snapshots';

const MAX = Number.MAX_SAFE_INTEGER;

export class LmdbSnapshots implements SnapshotStore {
  private readonly db: Database<Buffer, Key>;
  private readonly writes = new Set<Promise<unknown>>();
  private closed = false;

  constructor(
    private readonly root: RootDatabase,
    /** The position of a board's last record in the log, -1 for none. */
    private readonly lastPosition: (board: string) => number,
  ) {
    this.db = root.openDB({ name: SNAPSHOTS_DB, encoding: 'binary' });
  }

  async load(board: string): Promise<BoardState | null> {
    if (this.closed) throw new LogUnavailableError('log is closed');
    const last = this.lastPosition(board);
    for (const { key, value } of this.db.getRange({ start: [board, MAX], end: [board, -1], reverse: true })) {
      if (key[1] > last) continue;
      const state = decodeState(value, key[1]);
      if (state) return state;
    }
    return null;
  }

  save(board: string, state: BoardState): Promise<void> {
    if (this.closed) return Promise.reject(new LogUnavailableError('log is closed'));
    const pos = state.pos;
    if (pos < 0) return Promise.resolve();
    const bytes = encodeState(state);
    const older = [...this.db.getKeys({ start: [board, -1], end: [board, MAX] })].filter((key) => key[1] !== pos);
    const write = this.root.transaction(() => {
      this.db.put([board, pos], bytes);
      for (const key of older) this.db.remove(key);
    });
    this.writes.add(write);
    return write.then(
      () => void this.writes.delete(write),
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
