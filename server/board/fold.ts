/**
 * The fold: board state from log records. Live rooms, late join, restart
 * and replay all go through `applyRecord`, so they cannot disagree.
 *
 * It is deterministic (the result depends only on the records) and total:
 * a record that makes no sense against the state (an extension of someone
 * else's stroke, an undo with nothing to undo) is ignored rather than
 * thrown, because the log is the truth and every reader must end in the same
 * state. The reason it was ignored is returned: the rooms judge a client's
 * operation by folding it into the board as it will be (rooms/admission.ts),
 * so the rule that keeps meaningless records out of the log is this one.
 *
 * It mutates the state it is given instead of copying it: a board can hold
 * a million points, and every caller owns its own state.
 */
import { isLocked } from './elements.ts';
import { addToSessions } from './sessions.ts';
import { ERROR, LIMITS, type LogRecord } from '../protocol/messages.ts';
import { countPoints, joinChunks } from '../protocol/points.ts';
import { recordWeight } from './weight.ts';
import { applyElementOp, setElementApplied } from './element-fold.ts';
import { applyBoardOp, applyOwnerOp, applyRevert, setBoardApplied } from './owner-fold.ts';
import { emptyBoard, isVisible, itemOf, type Action, type BoardState, type History } from './state.ts';

/** Why the fold ignored an operation; `null` means it was applied. */
export type Verdict = null | Refusal;
export type Refusal = {
  code: typeof ERROR.refused | typeof ERROR.noEffect | typeof ERROR.strokeTooLong | typeof ERROR.notOwner;
  reason: string;
  /** The client's sequence number was folded already: a resend, not a new operation. */
  duplicate?: true;
};

const refuse = (reason: string): Refusal => ({ code: ERROR.refused, reason });
const noEffect = (reason: string): Refusal => ({ code: ERROR.noEffect, reason });

/** The reasons, made once: the fold runs for every record of every board. */
export const REFUSALS = {
  duplicate: { code: ERROR.noEffect, reason: 'this operation is in the log already', duplicate: true } as Refusal,
  strokeTaken: refuse('that stroke id is taken'),
  badPoints: refuse('the points do not fit the stroke'),
  strokeTooLong: { code: ERROR.strokeTooLong, reason: `a stroke holds at most ${LIMITS.maxPointsPerStroke} points` } as Refusal,
  notYourStroke: refuse('no stroke of yours has that id'),
  strokeEnded: refuse('that stroke has ended'),
  nothingToErase: noEffect('those are gone already'),
  nothingToClear: noEffect('the board is empty already'),
  nothingToUndo: noEffect('nothing to undo'),
  nothingToRedo: noEffect('nothing to redo'),
  claimed: noEffect('the board has an edit link already'),
} as const;

/** What the fold needs of a record to apply its operation (a candidate has no position yet). */
export type OpRecord = Pick<LogRecord, 'pos' | 'ts' | 'user' | 'cid' | 'seq' | 'name' | 'op'>;

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
  if (h.undo.length > LIMITS.maxUndoDepth) {
    const oldest = state.actions.get(h.undo.shift()!);
    if (!oldest) return;
    // Past its author's reach, a change is kept a while longer for an owner's
    // revert (owner-fold.ts); what someone made is found by its author and time.
    if (oldest.kind === 'stroke' || oldest.kind === 'add' || oldest.kind === 'revert') {
      state.actions.delete(oldest.pos);
      return;
    }
    (h.kept ??= []).push(oldest.pos);
    if (h.kept.length > LIMITS.maxKeptActions) state.actions.delete(h.kept.shift()!);
  }
}

/** Applies an action's effect (draw, hide, change), or takes it back for an undo. */
function setApplied(state: BoardState, action: Action, applied: boolean): void {
  if (action.kind === 'set' || action.kind === 'xf') return setElementApplied(state, action, applied);
  if (action.kind === 'board') return setBoardApplied(state, action, applied);
  if (action.kind === 'revert') return applyRevert(state, action, applied, setApplied);
  for (const id of action.targets) {
    const item = itemOf(state, id);
    if (!item) continue;
    if (action.kind === 'stroke' || action.kind === 'add') item.undone = !applied;
    else if (applied) item.hiddenBy.push(action.pos);
    else item.hiddenBy = item.hiddenBy.filter((p) => p !== action.pos);
  }
}

/** Points in a chunk for a stroke's stride, or -1 when the chunk does not fit it. */
function pointsIn(chunk: string, pressure: boolean): number {
  const n = countPoints(chunk, pressure);
  return Number.isInteger(n) && n > 0 ? n : -1;
}

/**
 * Folds one record into the state and says whether it was applied. Records
 * at or before `state.pos` are skipped (returning the duplicate refusal).
 */
export function applyRecord(state: BoardState, rec: LogRecord): Verdict {
  if (rec.pos <= state.pos) return REFUSALS.duplicate;
  state.pos = rec.pos;
  state.ts = rec.ts;
  addToSessions(state.sessions, rec);
  return applyLogged(state, rec);
}

