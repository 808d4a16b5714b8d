/**
 * This page's own element changes shown before the log confirms them: the
 * pending `add`, `set`, `xf` and `erase` operations folded onto copies of
 * the items they touch, by the fold itself (element-fold.ts), so what is
 * shown at once is exactly what the log will make of them, refusals
 * included.
 *
 * The board is never copied: the fold runs on a state whose item maps copy
 * an item the first time the fold reads it, and whose history holds only
 * this page's author. A drag of a few elements on a board of a million
 * points costs a few copies per frame. Pure: no DOM, no client.
 */
import { applyElementOp, type ElementOp } from '../../server/board/element-fold.ts';
import { isLineType, isLocked, multiply, type Matrix, type Shape } from '../../server/board/elements.ts';
import type { OpRecord } from '../../server/board/fold.ts';
import { isVisible, type Action, type BoardState, type History, type Stroke } from '../../server/board/state.ts';
import type { ClientOp } from '../../server/protocol/messages.ts';

export type Item = Stroke | Shape;

/** The pending changes folded: copies of what they touched (hidden ones included), and what they erased. */
export type Overlay = {
  /** Copies of the items the pending operations changed or made, by id. */
  readonly items: ReadonlyMap<string, Item>;
  /** Ids of items a pending erase hides. */
  readonly erased: ReadonlySet<string>;
};

export const EMPTY_OVERLAY: Overlay = { items: new Map(), erased: new Set() };

/** Who sends the pending operations: the public ids records carry (so a `c: 1` continues a confirmed drag). */
export type Author = { user: string; cid: string; name: string };

/**
 * A map that reads through to a base map and copies a value the first time
 * it is read, so the fold may change what it gets without touching the
 * base. Only the members the fold uses are needed.
 */
class CopyOnRead<K, V extends object> {
  readonly own = new Map<K, V>();
  constructor(
    private readonly base: ReadonlyMap<K, V>,
    private readonly copy: (value: V) => V,
  ) {}

  get(key: K): V | undefined {
    let value = this.own.get(key);
    if (value === undefined) {
      const original = this.base.get(key);
      if (original === undefined) return undefined;
      value = this.copy(original);
      this.own.set(key, value);
    }
    return value;
  }
  has(key: K): boolean {
    return this.own.has(key) || this.base.has(key);
  }
  set(key: K, value: V): this {
    this.own.set(key, value);
    return this;
  }
  get size(): number {
    let added = 0;
    for (const key of this.own.keys()) if (!this.base.has(key)) added++;
    return this.base.size + added;
  }
  *values(): IterableIterator<V> {
    for (const key of this.base.keys()) yield this.get(key)!;
    for (const [key, value] of this.own) if (!this.base.has(key)) yield value;
  }
}

const copyStroke = (s: Stroke): Stroke => ({ ...s, chunks: [...s.chunks], hiddenBy: [...s.hiddenBy], ...(s.m ? { m: [...s.m] as Stroke['m'] } : {}) });
/** Every array and object a fold may change, copied (structuredClone cost a tenth of a drag's frame). */
const copyShape = (s: Shape): Shape => ({
  ...s,
  m: [...s.m],
  pts: s.pts ? [...s.pts] : null,
  sb: s.sb ? { ...s.sb } : null,
  eb: s.eb ? { ...s.eb } : null,
  hiddenBy: [...s.hiddenBy],
});
/** Whether a copy still equals its original: every field the same, arrays and objects (a binding) compared one level down. */
function sameFields(a: object, b: object): boolean {
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = Object.keys(x);
  if (keys.length !== Object.keys(y).length) return false;
  for (const key of keys) if (!sameValue(x[key], y[key])) return false;
  return true;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((v, k) => v === b[k]);
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = Object.keys(x);
  return keys.length === Object.keys(y).length && keys.every((key) => x[key] === y[key]);
}

const isElementOp = (op: ClientOp): op is ElementOp => op.k === 'add' || op.k === 'set' || op.k === 'xf';

/**
 * Folds `pending` (oldest first) onto copies of what they touch in `state`.
 * Stops at the first undo, redo or clear: what those take back depends on
 * the log, so they and what follows them show once confirmed.
 */
