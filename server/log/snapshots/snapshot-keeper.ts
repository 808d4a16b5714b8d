/**
 * Decides when the state of a loaded board is stored: once a load would
 * read enough positions past its newest stored state (the store's `lag`:
 * the board's own records on the embedded log, offsets of its shared
 * partition on Kafka), a little later (so a late joiner's welcome and live
 * records go out first: encoding a board of a million points takes 20-40
 * ms), and when its room unloads or the server stops. On Kafka a quiet
 * board's lag grows with other boards' records, so boards are also checked
 * every second, not only when they fold a record. One save per board at a
 * time; a failed save is logged and tried again later, since the log, not
 * the store, is the truth.
 */
import type { BoardState } from '../../board/state.ts';
import type { Logger } from '../../logger.ts';
import type { Metrics } from '../../metrics/metrics.ts';
import type { SnapshotStore } from './snapshot-store.ts';

export type KeeperSettings = {
  /** Store a loaded board once a load would read this many positions past its stored state. */
  every: number;
  /** On unload, store it if a load would read at least this many positions past its stored state. */
  onUnload: number;
  /** Wait this long before storing, so the save does not hold up what the room is sending. */
  delayMs: number;
  /** After a failed save, wait this long before the board's next one. */
  retryMs: number;
};

/**
 * Every 20,000 records: folding that many from LMDB takes 30-60 ms of a
 * cold load here, while a save holds the event loop for 20-40 ms on a
 * board of a million points. See BENCHMARKS.md.
 */
export const DEFAULT_KEEPER_SETTINGS: KeeperSettings = { every: 20_000, onUnload: 1_000, delayMs: 1_000, retryMs: 60_000 };

type Kept = { state: BoardState; saving: boolean; timer: NodeJS.Timeout | null; failedAt: number };

const CHECK_EVERY_MS = 1_000;

export class SnapshotKeeper {
  private readonly boards = new Map<string, Kept>();
  private readonly checker: NodeJS.Timeout;

  constructor(
    private readonly store: SnapshotStore,
    private readonly logger: Logger,
    /** False while nothing should be written (the disk is nearly full). */
    private readonly canWrite: () => boolean,
    private readonly settings: KeeperSettings = DEFAULT_KEEPER_SETTINGS,
    /** Counts the states stored and their bytes. */
    private readonly metrics?: Pick<Metrics, 'stateStored'>,
  ) {
    this.checker = setInterval(() => {
      for (const board of this.boards.keys()) this.folded(board);
    }, CHECK_EVERY_MS);
    this.checker.unref();
  }

  /** A board was loaded: `state` is its room's live state. */
  track(board: string, state: BoardState): void {
    this.boards.set(board, { state, saving: false, timer: null, failedAt: -Infinity });
    this.folded(board);
  }

  /** Records were folded into a board's state. Cheap: called for every record. */
  folded(board: string): void {
    const kept = this.boards.get(board);
    if (!kept || kept.saving || kept.timer || this.store.lag(board, kept.state) < this.settings.every) return;
    if (performance.now() - kept.failedAt < this.settings.retryMs) return;
    kept.timer = setTimeout(() => {
      kept.timer = null;
      this.save(board, kept);
    }, this.settings.delayMs);
    kept.timer.unref();
  }

  /** The board's room unloads: its state is stored if enough of it is not (and `save`: not for a deleted board), and the board forgotten. */
  untrack(board: string, save = true): void {
    const kept = this.boards.get(board);
    if (!kept) return;
    this.boards.delete(board);
    if (kept.timer) clearTimeout(kept.timer);
    kept.timer = null;
    if (save && !kept.saving && this.store.lag(board, kept.state) >= this.settings.onUnload) this.save(board, kept);
  }

  /** Unloads every board (the server stops; the log waits for the writes before it closes). */
  untrackAll(): void {
    clearInterval(this.checker);
    for (const board of [...this.boards.keys()]) this.untrack(board);
  }

  private save(board: string, kept: Kept): void {
    if (!this.canWrite()) return;
    const pos = kept.state.pos;
    const started = performance.now();
    kept.saving = true;
    let write: Promise<number | void>;
    try {
      write = this.store.save(board, kept.state);
    } catch (err) {
      write = Promise.reject(err);
    }
    const encodeMs = performance.now() - started;
    write
      .then(
        (bytes) => {
          this.metrics?.stateStored(bytes);
          this.logger.debug({ board, pos, encodeMs: Math.round(encodeMs), ms: Math.round(performance.now() - started) }, 'board state stored');
        },
        (err: unknown) => {
          kept.failedAt = performance.now();
          this.logger.warn({ board, pos, err }, 'storing the board state failed; the log still has it all');
        },
      )
      .finally(() => {
        kept.saving = false;
        if (this.boards.get(board) === kept) this.folded(board);
      });
  }
}
