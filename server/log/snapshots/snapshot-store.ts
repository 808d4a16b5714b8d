/**
 * Board states stored beside the log, so that loading a board (a room, a
 * replay seek, a fork, an export) reads one stored state and folds only
 * the records after it, instead of folding the board's whole history.
 *
 * The log stays the truth. A stored state is only ever a fold of records
 * the log holds, and whatever cannot be read (none stored yet, a damaged
 * value, a version this code does not know) is answered as "none" or an
 * older state: the reader then folds more of the log, which is always right.
 *
 * A stored state is complete `through` a position: it holds every record of
 * its board up to it. On the embedded log that is the state's own last
 * record; on Kafka, whose positions are offsets in a partition shared by
 * many boards, it can be further on: the store also notes how far a state
 * is known to stay unchanged, so that a quiet board in a busy partition is
 * still loaded without reading the other boards' records
 * (kafka/kafka-snapshots.ts).
 *
 * Backends: the embedded log's LMDB environment (lmdb-snapshots.ts), and
 * two compacted topics beside the Kafka log (kafka/kafka-snapshots.ts).
 */
import type { BoardState } from '../../board/state.ts';

export type StoredState = {
  /** The caller's to fold on. */
  state: BoardState;
  /** The state holds every record of its board at or before this position (>= state.pos). */
  through: number;
  /** The state as stored (snapshot-codec.ts), when the store has it at hand. */
  bytes?: Uint8Array;
};

export interface SnapshotStore {
  /**
   * The newest readable stored state of a board that is complete through a
   * position at or before `atMost` (default: the newest), or null. `through`
   * is then at most `atMost`: the caller reads the log from `through + 1`.
   */
  load(board: string, atMost?: number): Promise<StoredState | null>;

  /**
   * Stores the state of a board kept current from the log in this process
   * (a room's), as it is at the call: it is encoded before this returns, so
   * the caller may fold on at once. Resolves once durable. A state of an
   * empty board (`pos` -1) is not stored. Resolves with the bytes it wrote,
   * where the store counts them (for metrics).
   */
  save(board: string, state: BoardState): Promise<number | void>;

  /**
   * How many positions a load of the board would read beyond its newest
   * stored state, given its current state: what storing it again would
   * save. Infinity when none is stored. 0 when there is nothing to store.
   */
  lag(board: string, state: BoardState): number;

  /**
   * When the keeper (snapshot-keeper.ts) should store a loaded board, where
   * this store needs other than the keeper's defaults: once `lag` reaches
   * `every`, and on unload once it reaches `onUnload`.
   */
  readonly policy?: { every?: number; onUnload?: number };
}
