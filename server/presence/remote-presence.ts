/**
 * The people other instances have on each board, as their presence frames
 * say. An instance that sends no `people` frame for a board for EXPIRE_MS
 * (it was killed, or lost the broker) is forgotten there: its people leave
 * the list and their cursors are hidden, as when someone closes their tab.
 */
import type { Participant } from '../protocol/messages.ts';
import type { PresenceFrame, Signal } from './presence-bus.ts';

/** Instances send their lists every second; three missed heartbeats and a half mean it is gone. */
export const EXPIRE_MS = 3_500;

/** What rooms hear about other instances' people. */
export type RemoteListener = {
  /** The remote people of `board` changed: lists are sent again. */
  peopleChanged(board: string): void;
  /** A remote editor's cursor moved; null when it left the board or its person left. */
  cursorMoved(board: string, cid: string, x: number | null, y: number | null): void;
  /** A remote page's view or laser point. */
  signal(board: string, signal: Signal): void;
};

type Heard = { people: Participant[]; key: string; at: number };

export class RemotePresence {
  /** board → sending instance → its people there and when that was last heard. */
  private readonly boards = new Map<string, Map<string, Heard>>();

  constructor(
    private readonly listener: RemoteListener,
    private readonly now: () => number = Date.now,
  ) {}

  /** The board's people on other instances, each once. */
  people(board: string): Participant[] {
    const instances = this.boards.get(board);
    if (!instances) return [];
    const byCid = new Map<string, Participant>();
    for (const { people } of instances.values()) for (const p of people) if (!byCid.has(p.cid)) byCid.set(p.cid, p);
    return [...byCid.values()];
  }

  /** A frame from instance `from`. */
  heard(from: string, frame: PresenceFrame): void {
    if (frame.t === 'people') return this.replace(frame.board, from, frame.people);
    // Only the cursors of people the sender lists as drawing: a frame that
    // lags behind its person's departure (or its instance's expiry) must not
    // leave a cursor nobody will ever hide, and viewers' cursors are not shown.
    const listed = this.boards.get(frame.board)?.get(from)?.people;
    if (!listed) return;
    if (frame.t === 'signals') {
      for (const s of frame.signals) {
        const person = listed.find((p) => p.cid === s.cid);
        // Views of anyone listed; laser points only of those who may draw, as cursors.
        if (person && ('view' in s || person.role !== 'viewer')) this.listener.signal(frame.board, s);
      }
      return;
    }
    for (const c of frame.cursors) {
      if (listed.some((p) => p.cid === c.cid && p.role !== 'viewer')) this.listener.cursorMoved(frame.board, c.cid, c.x, c.y);
    }
  }

  /** Forgets instances not heard from for EXPIRE_MS; called every few hundred milliseconds. */
  sweep(): void {
    const now = this.now();
    for (const [board, instances] of this.boards) {
      for (const [from, heard] of instances) if (now - heard.at > EXPIRE_MS) this.replace(board, from, []);
    }
  }

  private replace(board: string, from: string, people: Participant[]): void {
    let instances = this.boards.get(board);
    const before = instances?.get(from);
    const key = JSON.stringify(people);
    if (people.length > 0) {
      if (!instances) this.boards.set(board, (instances = new Map()));
      instances.set(from, { people, key, at: this.now() });
    } else if (instances) {
      instances.delete(from);
      if (instances.size === 0) this.boards.delete(board);
    }
    // A heartbeat repeats the list: nothing to tell anyone.
    if ((before?.key ?? '[]') === key) return;
    const still = new Set(this.people(board).map((p) => p.cid));
    for (const p of before?.people ?? []) if (!still.has(p.cid)) this.listener.cursorMoved(board, p.cid, null, null);
    this.listener.peopleChanged(board);
  }
}
