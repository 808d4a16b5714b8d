/**
 * The fold of what an owner does (own, rekey, pause, revert) and of the
 * board's settings (`board`). Who may do it is decided here too: an owner's
 * operation carries the hash of the owner key it was sent with (`by`, added
 * by the server), and applies only while that is the board's owner.
 *
 * A revert takes back, as one action of the owner, everything one person
 * did in a time range: each of their actions still applied is undone as
 * their own undo would (element-fold.ts: a `set` puts back only what it
 * set, an `xf` applies its inverse), newest first, and leaves their undo
 * history; what they made whose action their history no longer holds
 * (past its 200 steps) is hidden, as an erase hides. Everyone else's work,
 * drawn before, after or over it, stands. Undone by the owner, it applies
 * the same actions again.
 */
import { ERROR, type ClientOp, type Own, type Pause, type Rekey, type Revert } from '../protocol/messages.ts';
import { cleanBoardName, PAPERS, type BoardSettings } from './board-settings.ts';
import type { OpRecord, Refusal, Verdict } from './fold.ts';
import type { Action, BoardState } from './state.ts';
import { LIMITS } from '../protocol/messages.ts';

type BoardOp = Extract<ClientOp, { k: 'board' }>;
export type OwnerOp = Own | Rekey | Pause | Revert;
type SetApplied = (state: BoardState, action: Action, applied: boolean) => void;

const refuse = (reason: string): Refusal => ({ code: ERROR.refused, reason });
const noEffect = (reason: string): Refusal => ({ code: ERROR.noEffect, reason });
export const NOT_OWNER: Refusal = { code: ERROR.notOwner, reason: "only the board's owner may do that (the owner link)" };

export function applyOwnerOp(state: BoardState, rec: OpRecord, op: OwnerOp, setApplied: SetApplied, push: (action: Action) => void): Verdict {
  if (op.k === 'own') {
    if (typeof op.owner !== 'string' || (op.key !== undefined && typeof op.key !== 'string')) return refuse('own names the owner key\'s hash');
    if (state.owner !== null) return noEffect('the board has an owner already');
    if (op.key !== undefined && state.editKey !== null) return refuse('the board has an edit link already');
    state.owner = op.owner;
    if (op.key !== undefined) state.editKey = op.key;
    return null;
  }
  if (state.owner === null || typeof op.by !== 'string' || op.by !== state.owner) return NOT_OWNER;
  switch (op.k) {
    case 'rekey':
      if (typeof op.key !== 'string') return refuse('rekey names the new edit key\'s hash');
      // Two replacements at once: the second was derived for a number the first took.
      if (op.gen !== state.keyGen + 1) return noEffect('the edit link was just replaced');
      state.editKey = op.key;
      state.keyGen = op.gen;
      return null;
    case 'pause':
      if (state.paused === (op.on === 1)) return noEffect(op.on === 1 ? 'drawing is paused already' : 'drawing is not paused');
      state.paused = op.on === 1;
      return null;
    case 'revert':
      return revert(state, rec, op, setApplied, push);
  }
}

// ---------------------------------------------------------------------------
// revert

const within = (ts: number, op: Revert) => ts >= op.from && ts <= op.to;
const makes = (a: Action) => a.kind === 'stroke' || a.kind === 'add';

