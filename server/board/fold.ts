/**
 * The fold: board state from log records. Live rooms, late join, restart
 * and replay all go through `applyRecord`, so they cannot disagree.
 *
 * It is deterministic (the result depends only on the records) and total:
 * records that make no sense against the state (an extension of someone
 * else's stroke, an undo with nothing to undo) are ignored rather than
 * thrown, because the log is the truth and every reader must end in the same
 * state. It mutates the state it is given instead of copying it: a board can
 * hold a million points, and every caller owns its own state.
 */
import { LIMITS, type LogRecord } from '../protocol/messages.ts';
import { countPoints } from '../protocol/points.ts';
import { emptyBoard, isVisible, type Action, type BoardState, type History } from './state.ts';

function historyOf(state: BoardState, user: string): History {
  let h = state.history.get(user);
  if (!h) {
    h = { undo: [], redo: [] };
    state.history.set(user, h);
  }
  return h;
}

/** A new action forgets the user's redo stack and may push the oldest undo out. */
function pushAction(state: BoardState, action: Action): void {
  const h = historyOf(state, action.user);
  for (const pos of h.redo) state.actions.delete(pos);
  h.redo = [];
  h.undo.push(action.pos);
  state.actions.set(action.pos, action);
  if (h.undo.length > LIMITS.maxUndoDepth) state.actions.delete(h.undo.shift()!);
}

/** Applies an action's effect (draw or hide), or takes it back for an undo. */
function setApplied(state: BoardState, action: Action, applied: boolean): void {
  for (const id of action.targets) {
    const stroke = state.strokes.get(id);
    if (!stroke) continue;
    if (action.kind === 'stroke') stroke.undone = !applied;
    else if (applied) stroke.hiddenBy.push(action.pos);
    else stroke.hiddenBy = stroke.hiddenBy.filter((p) => p !== action.pos);
  }
}

/** Points in a chunk for a stroke's stride, or -1 when the chunk does not fit it. */
function pointsIn(chunk: string, pressure: boolean): number {
  const n = countPoints(chunk, pressure);
  return Number.isInteger(n) && n > 0 ? n : -1;
}

/**
 * Folds one record into the state. Records at or before `state.pos` are
 * skipped, and so is a client's op whose sequence number was already folded.
 */
export function applyRecord(state: BoardState, rec: LogRecord): void {
  if (rec.pos <= state.pos) return;
  state.pos = rec.pos;
  state.ts = rec.ts;
  if (rec.seq <= (state.seqs.get(rec.cid) ?? -1)) return;
  state.seqs.set(rec.cid, rec.seq);
  const op = rec.op;
  switch (op.k) {
    case 'begin': {
      if (state.strokes.has(op.id)) return;
      const n = pointsIn(op.p, op.pr === 1);
      if (n < 0 || n > LIMITS.maxPointsPerStroke) return;
      state.strokes.set(op.id, {
        id: op.id,
        user: rec.user,
        name: rec.name ?? '',
        color: op.color,
        w: op.w,
        pr: op.pr === 1,
        chunks: [op.p],
        n,
        ended: false,
        undone: false,
        hiddenBy: [],
        pos: rec.pos,
        ts: rec.ts,
      });
      pushAction(state, { pos: rec.pos, user: rec.user, kind: 'stroke', targets: [op.id] });
      return;
    }
    case 'ext': {
      const stroke = state.strokes.get(op.id);
      if (!stroke || stroke.user !== rec.user || stroke.ended) return;
      const n = pointsIn(op.p, stroke.pr);
      if (n < 0 || stroke.n + n > LIMITS.maxPointsPerStroke) return;
      stroke.chunks.push(op.p);
      stroke.n += n;
      return;
    }
    case 'end': {
      const stroke = state.strokes.get(op.id);
      if (stroke && stroke.user === rec.user) stroke.ended = true;
      return;
    }
    case 'erase':
    case 'clear': {
      const candidates = op.k === 'clear' ? [...state.strokes.values()] : op.ids.map((id) => state.strokes.get(id));
      const targets = candidates.filter((s) => s !== undefined && isVisible(s)).map((s) => s!.id);
      if (targets.length === 0) return;
      const action: Action = { pos: rec.pos, user: rec.user, kind: op.k, targets };
      setApplied(state, action, true);
      pushAction(state, action);
      return;
    }
    case 'undo': {
      const h = state.history.get(rec.user);
      const pos = h?.undo.pop();
      const action = pos === undefined ? undefined : state.actions.get(pos);
      if (!h || !action) return;
      setApplied(state, action, false);
      h.redo.push(action.pos);
      return;
    }
    case 'redo': {
      const h = state.history.get(rec.user);
      const pos = h?.redo.pop();
      const action = pos === undefined ? undefined : state.actions.get(pos);
      if (!h || !action) return;
      setApplied(state, action, true);
      h.undo.push(action.pos);
      return;
    }
  }
}

/** Folds records into a fresh board (or onto `state`, which it returns). */
export function foldRecords(records: Iterable<LogRecord>, state: BoardState = emptyBoard()): BoardState {
  for (const rec of records) applyRecord(state, rec);
  return state;
}
