/**
 * The log every board lives in. Two backends implement it (embedded LMDB,
 * Kafka); rooms, board state and the web app only ever see this interface,
 * and test/contract/board-log-contract.ts holds both to the same rules.
 */
import type { LogRecord } from '../protocol/messages.ts';
import type { SnapshotStore } from './snapshots/snapshot-store.ts';

/** What a caller appends; the log assigns `pos` and `ts`. */
export type NewRecord = Omit<LogRecord, 'pos' | 'ts'>;

export type RecordListener = (record: LogRecord) => void;
export type ReadyListener = (ready: boolean) => void;

export interface BoardLog {
  /**
   * Appends one record and resolves once it is durable. Records appended to
   * one board get increasing positions in call order and non-decreasing
   * timestamps.
   */
  append(record: NewRecord): Promise<LogRecord>;

  /** Records of one board with `pos >= from`, oldest first, in pages. */
  read(board: string, from: number): AsyncIterable<LogRecord[]>;

  /**
   * The position to read from to see a board as of `ts`: the first record
   * with a timestamp at or after `ts`, or the position after the last record
   * when there is none.
   */
  positionAt(board: string, ts: number): Promise<number>;

  /**
   * Calls `listener` with every durable record of every board, in position
   * order per board, including those appended through other log instances
   * where the backend is shared. Returns an unsubscribe function.
   */
  subscribe(listener: RecordListener): () => void;

  /** True while the log can take appends. */
  isReady(): boolean;

  /** Calls `listener` whenever readiness changes (an outage, a recovery, close). */
  onReadyChange(listener: ReadyListener): () => void;

  /**
   * Board states stored beside the log, when the backend keeps them (the
   * embedded log does; Kafka reads every board from its start). Loading a
   * board starts from its newest stored state and folds the records after
   * it; see snapshots/snapshot-store.ts.
   */
  readonly snapshots?: SnapshotStore;

  /** Stops subscriptions and releases the store. Safe to call twice. */
  close(): Promise<void>;
}

/** Raised by `append` when the log cannot take the record (closed, unavailable). */
export class LogUnavailableError extends Error {
  override name = 'LogUnavailableError';
}