export function foldPending(state: BoardState, pending: readonly ClientOp[], me: Author): Overlay {
  if (!pending.some((op) => isElementOp(op) || op.k === 'erase')) return EMPTY_OVERLAY;
  const strokes = new CopyOnRead(state.strokes, copyStroke);
  const shapes = new CopyOnRead(state.shapes, copyShape);
  const actions = new CopyOnRead(state.actions, (a: Action) => structuredClone(a));
  const mine: History = structuredClone(state.history.get(me.user) ?? { undo: [], redo: [] });
  const history = new Map([[me.user, mine]]);
  const draft = { ...state, strokes, shapes, actions, history } as unknown as BoardState;
  const erased = new Set<string>();
  let pos = state.pos;
  for (const op of mergeMoves(pending)) {
    if (op.k === 'undo' || op.k === 'redo' || op.k === 'clear') break;
    if (op.k === 'erase') {
      // As the fold: a locked element is not erased (it may have been locked since the eraser passed).
      for (const id of op.ids) if (!isLocked(shapes.get(id) ?? {})) erased.add(id);
      continue;
    }
    if (!isElementOp(op)) continue;
    pos++;
    const rec: OpRecord = { pos, ts: Date.now(), user: me.user, cid: me.cid, seq: 0, name: me.name, op };
    applyElementOp(draft, rec, op, (action) => {
      mine.undo.push(action.pos);
      mine.redo = [];
      actions.set(action.pos, action);
    });
  }
  // The fold reads more than it changes (a line's end reads the element it sticks to): only what differs is shown as changed.
  const items = new Map<string, Item>();
  for (const [own, base] of [[strokes.own, state.strokes], [shapes.own, state.shapes]] as const) {
    for (const [id, item] of own) {
      const original = base.get(id);
      if (!original || !sameFields(item, original)) items.set(id, item);
    }
  }
  return { items, erased };
}

/**
 * The pending operations with each run of a move and the moves continuing
 * it (`xf` then `xf` `c: 1`, a drag) made one move by the product of their
 * matrices: a drag ahead of the log by twenty frames is folded once, not
 * twenty times over its 500 elements.
 */
function mergeMoves(pending: readonly ClientOp[]): ClientOp[] {
  const out: ClientOp[] = [];
  for (const op of pending) {
    const last = out.at(-1);
    if (op.k === 'xf' && op.c === 1 && last?.k === 'xf' && Array.isArray(op.m) && Array.isArray(last.m)) {
      out[out.length - 1] = { ...last, m: multiply(op.m as Matrix, last.m as Matrix) };
    } else {
      out.push(op);
    }
  }
  return out;
}

/**
 * The visible lines with an end stuck to each element, kept up to date one
 * line at a time: asked every frame of a drag, it must not cost a scan of
 * every element each time the board changes.
 */
export class StuckLines {
  private readonly byElement = new Map<string, Set<string>>();
  private readonly ofLine = new Map<string, string[]>();

  /** Indexes every line of `shapes` again. */
  rebuild(shapes: Iterable<Shape>): void {
    this.byElement.clear();
    this.ofLine.clear();
    for (const s of shapes) this.update(s.id, s);
  }

  /** Indexes the element `id` as it is now (`shape`; undefined when gone). */
  update(id: string, shape: Shape | undefined): void {
    for (const to of this.ofLine.get(id) ?? []) {
      const lines = this.byElement.get(to)!;
      lines.delete(id);
      if (lines.size === 0) this.byElement.delete(to);
    }
    this.ofLine.delete(id);
    const to = shape ? stuckEnds(shape) : [];
    if (to.length === 0) return;
    this.ofLine.set(id, to);
    for (const element of to) {
      const lines = this.byElement.get(element);
      if (lines) lines.add(id);
      else this.byElement.set(element, new Set([id]));
    }
  }

  linesOf(element: string): Iterable<string> {
    return this.byElement.get(element) ?? [];
  }
}

/** The elements a visible line sticks to. */
function stuckEnds(s: Shape): string[] {
  if (!isLineType(s.type) || !isVisible(s)) return [];
  const to: string[] = [];
  if (s.sb) to.push(s.sb.id);
  if (s.eb && s.eb.id !== s.sb?.id) to.push(s.eb.id);
  return to;
}

/**
 * Ids of the visible lines stuck to one of `moved`: they follow those
 * elements, so they are in motion too, though no operation names them.
 */
export function linesStuckTo(shapes: Iterable<Shape>, moved: ReadonlySet<string>): string[] {
  if (moved.size === 0) return [];
  const ids: string[] = [];
  for (const s of shapes) if (stuckEnds(s).some((id) => moved.has(id))) ids.push(s.id);
  return ids;
}