function revert(state: BoardState, rec: OpRecord, op: Revert, setApplied: SetApplied, push: (action: Action) => void): Verdict {
  if (op.from > op.to) return refuse('the time range ends before it starts');
  const history = state.history.get(op.user);
  const undone = new Set(history?.redo ?? []);
  const theirs = [...state.actions.values()].filter((a) => a.user === op.user && a.kind !== 'revert');
  const taken = theirs.filter((a) => within(a.ts, op) && a.revertedBy === undefined && !undone.has(a.pos)).sort((a, b) => b.pos - a.pos);
  // What they undid themselves in the range cannot be redone after it: a redo must not bring the work back.
  const dropped = theirs.filter((a) => within(a.ts, op) && undone.has(a.pos)).map((a) => a.pos);
  // Items whose making is an action still known are taken back through it, whatever its state.
  const known = new Set(theirs.filter(makes).flatMap((a) => a.targets));
  const hidden: string[] = [];
  for (const items of [state.strokes.values(), state.shapes.values()]) {
    for (const item of items) {
      if (item.user === op.user && within(item.ts, op) && !item.undone && !known.has(item.id)) hidden.push(item.id);
    }
  }
  if (taken.length === 0 && hidden.length === 0 && dropped.length === 0) return noEffect('they did nothing in that time that is still on the board');
  const action: Action = { pos: rec.pos, ts: rec.ts, user: rec.user, kind: 'revert', targets: hidden, taken: taken.map((a) => a.pos) };
  applyRevert(state, action, true, setApplied);
  if (history) {
    const gone = new Set([...action.taken!, ...dropped]);
    const top = history.undo.at(-1);
    history.undo = history.undo.filter((pos) => !gone.has(pos));
    history.redo = history.redo.filter((pos) => !gone.has(pos));
    if (history.kept) history.kept = history.kept.filter((pos) => !gone.has(pos));
    for (const pos of dropped) state.actions.delete(pos);
    // A drag or typing of theirs that goes on continued the action taken: it must not continue the one below it.
    const below = history.undo.at(-1);
    if (top !== undefined && gone.has(top) && below !== undefined) delete state.actions.get(below)?.cid;
  }
  push(action);
  return null;
}

/**
 * Applies a revert (takes the actions back, hides the items), or undoes it
 * (the owner's undo). Applied again (a redo), it takes only what no other
 * revert took meanwhile, and remembers that, so its undo gives back only
 * what it took.
 */
export function applyRevert(state: BoardState, revert: Action, applied: boolean, setApplied: SetApplied): void {
  if (applied) revert.taken = (revert.taken ?? []).filter((pos) => state.actions.get(pos)?.revertedBy === undefined);
  const taken = revert.taken ?? [];
  // Newest first to take back, oldest first to put back: as a run of undos and redos would.
  for (const pos of applied ? taken : [...taken].reverse()) {
    const action = state.actions.get(pos);
    if (!action || (!applied && action.revertedBy !== revert.pos)) continue;
    setApplied(state, action, !applied);
    if (applied) action.revertedBy = revert.pos;
    else delete action.revertedBy;
  }
  for (const id of revert.targets) {
    const item = state.strokes.get(id) ?? state.shapes.get(id);
    if (!item) continue;
    if (applied) item.hiddenBy.push(revert.pos);
    else item.hiddenBy = item.hiddenBy.filter((p) => p !== revert.pos);
  }
}

// ---------------------------------------------------------------------------
// board: name and paper

export function applyBoardOp(state: BoardState, rec: OpRecord, op: BoardOp, push: (action: Action) => void): Verdict {
  if ((op.v as number) !== 1) return refuse(`version ${String(op.v)} of board is not known here`);
  if (op.paper !== undefined && !PAPERS.includes(op.paper)) return refuse('paper must be one of ' + PAPERS.join(', '));
  if (op.name !== undefined && typeof op.name !== 'string') return refuse('name must be a string');
  const now: Partial<BoardSettings> = {};
  if (op.name !== undefined) {
    const name = cleanBoardName(op.name, LIMITS.maxBoardNameLength);
    if (name !== state.settings.name) now.name = name;
  }
  if (op.paper !== undefined && op.paper !== state.settings.paper) now.paper = op.paper;
  const keys = Object.keys(now) as (keyof BoardSettings)[];
  if (keys.length === 0) return noEffect('the board is set so already');
  const was = Object.fromEntries(keys.map((k) => [k, state.settings[k]])) as Partial<BoardSettings>;
  Object.assign(state.settings, now);
  push({ pos: rec.pos, ts: rec.ts, user: rec.user, kind: 'board', targets: [], was, now });
  return null;
}

export function setBoardApplied(state: BoardState, action: Action, applied: boolean): void {
  Object.assign(state.settings, applied ? action.now : action.was);
}
