/**
 * Presence across instances: what rooms of this instance share through a
 * PresenceBus, and what they learn from the others (remote-presence.ts).
 *
 * - People: a board's local list goes out whenever it changes, and again
 *   every HEARTBEAT_MS while anyone is on the board here, so that other
 *   instances can tell a live instance from a dead one.
 * - Cursors: coalesced per board, at most one frame per CURSOR_INTERVAL_MS
 *   carrying the latest position of each cursor that moved. A pen moves at
 *   60-240 Hz per person; 20 Hz is smooth enough for someone else's pointer
 *   and keeps the topic's traffic to one frame per board, not per person.
 * - Views (of pages someone follows) and laser points: every one, in
 *   order, batched per board like cursors.
 * - Closing says goodbye at once: an empty list for every board, so people
 *   leave other instances' lists without waiting for the expiry.
 */
import type { Logger } from '../logger.ts';
import type { Participant } from '../protocol/messages.ts';
import { MAX_FRAME_ENTRIES, type CursorPosition, type PresenceBus, type Signal } from './presence-bus.ts';
import { RemotePresence, type RemoteListener } from './remote-presence.ts';

export const CURSOR_INTERVAL_MS = 50;
export const HEARTBEAT_MS = 1_000;
const SWEEP_MS = 250;

export class SharedPresence {
  private readonly remote: RemotePresence;
  private readonly listeners = new Set<RemoteListener>();
  /** The list last sent per board that has people here, as JSON to compare. */
  private readonly local = new Map<string, { people: Participant[]; key: string }>();
  /** Cursor moves not yet sent, and when each board's last cursor frame went. */
  private readonly moved = new Map<string, Map<string, CursorPosition>>();
  private readonly cursorTimers = new Map<string, NodeJS.Timeout>();
  private readonly lastCursorFrame = new Map<string, number>();
  private readonly signals = new Map<string, Signal[]>();
  private readonly signalTimers = new Map<string, NodeJS.Timeout>();
  private readonly timers: NodeJS.Timeout[];
  private readonly unsubscribe: () => void;
  private closed = false;

  constructor(
    private readonly bus: PresenceBus,
    logger: Logger,
  ) {
    // Rooms come and go; they hear remote changes through one listener set.
    this.remote = new RemotePresence({
      peopleChanged: (board) => this.tell((l) => l.peopleChanged(board)),
      cursorMoved: (board, cid, x, y) => this.tell((l) => l.cursorMoved(board, cid, x, y)),
      signal: (board, signal) => this.tell((l) => l.signal(board, signal)),
    });
    this.unsubscribe = bus.subscribe((from, frame) => {
      try {
        this.remote.heard(from, frame);
      } catch (err) {
        logger.error({ err, from, board: frame.board }, 'presence frame handling failed');
      }
    });
    this.timers = [setInterval(() => this.heartbeat(), HEARTBEAT_MS), setInterval(() => this.remote.sweep(), SWEEP_MS)];
    for (const timer of this.timers) timer.unref();
  }

  /** Listens to other instances' people and cursors (Rooms routes them to its rooms). */
  onRemote(listener: RemoteListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The board's people on other instances. */
  remotePeople(board: string): Participant[] {
    return this.remote.people(board);
  }

  /** The board's people here, as its room lists them; sent on only when they changed. */
  localPeople(board: string, people: Participant[]): void {
    if (this.closed) return;
    const listed = people.slice(0, MAX_FRAME_ENTRIES);
    const key = JSON.stringify(listed);
    if ((this.local.get(board)?.key ?? '[]') === key) return;
    if (listed.length > 0) this.local.set(board, { people: listed, key });
    else this.local.delete(board);
    this.bus.publish({ t: 'people', board, people: listed });
  }

  /** A local editor's cursor moved (null: it left the board); goes out with the board's next cursor frame. */
  localCursor(board: string, cid: string, x: number | null, y: number | null): void {
    if (this.closed) return;
    let moved = this.moved.get(board);
    if (!moved) this.moved.set(board, (moved = new Map()));
    moved.set(cid, { cid, x, y });
    if (this.cursorTimers.has(board)) return;
    const wait = Math.max(0, (this.lastCursorFrame.get(board) ?? 0) + CURSOR_INTERVAL_MS - Date.now());
    this.cursorTimers.set(board, setTimeout(() => this.sendCursors(board), wait));
  }

  /**
   * A local page's view or laser point: every one goes out, in order (a
   * laser trail is its points), in the board's next signals frame, at most
   * one per CURSOR_INTERVAL_MS.
   */
  localSignal(board: string, signal: Signal): void {
    if (this.closed) return;
    let queued = this.signals.get(board);
    if (!queued) this.signals.set(board, (queued = []));
    if (queued.length < MAX_FRAME_ENTRIES) queued.push(signal);
    if (this.signalTimers.has(board)) return;
    this.signalTimers.set(
      board,
      setTimeout(() => {
        this.signalTimers.delete(board);
        const signals = this.signals.get(board);
        this.signals.delete(board);
        if (signals && !this.closed) this.bus.publish({ t: 'signals', board, signals });
      }, CURSOR_INTERVAL_MS),
    );
  }

  private sendCursors(board: string): void {
    this.cursorTimers.delete(board);
    const moved = this.moved.get(board);
    this.moved.delete(board);
    if (!moved || this.closed) return;
    this.lastCursorFrame.set(board, Date.now());
    this.bus.publish({ t: 'cursors', board, cursors: [...moved.values()].slice(0, MAX_FRAME_ENTRIES) });
  }

  private heartbeat(): void {
    for (const [board, { people }] of this.local) this.bus.publish({ t: 'people', board, people });
    // Boards whose cursors went quiet need not be remembered.
    const now = Date.now();
    for (const [board, at] of this.lastCursorFrame) if (now - at > CURSOR_INTERVAL_MS) this.lastCursorFrame.delete(board);
  }

  private tell(call: (listener: RemoteListener) => void): void {
    for (const listener of this.listeners) call(listener);
  }

  /** Says goodbye on every board (the bus sends it before it closes) and stops. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearInterval(timer);
    for (const timer of this.cursorTimers.values()) clearTimeout(timer);
    for (const timer of this.signalTimers.values()) clearTimeout(timer);
    this.unsubscribe();
    this.listeners.clear();
    for (const board of this.local.keys()) this.bus.publish({ t: 'people', board, people: [] });
    this.local.clear();
  }
}
