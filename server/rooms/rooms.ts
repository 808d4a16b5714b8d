/**
 * All live rooms of this process. Owns the single log subscription and
 * routes each record to its board's room; boards nobody is on are not kept.
 * Where the log stores board states, it has them stored now and then
 * (log/snapshots/snapshot-keeper.ts), so that loading a board again folds
 * only what came after.
 */
import type { BoardState } from '../board/state.ts';
import type { Logger } from '../logger.ts';
import type { BoardLog, MovedAwayListener } from '../log/board-log.ts';
import { DEFAULT_KEEPER_SETTINGS, SnapshotKeeper, type KeeperSettings } from '../log/snapshots/snapshot-keeper.ts';
import { CLOSE, type Deleted, type Role } from '../protocol/messages.ts';
import { Room, type RoomOptions } from './room.ts';

export class Rooms {
  private readonly rooms = new Map<string, Room>();
  private readonly idleTimers = new Map<string, NodeJS.Timeout>();
  private readonly unsubscribe: () => void;
  private readonly unwatchReady: () => void;
  private readonly unwatchPresence: () => void;
  private readonly unwatchPlacement: () => void;
  private readonly keeper: SnapshotKeeper | null;

  constructor(
    private readonly log: BoardLog,
    private readonly logger: Logger,
    private readonly roomOptions: RoomOptions,
    /** How long an empty room stays loaded, so a reload does not refold the board. */
    private readonly idleMs = 30_000,
    keeperSettings: Partial<KeeperSettings> = {},
  ) {
    // Stored states take disk space too: none while appends are refused for it.
    const store = log.snapshots;
    const settings = { ...DEFAULT_KEEPER_SETTINGS, ...store?.policy, ...keeperSettings };
    this.keeper = store ? new SnapshotKeeper(store, logger, () => roomOptions.storageProblem() === null, settings, roomOptions.metrics) : null;
    this.unsubscribe = log.subscribe((rec) => {
      const room = this.rooms.get(rec.board);
      if (!room) return;
      room.onRecord(rec);
      this.keeper?.folded(rec.board);
    });
    // Without the log nothing can be saved: clients go back to reconnecting
    // (keeping their unsaved work) until it is back.
    this.unwatchReady = log.onReadyChange((ready) => {
      if (!ready) this.disconnectAll(CLOSE.unavailable, 'board storage is unavailable; reconnecting');
    });
    // Other instances' people and cursors go to the board's room, if it is loaded here.
    this.unwatchPresence =
      roomOptions.presence?.onRemote({
        peopleChanged: (board) => this.rooms.get(board)?.remotePeopleChanged(),
        cursorMoved: (board, cid, x, y) => this.rooms.get(board)?.remoteCursor(cid, x, y),
        signal: (board, signal) => this.rooms.get(board)?.remoteSignal(signal),
      }) ?? (() => undefined);
    // Partitions moved to other instances (Kafka, partition ownership): their boards' pages follow them.
    this.unwatchPlacement = log.placement?.onMovedAway((whereNow) => this.sendAway(whereNow)) ?? (() => undefined);
  }

  /**
   * Boards now served by another instance: their pages are told where
   * (`moved`) and reconnect there with their outboxes; the rooms unload
   * without storing their states (the new owner stores them from now on).
   */
  private sendAway(whereNow: Parameters<MovedAwayListener>[0]): void {
    for (const [board, room] of this.rooms) {
      const where = whereNow(board);
      if (where === 'here') continue;
      for (const session of room.sessions) {
        if (where.url) {
          session.send({ t: 'moved', url: where.url });
          session.close(CLOSE.moved, 'this board is served by another instance now');
        } else {
          session.close(CLOSE.unavailable, 'this board is moving to another instance; reconnecting');
        }
      }
      clearTimeout(this.idleTimers.get(board));
      this.idleTimers.delete(board);
      this.rooms.delete(board);
      this.keeper?.untrack(board, false);
    }
  }

  /** Closes every client's socket; rooms stay loaded and keep following the log. */
  disconnectAll(code: number, reason: string): void {
    for (const room of this.rooms.values()) {
      for (const session of room.sessions) session.close(code, reason);
    }
  }

  /** Whether a board was deleted, and what a page holding this owner key is told (deletion/board-deletion.ts); set by the app. */
  gone: (board: string, ownerHash: string | null) => Deleted | null = () => null;

  /** A board was deleted: its pages here are told and closed, and it is unloaded without storing its state. */
  closeGone(board: string): void {
    const room = this.rooms.get(board);
    if (!room) return;
    for (const session of room.sessions) {
      const message = this.gone(board, session.keys.ownerHash);
      if (message) session.send(message);
      session.close(CLOSE.gone, 'this board was deleted');
    }
    clearTimeout(this.idleTimers.get(board));
    this.idleTimers.delete(board);
    this.rooms.delete(board);
    this.keeper?.untrack(board, false);
  }

  /** The room of a board, loading it from the log on first use. */
  /** Whether this instance serves `board` now (always, without partition ownership). */
  servesHere(board: string): boolean {
    return this.log.placement?.servesHere(board) ?? true;
  }

  open(board: string): Room {
    clearTimeout(this.idleTimers.get(board));
    this.idleTimers.delete(board);
    let room = this.rooms.get(board);
    if (!room) {
      const created = (room = new Room(board, this.log, this.logger, this.roomOptions));
      this.rooms.set(board, room);
      room.loaded.then(
        () => {
          if (this.rooms.get(board) === created) this.keeper?.track(board, created.state);
        },
        (err: unknown) => {
          this.logger.error({ board, err }, 'board failed to load');
          this.rooms.delete(board);
        },
      );
    }
    return room;
  }

  /** Called when a session left; unloads the room once it stayed empty. */
  release(room: Room): void {
    if (room.sessions.size > 0 || this.idleTimers.has(room.board)) return;
    const timer = setTimeout(() => {
      this.idleTimers.delete(room.board);
      if (room.sessions.size === 0 && this.rooms.get(room.board) === room) {
        this.rooms.delete(room.board);
        this.keeper?.untrack(room.board);
      }
    }, this.idleMs);
    timer.unref();
    this.idleTimers.set(room.board, timer);
  }

  /** Whether the log takes appends now; clients are turned away otherwise. */
  /** The board's state when it is loaded here (kept current from the log), else null. */
  loadedState(board: string): BoardState | null {
    const room = this.rooms.get(board);
    return room?.isLoaded ? room.state : null;
  }

  /** Boards loaded here and their clients by role, for metrics (metrics/metrics.ts). */
  census(): { boards: number; clients: Record<Role, number> } {
    const clients: Record<Role, number> = { owner: 0, editor: 0, viewer: 0 };
    let boards = 0;
    for (const room of this.rooms.values()) {
      if (room.isLoaded) boards++;
      for (const session of room.sessions) if (session.joined) clients[session.role]++;
    }
    return { boards, clients };
  }

  get available(): boolean {
    return this.log.isReady();
  }

  /** Closes every client (they reconnect elsewhere or later) and stops listening. */
  close(code: number, reason: string): void {
    this.unsubscribe();
    this.unwatchReady();
    this.unwatchPresence();
    this.unwatchPlacement();
    for (const timer of this.idleTimers.values()) clearTimeout(timer);
    this.disconnectAll(code, reason);
    // The log waits for these writes before it closes, so a restart loads fast.
    this.keeper?.untrackAll();
    this.rooms.clear();
  }
}
