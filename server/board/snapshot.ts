/**
 * Board state as JSON: what a late joiner receives instead of the history.
 * It carries everything the fold needs to continue (hidden strokes, undo
 * stacks), so a client folds later records exactly as the server does.
 */
import type { Action, BoardState, History, Stroke } from './state.ts';

export type BoardSnapshot = {
  pos: number;
  ts: number;
  strokes: Stroke[];
  actions: Action[];
  history: [user: string, history: History][];
  seqs: [cid: string, seq: number][];
  size: number;
  editKey: string | null;
};

export function toSnapshot(state: BoardState): BoardSnapshot {
  return {
    pos: state.pos,
    ts: state.ts,
    strokes: [...state.strokes.values()],
    actions: [...state.actions.values()],
    history: [...state.history.entries()],
    seqs: [...state.seqs.entries()],
    size: state.size,
    editKey: state.editKey,
  };
}

/** Rebuilds a state that the caller may mutate (nothing is shared with the snapshot). */
export function fromSnapshot(snapshot: BoardSnapshot): BoardState {
  const copy = structuredClone(snapshot);
  return {
    pos: copy.pos,
    ts: copy.ts,
    strokes: new Map(copy.strokes.map((s) => [s.id, s])),
    actions: new Map(copy.actions.map((a) => [a.pos, a])),
    history: new Map(copy.history),
    seqs: new Map(copy.seqs),
    size: copy.size,
    editKey: copy.editKey,
  };
}
