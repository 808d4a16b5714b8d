/**
 * Board states stored beside the log, so that loading a board reads its
 * newest stored state and folds only the records after it, instead of
 * folding its whole history (a board of a million points is half a million
 * records).
 *
 * The log stays the truth. A stored state is only ever a fold of records
 * the log holds, and whatever cannot be read (none stored yet, a damaged
 * value, a version this code does not know) is answered as "none": the
 * reader then folds the log from its start, which is always right.
 *
 * The embedded log keeps them in its own LMDB environment
 * (lmdb-snapshots.ts); Kafka has none yet and reads every board whole.
 */
import type { BoardState } from '../../board/state.ts';

export interface SnapshotStore {
  /**
   * The newest stored state of a board that can be read, folded up to and
   * including its `pos`, or null. The state is the caller's to fold on.
   */
  load(board: string): Promise<BoardState | null>;

  /**
   * Stores a board's state as it is at the call (it is encoded before this
   * returns, so the caller may fold on at once) and resolves once durable.
   * Older stored states of the board are dropped. A state of an empty
   * board (`pos` -1) is not stored.
   */
  save(board: string, state: BoardState): Promise<void>;
}
