/**
 * Drawing sessions: a board's history cut wherever nobody did anything for
 * longer than a gap. Built record by record, so a board's history is
 * streamed through it rather than held in memory.
 */
import type { LogRecord } from '../protocol/messages.ts';

export type Participant = { user: string; name: string };

export type DrawingSession = {
  /** Time of the first and last record, epoch ms. */
  start: number;
  end: number;
  /** Log positions of the first and last record. */
  fromPos: number;
  toPos: number;
  /** Strokes begun in the session. */
  strokes: number;
  records: number;
  participants: Participant[];
};

export const DEFAULT_SESSION_GAP_MS = 10 * 60_000;

export class SessionSplitter {
  readonly sessions: DrawingSession[] = [];
  private current: (DrawingSession & { users: Set<string> }) | null = null;
  /** Latest nickname per user across the history (undo records carry none). */
  private readonly names = new Map<string, string>();

  constructor(private readonly gapMs: number) {}

  add(rec: LogRecord): void {
    // A claim (a board opened, an edit link made) is not drawing.
    if (rec.op.k === 'claim') return;
    if (rec.name) this.names.set(rec.user, rec.name);
    if (!this.current || rec.ts - this.current.end > this.gapMs) {
      this.close();
      this.current = { start: rec.ts, end: rec.ts, fromPos: rec.pos, toPos: rec.pos, strokes: 0, records: 0, participants: [], users: new Set() };
    }
    const session = this.current;
    session.end = rec.ts;
    session.toPos = rec.pos;
    session.records++;
    if (rec.op.k === 'begin') session.strokes++;
    session.users.add(rec.user);
  }

  private close(): void {
    if (!this.current) return;
    const { users, ...session } = this.current;
    session.participants = [...users].map((user) => ({ user, name: this.names.get(user) ?? 'someone' }));
    this.sessions.push(session);
    this.current = null;
  }

  finish(): DrawingSession[] {
    this.close();
    return this.sessions;
  }
}
