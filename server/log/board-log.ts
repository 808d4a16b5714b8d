/**
 * The log every board lives in. Two backends implement it (embedded LMDB,
 * Kafka); rooms, board state and the web app only ever see this interface,
 * and test/contract/board-log-contract.ts holds both to the same rules.
 */
import type { LogRecord } from '../protocol/messages.ts';
import type { FileStore } from '../files/file-store.ts';
import type { SnapshotStore } from './snapshots/snapshot-store.ts';

/** What a caller appends; the log assigns `pos` and `ts`. */
export type NewRecord = Omit<LogRecord, 'pos' | 'ts'>;

/**
 * An appended record, built field by field: on the path of every record,
 * object rests and spreads are V8's generic copies (the embedded log's
 * append took a quarter less CPU without them, BENCHMARKS.md).
 */
export function appended(input: NewRecord, pos: number, ts: number): LogRecord {
  const { board, user, cid, seq, name, op } = input;
  return name === undefined ? { board, pos, ts, user, cid, seq, op } : { board, pos, ts, user, cid, seq, name, op };
}

export type AppendOptions = {
  /**
   * The record's original time, for a board brought in from elsewhere
   * (import, migrate): kept as its timestamp instead of the time of the
   * append, raised to the board's last timestamp if it is earlier.
   */
  at?: number;
};

export type RecordListener = (record: LogRecord) => void;

/** Where a board is served after partitions moved away: still `here`, or its socket at its new owner (url null: not known yet). */
export type MovedAwayListener = (whereNow: (board: string) => 'here' | { url: string | null }) => void;

/**
 * Which instance serves which board, where several share a Kafka log and
 * each owns some of its partitions (kafka/ownership/partition-owners.ts).
 * Absent where one instance serves every board.
 */
export interface BoardPlacement {
  /** Null when this instance serves the board, else the board's socket URL at the instance that does. Waits while instances rebalance. */
  whereIs(board: string): Promise<string | null>;
  /** Origins of the instances sharing the boards (their PUBLIC_URLs): their pages may open sockets here, and pages here may open sockets there. */
  instanceOrigins(): ReadonlySet<string>;
  /** Whether this instance serves `board` at this moment, without waiting. */
  servesHere(board: string): boolean;
  /** Calls `listener` when partitions moved away from this instance, so that their rooms send their clients on. */
  onMovedAway(listener: MovedAwayListener): () => void;
  /** A clean shutdown: lets the other instances take this one's boards now, and sends its pages to them. */
  handOver(): Promise<void>;
}
export type ReadyListener = (ready: boolean) => void;

export interface BoardLog {
  /**
   * Appends one record and resolves once it is durable. Records appended to
   * one board get increasing positions in call order and non-decreasing
   * timestamps.
   */
  append(record: NewRecord, options?: AppendOptions): Promise<LogRecord>;

  /**
   * Records of one board with `from <= pos < to` (`to` defaults to the end
   * of the log when the read starts), oldest first, in pages.
   */
  read(board: string, from: number, to?: number): AsyncIterable<LogRecord[]>;

  /**
   * A position that splits a board at `ts`: its records before it are
   * exactly those with a timestamp before `ts`. The embedded log answers
   * the position of the first record at or after `ts` (or the one after the
   * last); Kafka the offset of the board's first record at or after `ts`
   * (or the end of its partition), records appended with `at` included.
   */
  positionAt(board: string, ts: number): Promise<number>;

  /**
   * Calls `listener` with every durable record of every board, in position
   * order per board, including those appended through other log instances
   * where the backend is shared (with a `placement`: of every board this
   * instance serves). Returns an unsubscribe function.
   */
  subscribe(listener: RecordListener): () => void;

  /** True while the log can take appends. */
  isReady(): boolean;

  /** Calls `listener` whenever readiness changes (an outage, a recovery, close). */
  onReadyChange(listener: ReadyListener): () => void;

  /**
   * Board states stored beside the log (both backends keep them). Loading a
   * board starts from its newest stored state at or before the position
   * wanted and folds the records after it; see snapshots/snapshot-store.ts
   * and history/load-board.ts.
   */
  readonly snapshots?: SnapshotStore;

  /** Pictures on boards, named by the hash of their bytes (files/file-store.ts): beside the log, never in it. */
  readonly files: FileStore;

  /**
   * Removes everything of a board from the store: its records, stored
   * states and the pictures no other board uses. What remains of it on disk
   * afterwards, and until when, is the backend's to say (README, "Deleting
   * a board"). Rooms must have closed the board first.
   */
  erase(board: string): Promise<void>;

  /**
   * Where instances share the log and each serves some boards (Kafka with
   * partition ownership): which boards this one serves. A board's records
   * reach `subscribe` only on the instance serving it.
   */
  readonly placement?: BoardPlacement;

  /**
   * Where the log is consumed from partitions (Kafka): offsets of each
   * partition the subscription has yet to hand over (for metrics).
   */
  fanoutLag?(): Promise<ReadonlyMap<number, number>>;

  /** The same: records handed to subscribers so far, consumed or on the produce acknowledgement (for metrics). */
  fanoutCounts?(): Readonly<Record<'consumer' | 'ack', number>>;

  /** Produce requests sent so far (Kafka): appends ÷ requests is how well appends batch (for metrics). */
  produceRequests?(): number;

  /** Stops subscriptions and releases the store. Safe to call twice. */
  close(): Promise<void>;
}

/** Raised by `append` when the log cannot take the record (closed, unavailable). */
export class LogUnavailableError extends Error {
  override name = 'LogUnavailableError';
}
