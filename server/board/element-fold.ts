/**
 * The fold of the element operations (`add`, `set`, `xf`; schema.ts), and
 * what undo and redo do to them. Like the rest of the fold it is total and
 * all-or-nothing: an operation is judged whole (element-rules.ts, ids that
 * exist and are drawn, transforms that stay in range) before anything of it
 * is applied, and a refused one leaves the state as it was.
 *
 * `set` records each target's values before it, of the properties it sets:
 * undo puts those back and nothing else, so someone else's change to other
 * properties stands. `xf` is relative (a matrix applied after each
 * target's placement): undo applies its inverse, so a move made by someone
 * else meanwhile stands too.
 */
import { LIMITS, type ClientOp } from '../protocol/messages.ts';
import { countPoints } from '../protocol/points.ts';
import { duplicateId, elementProblem, propsProblem, type ElementSpec } from './element-rules.ts';
import { apply, ARROW_END, BOX_TYPES, IDENTITY, invert, isIdentity, isLineType, isLocked, isPlacement, multiply, propsOf, type Matrix, type PropName, type Props, type Shape } from './elements.ts';
import type { OpRecord, Refusal, Verdict } from './fold.ts';
import { isVisible, itemOf, stackOf, type Action, type BoardState, type Stroke } from './state.ts';
import { ERROR } from '../protocol/messages.ts';

type AddOp = Extract<ClientOp, { k: 'add' }>;
type SetOp = Extract<ClientOp, { k: 'set' }>;
type XfOp = Extract<ClientOp, { k: 'xf' }>;
export type ElementOp = AddOp | SetOp | XfOp;

const refuse = (reason: string): Refusal => ({ code: ERROR.refused, reason });
const noEffect = (reason: string): Refusal => ({ code: ERROR.noEffect, reason });
const NOT_DRAWN = noEffect('those elements are gone');
const NOTHING_TO_CONTINUE = refuse('there is no change of yours to continue');
/** Font size of text and notes made without one. */
export const DEFAULT_FONT_SIZE = 20;

type Item = Stroke | Shape;
const isInk = (item: Item): item is Stroke => 'chunks' in item;
const kindOf = (item: Item) => (isInk(item) ? 'ink' : item.type);

/** Applies an element operation, dispatching on its version. */
export function applyElementOp(state: BoardState, rec: OpRecord, op: ElementOp, push: (action: Action) => void): Verdict {
  if ((op.v as number) !== 1) return refuse(`version ${String(op.v)} of ${op.k} is not known here`);
  if (op.k === 'add') return add(state, rec, op, push);
  if (op.k === 'set') return set(state, rec, op, push);
  return transform(state, rec, op, push);
}

// ---------------------------------------------------------------------------
// add

function add(state: BoardState, rec: OpRecord, op: AddOp, push: (action: Action) => void): Verdict {
  if (!Array.isArray(op.els) || op.els.length === 0 || op.els.length > LIMITS.maxElementsPerOp) return refuse('els must list 1-500 elements');
  for (const spec of op.els) {
    const problem = elementProblem(spec);
    if (problem) return refuse(problem);
    if (itemOf(state, spec.id)) return refuse(`the id ${spec.id} is taken`);
  }
  if (duplicateId(op.els)) return refuse('an add names an id twice');
  const shapes = op.els.filter((s) => s.type !== 'ink').length;
  if (state.shapes.size + shapes > LIMITS.maxElements) return refuse(`a board holds at most ${LIMITS.maxElements} elements`);
  const made = new Map(op.els.map((s) => [s.id, s]));
  for (const spec of op.els) {
    for (const b of [spec.sb, spec.eb]) if (b && !canBindTo(state, b.id, made)) return refuse(`${b.id} is not an element a line can stick to`);
  }
  op.els.forEach((spec, i) => {
    const item = spec.type === 'ink' ? inkOf(spec, rec) : shapeOf(spec, { user: rec.user, name: rec.name ?? '', pos: rec.pos, ts: rec.ts });
    if (i > 0) item.i = i;
    if (spec.type === 'ink') state.strokes.set(spec.id, item as Stroke);
    else state.shapes.set(spec.id, item as Shape);
  });
  push({ pos: rec.pos, ts: rec.ts, user: rec.user, kind: 'add', targets: op.els.map((s) => s.id) });
  return null;
}

/** Lines stick to boxes (shapes, text, notes) that are drawn, or made by the same operation. */
function canBindTo(state: BoardState, id: string, made?: Map<string, ElementSpec>): boolean {
  const spec = made?.get(id);
  if (spec) return spec.type !== 'ink' && BOX_TYPES.has(spec.type);
  const shape = state.shapes.get(id);
  return shape !== undefined && BOX_TYPES.has(shape.type) && isVisible(shape);
}

