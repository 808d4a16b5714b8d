/**
 * Drawing sessions: a board's history cut wherever nobody did anything for
 * longer than a gap. They are part of the board's state (state.ts), folded
 * record by record at SESSION_GAP_MS, so the replay page lists them from a
 * stored state instead of reading the board's whole history. A longer gap
 * merges those sessions; a shorter one needs the records (routes/history.ts
 * folds them into a session log of its own).
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

/** The gap every board state is cut at. */
export const SESSION_GAP_MS = 10 * 60_000;

/** The session still going: its people are named when it closes (or is listed). */
export type OpenSession = Omit<DrawingSession, 'participants'> & { users: Set<string> };

export type SessionLog = {
  closed: DrawingSession[];
  open: OpenSession | null;
  /** Latest nickname per user across the history (undo records carry none). */
  names: Map<string, string>;
};

export function emptySessions(): SessionLog {
  return { closed: [], open: null, names: new Map() };
}

export function addToSessions(log: SessionLog, rec: LogRecord, gapMs = SESSION_GAP_MS): void {
  // A claim (a board opened, an edit link made) is not drawing.
  if (rec.op.k === 'claim') return;
  if (!log.open || rec.ts - log.open.end > gapMs) {
    // Named as of its own end: a later rename does not reach back.
    if (log.open) log.closed.push(named(log, log.open));
    log.open = { start: rec.ts, end: rec.ts, fromPos: rec.pos, toPos: rec.pos, strokes: 0, records: 0, users: new Set() };
  }
  if (rec.name) log.names.set(rec.user, rec.name);
  const session = log.open;
  session.end = rec.ts;
  session.toPos = rec.pos;
  session.records++;
  if (rec.op.k === 'begin' || rec.op.k === 'add') session.strokes++;
  session.users.add(rec.user);
}

function named(log: SessionLog, open: OpenSession): DrawingSession {
  const { users, ...session } = open;
  return { ...session, participants: [...users].map((user) => ({ user, name: log.names.get(user) ?? 'someone' })) };
}

/** The sessions so far, cut at `gapMs`: at least the gap the log was folded at. */
export function listSessions(log: SessionLog, gapMs = SESSION_GAP_MS): DrawingSession[] {
  const all = log.open ? [...log.closed, named(log, log.open)] : [...log.closed];
  const merged: DrawingSession[] = [];
  for (const session of all) {
    const last = merged.at(-1);
    if (!last || session.start - last.end > gapMs) {
      merged.push({ ...session, participants: [...session.participants] });
      continue;
    }
    last.end = session.end;
    last.toPos = session.toPos;
    last.strokes += session.strokes;
    last.records += session.records;
    for (const p of session.participants) {
      const i = last.participants.findIndex((q) => q.user === p.user);
      if (i >= 0) last.participants[i] = p;
      else last.participants.push(p);
    }
  }
  return merged;
}

export function cloneSessions(log: SessionLog): SessionLog {
  return {
    closed: log.closed.map((s) => ({ ...s, participants: [...s.participants] })),
    open: log.open ? { ...log.open, users: new Set(log.open.users) } : null,
    names: new Map(log.names),
  };
}
