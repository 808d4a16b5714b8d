/**
 * Board state: what a fold of a board's log records produces. The same
 * types are used by the server's rooms and by the web app.
 */

import { cloneSessions, emptySessions, type SessionLog } from './sessions.ts';

export type Stroke = {
  id: string;
  /** Author's user id and nickname at the time of drawing. */
  user: string;
  name: string;
  color: string;
  w: number;
  /** Points carry pressure. */
  pr: boolean;
  /** Precision of the points (protocol/points.ts); absent for whole units. */
  q?: number;
  /**
   * Encoded point chunks in arrival order (see protocol/points.ts); joined
   * into one chunk when the stroke ends.
   */
  chunks: string[];
  /** Total points across chunks. */
  n: number;
  ended: boolean;
  /** Undone by its author. */
  undone: boolean;
  /** Positions of the erase/clear actions currently hiding this stroke. */
  hiddenBy: number[];
  /** Position and time of the stroke's first record. */
  pos: number;
  ts: number;
};

/** An undoable action, identified by the position of the record that made it. */
export type Action = {
  pos: number;
  user: string;
  kind: 'stroke' | 'erase' | 'clear';
  /** Stroke ids the action created or hid. */
  targets: string[];
};

/** Per-user undo and redo stacks of action positions (last = most recent). */
export type History = { undo: number[]; redo: number[] };

export type BoardState = {
  /** Position of the last record folded in; -1 for an empty board. */
  pos: number;
  /** Timestamp of the last record folded in; 0 for an empty board. */
  ts: number;
  /** Strokes in log order of their first record (which is drawing order). */
  strokes: Map<string, Stroke>;
  /** Actions that can still be undone or redone. */
  actions: Map<number, Action>;
  history: Map<string, History>;
  /**
   * Highest op sequence number folded per client id. A client may send an op
   * again after a reconnect when it could not know the first one was saved;
   * the fold applies each (cid, seq) once.
   */
  seqs: Map<string, number>;
  /** Weight of every record folded (board/weight.ts): what the board's size limit counts. */
  size: number;
  /**
   * Hash of the board's edit key once someone claimed it (rooms/roles.ts);
   * null while anyone with the board's link may draw.
   */
  editKey: string | null;
  /** When people drew, cut at idle gaps (sessions.ts): what the replay page lists. */
  sessions: SessionLog;
};

export function emptyBoard(): BoardState {
  return { pos: -1, ts: 0, strokes: new Map(), actions: new Map(), history: new Map(), seqs: new Map(), size: 0, editKey: null, sessions: emptySessions() };
}

/**
 * A copy the caller may fold on without touching the original. Point
 * chunks are strings, shared rather than copied.
 */
export function cloneBoard(state: BoardState): BoardState {
  return {
    ...state,
    strokes: new Map([...state.strokes].map(([id, s]) => [id, { ...s, chunks: [...s.chunks], hiddenBy: [...s.hiddenBy] }])),
    actions: new Map([...state.actions].map(([pos, a]) => [pos, { ...a, targets: [...a.targets] }])),
    history: new Map([...state.history].map(([user, h]) => [user, { undo: [...h.undo], redo: [...h.redo] }])),
    seqs: new Map(state.seqs),
    sessions: cloneSessions(state.sessions),
  };
}

/** A stroke is drawn when its author has not undone it and nothing hides it. */
export function isVisible(stroke: Stroke): boolean {
  return !stroke.undone && stroke.hiddenBy.length === 0;
}

export function visibleStrokes(state: BoardState): Stroke[] {
  return [...state.strokes.values()].filter(isVisible);
}