function inkOf(spec: ElementSpec, rec: OpRecord): Stroke {
  const pr = spec.pr === 1;
  return {
    id: spec.id,
    user: rec.user,
    name: rec.name ?? '',
    color: spec.color!,
    w: Math.round(spec.sw!),
    pr,
    ...(spec.q ? { q: spec.q } : {}),
    chunks: [spec.p!],
    n: countPoints(spec.p!, pr),
    ended: true,
    undone: false,
    hiddenBy: [],
    pos: rec.pos,
    ts: rec.ts,
    ...(isIdentity(spec.m as Matrix) ? {} : { m: [...spec.m] as Matrix }),
    ...(spec.z !== undefined ? { z: spec.z } : {}),
  };
}

/** The element an `add` makes of a spec, its defaults filled in: the fold's, and a page's draft of one. */
export function shapeOf(spec: ElementSpec, made: Pick<Shape, 'user' | 'name' | 'pos' | 'ts'>): Shape {
  const type = spec.type as Shape['type'];
  return {
    id: spec.id,
    type,
    user: made.user,
    name: made.name,
    m: [...spec.m] as Matrix,
    w: spec.w ?? 0,
    h: spec.h ?? 0,
    pts: spec.pts ? [...spec.pts] : null,
    color: spec.color!,
    fill: spec.fill ?? null,
    sw: spec.sw ?? 2,
    dash: spec.dash ?? 0,
    text: spec.text ?? '',
    fs: spec.fs ?? DEFAULT_FONT_SIZE,
    ah: spec.ah ?? (type === 'arrow' ? ARROW_END : 0),
    sb: spec.sb ? { ...spec.sb } : null,
    eb: spec.eb ? { ...spec.eb } : null,
    file: spec.file ?? null,
    lock: spec.lock ?? 0,
    ...(spec.z !== undefined ? { z: spec.z } : {}),
    undone: false,
    hiddenBy: [],
    pos: made.pos,
    ts: made.ts,
  };
}

// ---------------------------------------------------------------------------
// set

/** The page's last action, if it is of this kind and still on top of its author's undo stack: a drag or typing goes on. */
function continuable(state: BoardState, rec: OpRecord, kind: 'set' | 'xf'): Action | undefined {
  const top = state.history.get(rec.user)?.undo.at(-1);
  const action = top === undefined ? undefined : state.actions.get(top);
  return action && action.kind === kind && action.cid === rec.cid ? action : undefined;
}

/** The drawn items an operation names, or why not. */
function drawnItems(state: BoardState, ids: readonly string[]): Item[] | Refusal {
  const items: Item[] = [];
  for (const id of ids) {
    const item = itemOf(state, id);
    if (!item) return refuse(`no element has the id ${id}`);
    if (!isVisible(item)) return NOT_DRAWN;
    items.push(item);
  }
  return items;
}

/** The properties of `p` that apply to an item (ink keeps its points; a line has no text). */
function applicable(item: Item, p: Props): PropName[] {
  const allowed = propsOf(kindOf(item));
  return (Object.keys(p) as PropName[]).filter((name) => allowed.has(name));
}

function valueOf(item: Item, name: PropName): unknown {
  if (isInk(item)) return name === 'sw' ? item.w : name === 'z' ? stackOf(item) : item.color;
  return name === 'z' ? stackOf(item) : structuredClone(item[name]);
}

function setValue(item: Item, name: PropName, value: unknown): void {
  if (isInk(item)) {
    if (name === 'sw') item.w = Math.max(1, Math.round(value as number));
    else if (name === 'z') item.z = value as number;
    else if (name === 'color') item.color = value as string;
    return;
  }
  (item as Record<PropName, unknown>)[name] = structuredClone(value);
}

function set(state: BoardState, rec: OpRecord, op: SetOp, push: (action: Action) => void): Verdict {
  const problem = propsProblem(op.p);
  if (problem) return refuse(problem);
  const continued = op.c === 1 ? continuable(state, rec, 'set') : undefined;
  if (op.c === 1 && !continued) return NOTHING_TO_CONTINUE;
  const ids = continued ? continued.targets : op.ids;
  if (!Array.isArray(ids) || ids.length === 0) return refuse('set names its elements (ids) or continues (c)');
  const items = drawnItems(state, [...new Set(ids)]);
  if (!Array.isArray(items)) return items;
  for (const b of [op.p.sb, op.p.eb]) if (b && (!canBindTo(state, b.id) || items.some((i) => i.id === b.id))) return refuse(`${b.id} is not an element a line can stick to`);
  const changes = items.map((item) => applicable(item, op.p));
  if (changes.every((names) => names.length === 0)) return noEffect('those properties do not apply to these elements');
  const before = items.map((item, i) => Object.fromEntries(changes[i]!.map((name) => [name, valueOf(item, name)])) as Props);
  items.forEach((item, i) => {
    for (const name of changes[i]!) setValue(item, name, op.p[name]);
  });
  if (continued) {
    // The step keeps what it found first: one undo takes back all the typing.
    continued.before = continued.before!.map((old, i) => ({ ...before[i], ...old }));
    continued.after = { ...continued.after, ...op.p };
  } else {
    push({ pos: rec.pos, ts: rec.ts, user: rec.user, kind: 'set', targets: items.map((i) => i.id), cid: rec.cid, before, after: structuredClone(op.p) });
  }
  return null;
}

