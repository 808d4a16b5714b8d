/**
 * What the toolbar and the keyboard do to the selection: delete, duplicate,
 * select all, restack, nudge, restyle. Each is one operation (one undo
 * step) unless the selection names more ids than an operation may; a
 * selection of everything moves with `all: 1`, one operation however big.
 */
import { isLocked, type Matrix, type Props } from '../../server/board/elements.ts';
import { stackOf } from '../../server/board/state.ts';
import { LIMITS } from '../../server/protocol/messages.ts';
import type { EditorContext } from './editor-context.ts';
import { addOps, chunks, copiesOf, specOf } from './element-specs.ts';
import { newId } from './ids.ts';
import { translate } from './transform-math.ts';

/** Where a duplicate lands from its original, in world units. */
const DUPLICATE_OFFSET = 16;

/** The selected ids still shown. */
export function selectedIds(ctx: EditorContext): string[] {
  return ctx.selection.list().filter((id) => ctx.scene.itemOf(id) !== undefined);
}

/** Whether everything shown is selected: then transforms go out as `all: 1`. */
export function isEverythingSelected(ctx: EditorContext): boolean {
  const ids = selectedIds(ctx);
  if (ids.length === 0) return false;
  const selectable = ctx.scene.visible().filter((item) => !isLocked(item));
  return selectable.length === ids.length && selectable.every((item) => ctx.selection.has(item.id));
}

/** Everything shown but what is locked (a background stays put under select all and a move). */
export function selectAll(ctx: EditorContext): void {
  if (!ctx.canEdit()) return;
  ctx.selection.set(ctx.scene.visible().filter((item) => !isLocked(item)).map((item) => item.id));
}

export function deleteSelection(ctx: EditorContext): void {
  const ids = selectedIds(ctx);
  if (!ctx.canEdit() || ids.length === 0) return;
  for (const part of chunks(ids, LIMITS.maxEraseIds)) ctx.client.send({ k: 'erase', ids: part });
  ctx.selection.clear();
  ctx.redraw();
}

/** One transform of the whole selection, sent at once (a nudge). */
export function transformSelection(ctx: EditorContext, m: Matrix): void {
  const ids = selectedIds(ctx);
  if (!ctx.canEdit() || ids.length === 0) return;
  if (isEverythingSelected(ctx)) ctx.client.send({ k: 'xf', v: 1, all: 1, m });
  else for (const part of chunks(ids)) ctx.client.send({ k: 'xf', v: 1, ids: part, m });
  ctx.redraw();
}

/** Nudges this close together, of the same selection, are one undo step: holding an arrow key is one move. */
const NUDGES_JOIN_MS = 1_000;
let lastNudge: { at: number; seq: number; selection: string } | null = null;

/** Moves the selection by an arrow key's step; a run of them continues one `xf` (`c: 1`) as a drag does. */
export function nudge(ctx: EditorContext, dx: number, dy: number): void {
  const ids = selectedIds(ctx);
  if (!ctx.canEdit() || ids.length === 0) return;
  const selection = ids.join(' ');
  const now = performance.now();
  // Only if that nudge was this page's last operation and one operation: the fold continues exactly that one.
  const joins = lastNudge !== null && now - lastNudge.at < NUDGES_JOIN_MS && lastNudge.selection === selection && lastNudge.seq === ctx.client.lastSeq;
  if (joins) {
    lastNudge = { at: now, seq: ctx.client.send({ k: 'xf', v: 1, c: 1, m: translate(dx, dy) }), selection };
    ctx.redraw();
    return;
  }
  const before = ctx.client.lastSeq;
  transformSelection(ctx, translate(dx, dy));
  lastNudge = ctx.client.lastSeq === before + 1 ? { at: now, seq: ctx.client.lastSeq, selection } : null;
}

/** Sets properties on the selection; each item takes those its kind has (the fold ignores the rest). */
export function restyle(ctx: EditorContext, p: Props): void {
  const ids = selectedIds(ctx);
  if (!ctx.canEdit() || ids.length === 0) return;
  for (const part of chunks(ids)) ctx.client.send({ k: 'set', v: 1, ids: part, p });
  ctx.redraw();
}

/**
 * A new font size for the selection. A text element's width is where it
 * wraps: it scales with the size, so the same words stay on each line
 * (one `set` per text element, its own width); notes keep their box.
 */
export function setFontSize(ctx: EditorContext, fs: number): void {
  if (!ctx.canEdit()) return;
  const others: string[] = [];
  for (const id of selectedIds(ctx)) {
    const shape = ctx.scene.shapeOf(id);
    if (shape?.type !== 'text' || shape.w === 0) {
      others.push(id);
      continue;
    }
    const k = fs / shape.fs;
    ctx.client.send({ k: 'set', v: 1, ids: [id], p: { fs, w: Math.ceil(shape.w * k), h: Math.round(shape.h * k * 100) / 100 } });
  }
  if (others.length > 0) restyle(ctx, { fs });
  ctx.redraw();
}

/** Locks the selection as a background: clicks, the marquee, select all, moves and erasers then pass it by. */
export function lockSelection(ctx: EditorContext): void {
  restyle(ctx, { lock: 1 });
  ctx.selection.clear();
}

/** Unlocks everything locked (any editor may): the way back from lockSelection. The unlocked items are selected. */
export function unlockAll(ctx: EditorContext): void {
  const ids = ctx.scene.visible().filter(isLocked).map((item) => item.id);
  if (!ctx.canEdit() || ids.length === 0) return;
  for (const part of chunks(ids)) ctx.client.send({ k: 'set', v: 1, ids: part, p: { lock: 0 } });
  ctx.selection.set(ids);
  ctx.redraw();
}

/** Brings the selection above (or sends it below) everything else shown. */
export function restack(ctx: EditorContext, to: 'front' | 'back'): void {
  const visible = ctx.scene.visible();
  if (visible.length === 0) return;
  const stacks = visible.map(stackOf);
  // Ties keep their order by log position, so the selection stays in its own order.
  const z = to === 'front' ? Math.max(...stacks) + 1 : Math.min(...stacks) - 1;
  restyle(ctx, { z });
}

/** Copies of the selection as `add` specs (what copy and duplicate carry). */
export function selectionSpecs(ctx: EditorContext) {
  const ids = selectedIds(ctx);
  const copied = new Set(ids);
  const find = (id: string) => {
    const s = ctx.scene.shapeOf(id);
    return s ? { m: s.m, w: s.w, h: s.h } : undefined;
  };
  // Back to front, so the copies stack as the originals do.
  const items = ctx.scene.visible().filter((item) => copied.has(item.id));
  return items.map((item) => specOf(item, find, copied)).filter((s) => s !== null);
}

export function duplicateSelection(ctx: EditorContext): void {
  if (!ctx.canEdit()) return;
  const copies = copiesOf(selectionSpecs(ctx), DUPLICATE_OFFSET, DUPLICATE_OFFSET, newId);
  if (copies.length === 0) return;
  for (const op of addOps(copies)) ctx.client.send(op);
  ctx.selection.set(copies.map((c) => c.id));
  ctx.redraw();
}
