/**
 * Board statuses in the embedded log's LMDB environment, sub-database
 * `board-status` (board -> BoardStatus), so that one backup of DATA_DIR
 * holds them with the boards.
 *
 * The statuses are kept in memory and read again from LMDB every
 * `pollMs`: the operator's CLI (npm run board) writes them from another
 * process, and the server must close the board's pages within a second.
 * Deleted boards are few; reading them all is cheap.
 */
import type { Database, RootDatabase } from 'lmdb';
import { LogUnavailableError } from './board-log.ts';
import { notify, parseStatus, sameStatus, type BoardStatus, type BoardStatusStore, type StatusListener } from './board-status.ts';

export class LmdbBoardStatus implements BoardStatusStore {
  private readonly db: Database<unknown, string>;
  private known = new Map<string, BoardStatus>();
  private readonly listeners = new Set<StatusListener>();
  private readonly timer: NodeJS.Timeout;
  private closed = false;

  constructor(
    root: RootDatabase,
    private readonly onError: (err: unknown) => void = () => undefined,
    pollMs = 1_000,
  ) {
    this.db = root.openDB({ name: 'board-status' });
    this.known = this.read();
    this.timer = setInterval(() => this.poll(), pollMs);
    this.timer.unref();
  }

  private read(): Map<string, BoardStatus> {
    const statuses = new Map<string, BoardStatus>();
    for (const { key, value } of this.db.getRange()) {
      const status = parseStatus(value);
      if (status) statuses.set(key, status);
    }
    return statuses;
  }

  /** Takes in what another process wrote. */
  private poll(): void {
    if (this.closed) return;
    let now: Map<string, BoardStatus>;
    try {
      now = this.read();
    } catch (err) {
      this.onError(err);
      return;
    }
    const before = this.known;
    this.known = now;
    for (const [board, status] of now) if (!sameStatus(before.get(board) ?? null, status)) notify(this.listeners, board, status, this.onError);
    for (const board of before.keys()) if (!now.has(board)) notify(this.listeners, board, null, this.onError);
  }

  get(board: string): BoardStatus | null {
    return this.known.get(board) ?? null;
  }

  async set(board: string, status: BoardStatus | null): Promise<void> {
    if (this.closed) throw new LogUnavailableError('log is closed');
    if (status) await this.db.put(board, { ...status });
    else await this.db.remove(board);
    const before = this.known.get(board) ?? null;
    if (status) this.known.set(board, status);
    else this.known.delete(board);
    if (!sameStatus(before, status)) notify(this.listeners, board, status, this.onError);
  }

  all(): ReadonlyMap<string, BoardStatus> {
    return this.known;
  }

  onChange(listener: StatusListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    this.listeners.clear();
  }
}