/** Folds a record that is in the log, whatever its position (see rooms/admission.ts). */
export function applyLogged(state: BoardState, rec: OpRecord): Verdict {
  state.size += recordWeight(rec.op);
  const verdict = applyOp(state, rec);
  // A logged record uses up its sequence number even when it was ignored,
  // so that a copy of it appended later never applies.
  if (verdict && !verdict.duplicate) state.seqs.set(rec.cid, rec.seq);
  return verdict;
}

/**
 * Applies a record's operation, whatever its position: who may end, erase,
 * undo, redo or clear what, and each client's sequence numbers strictly
 * increasing, are decided here and nowhere else. A refused operation leaves
 * the state as it was.
 */
export function applyOp(state: BoardState, rec: OpRecord): Verdict {
  if (rec.seq <= (state.seqs.get(rec.cid) ?? -1)) return REFUSALS.duplicate;
  const verdict = apply(state, rec);
  if (!verdict) state.seqs.set(rec.cid, rec.seq);
  return verdict;
}

function apply(state: BoardState, rec: OpRecord): Verdict {
  const op = rec.op;
  switch (op.k) {
    case 'begin': {
      if (state.strokes.has(op.id) || state.shapes.has(op.id)) return REFUSALS.strokeTaken;
      const n = pointsIn(op.p, op.pr === 1);
      if (n < 0) return REFUSALS.badPoints;
      if (n > LIMITS.maxPointsPerStroke) return REFUSALS.strokeTooLong;
      state.strokes.set(op.id, {
        id: op.id,
        user: rec.user,
        name: rec.name ?? '',
        color: op.color,
        w: op.w,
        pr: op.pr === 1,
        ...(op.q ? { q: op.q } : {}),
        chunks: [op.p],
        n,
        ended: false,
        undone: false,
        hiddenBy: [],
        pos: rec.pos,
        ts: rec.ts,
      });
      pushAction(state, { pos: rec.pos, ts: rec.ts, user: rec.user, kind: 'stroke', targets: [op.id] });
      return null;
    }
    case 'ext': {
      const stroke = state.strokes.get(op.id);
      if (!stroke || stroke.user !== rec.user) return REFUSALS.notYourStroke;
      if (stroke.ended) return REFUSALS.strokeEnded;
      const n = pointsIn(op.p, stroke.pr);
      if (n < 0) return REFUSALS.badPoints;
      if (stroke.n + n > LIMITS.maxPointsPerStroke) return REFUSALS.strokeTooLong;
      stroke.chunks.push(op.p);
      stroke.n += n;
      return null;
    }
    case 'end': {
      const stroke = state.strokes.get(op.id);
      if (!stroke || stroke.user !== rec.user) return REFUSALS.notYourStroke;
      if (stroke.ended) return REFUSALS.strokeEnded;
      stroke.ended = true;
      stroke.chunks = [joinChunks(stroke.chunks, stroke.pr)];
      return null;
    }
    case 'erase':
    case 'clear': {
      const candidates = op.k === 'clear' ? [...state.strokes.values(), ...state.shapes.values()] : op.ids.map((id) => itemOf(state, id));
      // Locked elements (a worksheet under the class's ink) are neither erased nor cleared: unlocked first, they can be.
      const targets = candidates.filter((s) => s !== undefined && isVisible(s) && !isLocked(s)).map((s) => s!.id);
      if (targets.length === 0) return op.k === 'clear' ? REFUSALS.nothingToClear : REFUSALS.nothingToErase;
      const action: Action = { pos: rec.pos, ts: rec.ts, user: rec.user, kind: op.k, targets };
      setApplied(state, action, true);
      pushAction(state, action);
      return null;
    }
    case 'undo': {
      const h = state.history.get(rec.user);
      const pos = h?.undo.pop();
      const action = pos === undefined ? undefined : state.actions.get(pos);
      if (!h || !action) return REFUSALS.nothingToUndo;
      setApplied(state, action, false);
      h.redo.push(action.pos);
      return null;
    }
    case 'redo': {
      const h = state.history.get(rec.user);
      const pos = h?.redo.pop();
      const action = pos === undefined ? undefined : state.actions.get(pos);
      if (!h || !action) return REFUSALS.nothingToRedo;
      setApplied(state, action, true);
      h.undo.push(action.pos);
      return null;
    }
    case 'claim': {
      if (state.editKey !== null) return REFUSALS.claimed;
      state.editKey = op.key;
      return null;
    }
    case 'add':
    case 'set':
    case 'xf':
      return applyElementOp(state, rec, op, (action) => pushAction(state, action));
    case 'own':
    case 'rekey':
    case 'pause':
    case 'revert':
      return applyOwnerOp(state, rec, op, setApplied, (action) => pushAction(state, action));
    case 'board':
      return applyBoardOp(state, rec, op, (action) => pushAction(state, action));
    default:
      // A kind this code does not know (a log written by a later version): ignored, as every reader of this version ignores it.
      return refuse('unknown operation');
  }
}

/** Folds records into a fresh board (or onto `state`, which it returns). */
export function foldRecords(records: Iterable<LogRecord>, state: BoardState = emptyBoard()): BoardState {
  for (const rec of records) applyRecord(state, rec);
  return state;
}
