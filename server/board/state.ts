/**
 * Board state: what a fold of a board's log records produces. The same
 * types are used by the server's rooms and by the web app.
 */

import type { Binding, Matrix, Props, Shape } from './elements.ts';
import { DEFAULT_SETTINGS, type BoardSettings } from './board-settings.ts';
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
  /** Where its points are placed once moved, resized or rotated (elements.ts); absent while in place. */
  m?: Matrix;
  /** Stacking order once changed; absent means its position. */
  z?: number;
  /** Its place among the items of the `add` that made it, past the first. */
  i?: number;
};

/** An undoable action, identified by the position of the record that made it. */
export type Action = {
  pos: number;
  /** When it was made (the record's log time): what an owner's revert picks by. */
  ts: number;
  user: string;
  kind: 'stroke' | 'erase' | 'clear' | 'add' | 'set' | 'xf' | 'board' | 'revert';
  /** Ids of the strokes and elements the action created, hid or changed. */
  targets: string[];
  /** The page that made it: only that page may continue it (a drag, typing). */
  cid?: string;
  /** `set`: each target's values before, of the properties it changed (by target index), and the values set. */
  before?: Props[];
  after?: Props;
  /** `xf`: the transform applied to every target. */
  m?: Matrix;
  /** `xf`: ends of lines it unstuck from elements not moved with them, to stick again on undo. */
  unbound?: { id: string; end: 'sb' | 'eb'; binding: Binding; pt: [number, number] }[];
  /** `board`: the settings it changed, before and as set. */
  was?: Partial<BoardSettings>;
  now?: Partial<BoardSettings>;
  /** `revert`: the positions of the actions it took back (newest first); `targets` are the items it hid. */
  taken?: number[];
  /** Taken back by an owner's revert (at that position): neither its author's undo nor another revert touches it. */
  revertedBy?: number;
};

/** Per-user undo and redo stacks of action positions (last = most recent). */
export type History = {
  undo: number[];
  redo: number[];
  /**
   * Changes (erase, clear, set, xf, board) past the undo stack's reach,
   * oldest first, kept only for an owner's revert (owner-fold.ts); at most
   * LIMITS.maxKeptActions of them.
   */
  kept?: number[];
};

export type BoardState = {
  /** Position of the last record folded in; -1 for an empty board. */
  pos: number;
  /** Timestamp of the last record folded in; 0 for an empty board. */
  ts: number;
  /** Strokes in log order of their first record (which is drawing order). */
  strokes: Map<string, Stroke>;
  /** Elements other than ink (elements.ts), in log order; ids are unique across both maps. */
  shapes: Map<string, Shape>;
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
  /** Hash of the owner key once someone owns the board (rooms/roles.ts). */
  owner: string | null;
  /** How many times the owner replaced the edit link: the edit key derived from the owner key is the one of this number. */
  keyGen: number;
  /** The owner paused drawing: only the owner draws. */
  paused: boolean;
  /** Name and paper (board-settings.ts). */
  settings: BoardSettings;
};

export function emptyBoard(): BoardState {
  return { pos: -1, ts: 0, strokes: new Map(), shapes: new Map(), actions: new Map(), history: new Map(), seqs: new Map(), size: 0, editKey: null, sessions: emptySessions(), owner: null, keyGen: 0, paused: false, settings: { ...DEFAULT_SETTINGS } };
}

/**
 * A copy the caller may fold on without touching the original. Point
 * chunks are strings, shared rather than copied.
 */
export function cloneBoard(state: BoardState): BoardState {
  return {
    ...state,
    strokes: new Map([...state.strokes].map(([id, s]) => [id, { ...s, chunks: [...s.chunks], hiddenBy: [...s.hiddenBy] }])),
    shapes: new Map([...state.shapes].map(([id, s]) => [id, structuredClone(s)])),
    actions: new Map([...state.actions].map(([pos, a]) => [pos, structuredClone(a)])),
    history: new Map([...state.history].map(([user, h]) => [user, { undo: [...h.undo], redo: [...h.redo], ...(h.kept ? { kept: [...h.kept] } : {}) }])),
    seqs: new Map(state.seqs),
    sessions: cloneSessions(state.sessions),
    settings: { ...state.settings },
  };
}

/** A stroke or element is drawn when its author has not undone it and nothing hides it. */
export function isVisible(item: { undone: boolean; hiddenBy: number[] }): boolean {
  return !item.undone && item.hiddenBy.length === 0;
}

export function visibleStrokes(state: BoardState): Stroke[] {
  return [...state.strokes.values()].filter(isVisible);
}

export function visibleShapes(state: BoardState): Shape[] {
  return [...state.shapes.values()].filter(isVisible);
}

/** A stroke or element by id. */
export function itemOf(state: BoardState, id: string): Stroke | Shape | undefined {
  return state.strokes.get(id) ?? state.shapes.get(id);
}

/** Where an item sits in the stack: its z once changed, else the log position that made it. */
export const stackOf = (item: { z?: number; pos: number }) => item.z ?? item.pos;

type Stacked = { z?: number; pos: number; i?: number };
/** Back to front: by stack, ties by log position, then by place in the `add` that made them. */
export function byStack(a: Stacked, b: Stacked): number {
  return stackOf(a) - stackOf(b) || a.pos - b.pos || (a.i ?? 0) - (b.i ?? 0);
}

/** Everything visible, strokes and elements, back to front: what every picture of the board draws. */
export function visibleItems(state: BoardState): (Stroke | Shape)[] {
  const items: (Stroke | Shape)[] = [];
  for (const s of state.strokes.values()) if (isVisible(s)) items.push(s);
  for (const s of state.shapes.values()) if (isVisible(s)) items.push(s);
  return items.sort(byStack);
}
