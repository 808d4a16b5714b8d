/**
 * Which boards were deleted, beside the log and never in it (a board's log
 * is what erasure removes). Two backends implement it: an LMDB
 * sub-database in the embedded log's environment (lmdb-board-status.ts)
 * and, on Kafka, a compacted topic `<topic>-status` keyed by board that
 * every instance follows from its start (kafka/kafka-board-status.ts).
 * test/contract/board-status-contract.ts holds both to the same rules.
 *
 * Every instance keeps the statuses in memory, so `get` is a map lookup on
 * every request and join; `onChange` tells it of changes made anywhere
 * (another instance, the operator's CLI) within about a second.
 */

/** A deleted board. Absent status: the board is live. */
export type BoardStatus = {
  /** When it was deleted (epoch ms). */
  deletedAt: number;
  /** Who deleted it: the hash of the owner key (rooms/roles.ts ownerKeyHash), or OPERATOR. */
  by: string;
  /** Until when its owner may restore it (epoch ms); past it, the sweeper erases it. */
  restoreUntil: number;
  /** Set once the log erased it: the id stays gone for good. */
  erasedAt?: number;
};

/** `by` of a board deleted through the operator's CLI (npm run board -- delete). */
export const OPERATOR = 'operator';

export type StatusListener = (board: string, status: BoardStatus | null) => void;

export interface BoardStatusStore {
  /** The board's status as this instance knows it; null while it is live. */
  get(board: string): BoardStatus | null;

  /**
   * Records a status (null: the board is live again, a restore) and
   * resolves once it is durable and `get` answers it on this instance.
   */
  set(board: string, status: BoardStatus | null): Promise<void>;

  /** Every deleted or erased board and its status. */
  all(): ReadonlyMap<string, BoardStatus>;

  /** Calls `listener` whenever a board's status changes, wherever it was changed. Returns an unsubscribe function. */
  onChange(listener: StatusListener): () => void;

  /** Safe to call twice. */
  close(): Promise<void>;
}

/** A status as stored (JSON); null for anything malformed, as the fold ignores what it cannot read. */
export function parseStatus(value: unknown): BoardStatus | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  const finite = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n);
  if (!finite(v.deletedAt) || typeof v.by !== 'string' || !finite(v.restoreUntil)) return null;
  if (v.erasedAt !== undefined && !finite(v.erasedAt)) return null;
  const status: BoardStatus = { deletedAt: v.deletedAt, by: v.by, restoreUntil: v.restoreUntil };
  if (v.erasedAt !== undefined) status.erasedAt = v.erasedAt as number;
  return status;
}

/** Whether two statuses say the same (null: live). */
export function sameStatus(a: BoardStatus | null, b: BoardStatus | null): boolean {
  if (a === null || b === null) return a === b;
  return a.deletedAt === b.deletedAt && a.by === b.by && a.restoreUntil === b.restoreUntil && a.erasedAt === b.erasedAt;
}

/** Calls listeners one by one; one failing does not stop the others. */
export function notify(listeners: Iterable<StatusListener>, board: string, status: BoardStatus | null, onError: (err: unknown) => void): void {
  for (const listener of listeners) {
    try {
      listener(board, status);
    } catch (err) {
      onError(err);
    }
  }
}
