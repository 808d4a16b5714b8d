/**
 * Board state as JSON: what a late joiner receives instead of the history.
 * It carries everything the fold needs to continue (hidden strokes, undo
 * stacks), so a client folds later records exactly as the server does.
 */
import type { DrawingSession, OpenSession, SessionLog } from './sessions.ts';
import type { Shape } from './elements.ts';
import type { Action, BoardState, History, Stroke } from './state.ts';

/**
 * Version of what a snapshot holds. Stored snapshots (server/log/snapshots/)
 * carry it, and one of another version is never read, the log is folded
 * instead. Bump it when the shape below changes, and also when the fold
 * would make a different state from the same records (a snapshot is a fold
 * that was done by the code of its day).
 */
export const SNAPSHOT_VERSION = 3;

export type BoardSnapshot = {
  pos: number;
  ts: number;
  strokes: Stroke[];
  shapes: Shape[];
  actions: Action[];
  history: [user: string, history: History][];
  seqs: [cid: string, seq: number][];
  size: number;
  editKey: string | null;
  sessions: {
    closed: DrawingSession[];
    open: (Omit<OpenSession, 'users'> & { users: string[] }) | null;
    names: [user: string, name: string][];
  };
};

export function toSnapshot(state: BoardState): BoardSnapshot {
  return {
    pos: state.pos,
    ts: state.ts,
    strokes: [...state.strokes.values()],
    shapes: [...state.shapes.values()],
    actions: [...state.actions.values()],
    history: [...state.history.entries()],
    seqs: [...state.seqs.entries()],
    size: state.size,
    editKey: state.editKey,
    sessions: sessionsToSnapshot(state.sessions),
  };
}

export function sessionsToSnapshot(log: SessionLog): BoardSnapshot['sessions'] {
  return { closed: log.closed, open: log.open ? { ...log.open, users: [...log.open.users] } : null, names: [...log.names.entries()] };
}

export function sessionsFromSnapshot(snapshot: BoardSnapshot['sessions']): SessionLog {
  return { closed: snapshot.closed, open: snapshot.open ? { ...snapshot.open, users: new Set(snapshot.open.users) } : null, names: new Map(snapshot.names) };
}

/**
 * Rebuilds a state from a snapshot, taking over its objects: the state
 * folds on the snapshot's strokes and actions in place. Every caller passes
 * a snapshot it has just parsed and holds alone (a welcome, a replay line,
 * a stored snapshot), so nothing is copied: a structured clone of a board
 * of a million points cost 30-50 ms of a late join (BENCHMARKS.md). Copy
 * first (structuredClone) to keep a snapshot that something else holds.
 */
export function fromSnapshot(snapshot: BoardSnapshot): BoardState {
  return {
    pos: snapshot.pos,
    ts: snapshot.ts,
    strokes: new Map(snapshot.strokes.map((s) => [s.id, s])),
    shapes: new Map(snapshot.shapes.map((s) => [s.id, s])),
    actions: new Map(snapshot.actions.map((a) => [a.pos, a])),
    history: new Map(snapshot.history),
    seqs: new Map(snapshot.seqs),
    size: snapshot.size,
    editKey: snapshot.editKey,
    sessions: sessionsFromSnapshot(snapshot.sessions),
  };
}
