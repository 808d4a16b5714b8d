/**
 * Which items a record changed, once folded: what a reader that keeps a
 * picture of the board (the page's renderer) has to look at again, instead
 * of the whole board after every record. Lines stuck to a changed element
 * follow it without being changed themselves; the reader finds those.
 */
import type { Verdict } from './fold.ts';
import type { BoardState } from './state.ts';
import type { OpRecord } from './fold.ts';

const NONE: readonly string[] = [];

/** Ids of the strokes and elements `rec` created, changed, hid or showed again; call right after folding it. */
export function itemsChangedBy(state: BoardState, rec: OpRecord, verdict: Verdict): readonly string[] {
  if (verdict) return NONE;
  const op = rec.op;
  switch (op.k) {
    case 'begin':
    case 'ext':
    case 'end':
      return [op.id];
    case 'claim':
      return NONE;
    case 'erase':
    case 'clear':
    case 'add':
    case 'set':
    case 'xf':
    case 'undo':
    case 'redo':
    case 'revert': {
      // The action the record made, continued, took back or did again is on top of its author's stack.
      const history = state.history.get(rec.user);
      const pos = op.k === 'undo' ? history?.redo.at(-1) : history?.undo.at(-1);
      const action = pos === undefined ? undefined : state.actions.get(pos);
      if (action?.kind !== 'revert') return action?.targets ?? NONE;
      // A revert changed what it hid and what the actions it took back had changed.
      return [...action.targets, ...(action.taken ?? []).flatMap((taken) => state.actions.get(taken)?.targets ?? NONE)];
    }
    default:
      return NONE;
  }
}
