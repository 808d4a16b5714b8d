/**
 * Deleting a board, restoring it, and erasing it for good.
 *
 * A deletion is a status beside the log (log/board-status.ts), never a
 * record in it: the board's log is what erasure removes. From the moment
 * the status is written, every instance answers the board with 410 Gone
 * (routes/deletion.ts) and closes its pages (rooms/rooms.ts); its owner may
 * restore it until `restoreUntil`. Past that, the sweeper (any instance may
 * run it: erasing is idempotent) erases the board from the log and marks it
 * erased, and the id stays gone for good, so that nobody else starts a
 * fresh board under it.
 */
import type { Logger } from '../logger.ts';
import type { BoardLog } from '../log/board-log.ts';
import { OPERATOR, type BoardStatus, type BoardStatusStore } from '../log/board-status.ts';
import type { Deleted } from '../protocol/messages.ts';

const DAY_MS = 24 * 3600_000;

export type DeletionSettings = {
  /** How long the owner may restore a deleted board (BOARD_RESTORE_DAYS). */
  restoreMs: number;
  /** How often the sweeper looks for boards to erase. */
  sweepEveryMs: number;
};

export const DEFAULT_DELETION: DeletionSettings = { restoreMs: 7 * DAY_MS, sweepEveryMs: 60_000 };

/** Why a delete, restore or erase did nothing; routes turn it into a status code. */
export type Refusal = { status: 403 | 409 | 410; error: string };

/**
 * What a deleted board's page is told (protocol/messages.ts `deleted`):
 * until when it can be restored only when that page holds the key that
 * deleted it (`ownerHash`), and only until it is erased.
 */
export function deletedMessage(status: BoardStatus, ownerHash: string | null): Deleted {
  const by = status.by === OPERATOR ? 'operator' : 'owner';
  return status.erasedAt === undefined && ownerHash !== null && ownerHash === status.by ? { t: 'deleted', by, restoreUntil: status.restoreUntil } : { t: 'deleted', by };
}

export class BoardDeletion {
  private sweepTimer: NodeJS.Timeout | null = null;
  private sweeping: Promise<void> | null = null;
  private closed = false;
  /** The files put on deleted boards, gathered again whenever a status changes. */
  private deletedFiles: Promise<Set<string>> | null = null;
  private readonly unwatch: () => void;

  constructor(
    private readonly log: BoardLog,
    readonly status: BoardStatusStore,
    readonly settings: DeletionSettings,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.unwatch = status.onChange(() => (this.deletedFiles = null));
  }

  /** The board's status while it is deleted or erased; null while it is live. */
  gone(board: string): BoardStatus | null {
    return this.status.get(board);
  }

  /** Deletes a live board; `by` is the hash of the owner key that asked, or OPERATOR. Whether `by` owns it is the caller's to check. */
  async delete(board: string, by: string): Promise<BoardStatus | Refusal> {
    if (this.gone(board)) return { status: 410, error: 'this board is deleted already' };
    const deletedAt = this.now();
    const status: BoardStatus = { deletedAt, by, restoreUntil: deletedAt + this.settings.restoreMs };
    await this.status.set(board, status);
    this.logger.info({ board, by: by === OPERATOR ? OPERATOR : 'owner', restoreUntil: new Date(status.restoreUntil).toISOString() }, 'board deleted');
    return status;
  }

  /** Brings a deleted board back, while it can be; `by` must be who deleted it (the owner's key hash, or OPERATOR). */
  async restore(board: string, by: string): Promise<null | Refusal> {
    const status = this.gone(board);
    if (!status) return { status: 409, error: 'this board is not deleted' };
    if (status.erasedAt !== undefined || status.restoreUntil <= this.now()) return { status: 410, error: 'this board was erased and can no longer be restored' };
    if (by !== OPERATOR && by !== status.by) {
      return { status: 403, error: status.by === OPERATOR ? "this board was deleted by the server's operator; only they can restore it" : 'only the owner link restores this board' };
    }
    await this.status.set(board, null);
    this.logger.info({ board }, 'board restored');
    return null;
  }

  /**
   * Erases a board from the log now, deleted or not (the operator's CLI;
   * the sweeper, past the restore window). Idempotent: a board erased
   * already is erased again, which removes nothing more.
   */
  async erase(board: string): Promise<BoardStatus> {
    let status = this.gone(board);
    const now = this.now();
    // Marked gone (and past its window) first: nobody reads or restores it while it is erased.
    if (!status || status.restoreUntil > now) {
      status = { deletedAt: status?.deletedAt ?? now, by: status?.by ?? OPERATOR, restoreUntil: now };
      await this.status.set(board, status);
    }
    await this.log.erase(board);
    const erased: BoardStatus = { ...status, erasedAt: status.erasedAt ?? this.now() };
    await this.status.set(board, erased);
    this.logger.info({ board }, 'board erased');
    return erased;
  }

  /** Erases every board past its restore window that is not erased yet; a failure is logged and tried again at the next sweep. */
  sweep(): Promise<void> {
    this.sweeping ??= (async () => {
      const now = this.now();
      for (const [board, status] of [...this.status.all()]) {
        if (this.closed) return;
        if (status.erasedAt !== undefined || status.restoreUntil > now) continue;
        try {
          await this.erase(board);
        } catch (err) {
          this.logger.warn({ board, err }, 'erasing a deleted board failed; trying again at the next sweep');
        }
      }
    })().finally(() => (this.sweeping = null));
    return this.sweeping;
  }

  /** Sweeps every `sweepEveryMs` until closed. */
  startSweeping(): void {
    if (this.sweepTimer || this.closed) return;
    this.sweepTimer = setInterval(() => void this.sweep(), this.settings.sweepEveryMs);
    this.sweepTimer.unref();
  }

  /**
   * Whether a stored file is gone with its boards: some deleted board has
   * it and no live board does. (A picture only pasted onto another board,
   * never uploaded there, goes with the board it was uploaded to, as
   * erasure removes it.)
   */
  async fileGone(hash: string): Promise<boolean> {
    if (this.status.all().size === 0) return false;
    // Most pictures asked for are on no deleted board: known from the deleted boards' own lists.
    this.deletedFiles ??= this.filesOfDeleted();
    if (!(await this.deletedFiles).has(hash)) return false;
    const boards = await this.log.files.boardsOf(hash);
    return boards.every((board) => this.gone(board) !== null);
  }

  private async filesOfDeleted(): Promise<Set<string>> {
    const hashes = new Set<string>();
    for (const board of this.status.all().keys()) for (const hash of (await this.log.files.boardFiles(board)).keys()) hashes.add(hash);
    return hashes;
  }

  /** Stops the sweeper and waits for a sweep under way. The store is the caller's to close. */
  async close(): Promise<void> {
    this.closed = true;
    this.unwatch();
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    await this.sweeping;
  }
}