// ---------------------------------------------------------------------------
// xf

const placementOf = (item: Item): Matrix => (isInk(item) ? (item.m ?? IDENTITY) : item.m);

function place(item: Item, m: Matrix): void {
  if (isInk(item)) {
    if (isIdentity(m)) delete item.m;
    else item.m = m;
  } else {
    item.m = m;
  }
}

function transform(state: BoardState, rec: OpRecord, op: XfOp, push: (action: Action) => void): Verdict {
  if (!Array.isArray(op.m) || !isPlacement(op.m)) return refuse('m must be an invertible matrix within range');
  const m = op.m as Matrix;
  const continued = op.c === 1 ? continuable(state, rec, 'xf') : undefined;
  if (op.c === 1 && !continued) return NOTHING_TO_CONTINUE;
  let items: Item[] | Refusal;
  if (continued) items = continued.targets.map((id) => itemOf(state, id)!).filter((i) => i !== undefined);
  else if (op.all === 1) items = [...state.strokes.values(), ...state.shapes.values()].filter(isVisible);
  else if (Array.isArray(op.ids) && op.ids.length > 0) items = drawnItems(state, [...new Set(op.ids)]);
  else return refuse('xf names its elements (ids), all of them (all) or continues (c)');
  if (!Array.isArray(items)) return items;
  // A locked element stays where it is, whoever moves what around it.
  items = items.filter((item) => !isLocked(item));
  if (items.length === 0) return noEffect('there is nothing to move');
  const placed = items.map((item) => multiply(m, placementOf(item)));
  if (!placed.every(isPlacement)) return refuse('that transform takes elements out of range');
  items.forEach((item, i) => place(item, placed[i]!));
  if (continued) {
    continued.m = multiply(m, continued.m!);
    return null;
  }
  const action: Action = { pos: rec.pos, ts: rec.ts, user: rec.user, kind: 'xf', targets: items.map((i) => i.id), cid: rec.cid, m };
  unstick(state, action, items, m);
  push(action);
  return null;
}

/**
 * Lines moved without the element an end sticks to come off it: the end
 * stays where it was drawn, moved with the line. Undo sticks them again.
 */
function unstick(state: BoardState, action: Action, items: Item[], m: Matrix): void {
  const moved = new Set(action.targets);
  const unbound: NonNullable<Action['unbound']> = [];
  for (const item of items) {
    if (isInk(item) || !isLineType(item.type)) continue;
    for (const end of ['sb', 'eb'] as const) {
      const binding = item[end];
      if (!binding || moved.has(binding.id)) continue;
      const found = state.shapes.get(binding.id);
      // As every picture draws it: an end stuck to an element not drawn is at the line's own end.
      const target = found && isVisible(found) ? found : undefined;
      const pts = item.pts ?? [0, 0, 0, 0];
      const at = end === 'sb' ? 0 : 2;
      const pt: [number, number] = [pts[at]!, pts[at + 1]!];
      if (target) {
        // Where the end was on the board, in the line's own coordinates before the move.
        const world = apply(target.m, binding.u * target.w, binding.v * target.h);
        const local = apply(invert(multiply(invert(m), item.m)), world[0], world[1]);
        pts[at] = local[0];
        pts[at + 1] = local[1];
        item.pts = pts;
      }
      item[end] = null;
      unbound.push({ id: item.id, end, binding, pt });
    }
  }
  if (unbound.length > 0) action.unbound = unbound;
  else delete action.unbound;
}

// ---------------------------------------------------------------------------
// undo and redo

/** Applies an element action's effect, or takes it back for an undo. */
export function setElementApplied(state: BoardState, action: Action, applied: boolean): void {
  if (action.kind === 'set') {
    action.targets.forEach((id, i) => {
      const item = itemOf(state, id);
      if (!item) return;
      const values = applied ? action.after! : action.before![i]!;
      for (const name of Object.keys(action.before![i]!) as PropName[]) setValue(item, name, values[name]);
    });
    return;
  }
  // xf
  const m = applied ? action.m! : invert(action.m!);
  const items = action.targets.map((id) => itemOf(state, id)).filter((i): i is Item => i !== undefined && !isLocked(i));
  for (const item of items) {
    const placed = multiply(m, placementOf(item));
    // Someone else's transform since may have left no room for this one: that item stays.
    if (isPlacement(placed)) place(item, placed);
  }
  if (applied) {
    unstick(state, action, items, m);
  } else {
    for (const { id, end, binding, pt } of action.unbound ?? []) {
      const line = state.shapes.get(id);
      if (!line) continue;
      const pts = line.pts ?? [0, 0, 0, 0];
      const at = end === 'sb' ? 0 : 2;
      pts[at] = pt[0];
      pts[at + 1] = pt[1];
      line.pts = pts;
      line[end] = binding;
    }
  }
}
