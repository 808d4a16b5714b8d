/**
 * Where the selection's frame and handles are, and which handle (if any)
 * is under the pointer. One item is framed in its own box, turned with it;
 * several by the bounds of them all. A lone line or arrow has a handle at
 * each end instead of a frame.
 */
import { BOX_TYPES, isLineType, lineEnds, type Point2, type Shape } from '../../server/board/elements.ts';
import type { EditorContext } from './editor-context.ts';
import { selectedIds } from './selection-actions.ts';
import { frameOfRect, framePoint, RESIZE_HANDLES, rotateHandle, ROTATE_HANDLE_OFFSET, unionOf, type Frame } from './transform-math.ts';

/** Half the side of a handle, in screen pixels; the pointer may miss by as much again. */
export const HANDLE_RADIUS = 5;

export type Handle = { kind: 'resize'; at: readonly [number, number] } | { kind: 'rotate' } | { kind: 'end'; end: 'sb' | 'eb' };

/** The one line or arrow selected, if that is the selection. */
export function lineSelected(ctx: EditorContext): Shape | null {
  const ids = selectedIds(ctx);
  if (ids.length !== 1) return null;
  const shape = ctx.scene.shapeOf(ids[0]!);
  return shape && isLineType(shape.type) ? shape : null;
}

/** A box element as shown: its placement and size (bindings are fractions of them). */
export function boxOf(ctx: EditorContext, id: string) {
  const s = ctx.scene.shapeOf(id);
  return s && BOX_TYPES.has(s.type) ? s : undefined;
}

/** A line's two ends on the board, stuck ends where their elements are shown now. */
export function endsOf(ctx: EditorContext, line: Shape): [Point2, Point2] {
  return lineEnds(line, (id) => boxOf(ctx, id));
}

/** The frame around the selection, or null when nothing is selected. */
export function selectionFrame(ctx: EditorContext): Frame | null {
  const ids = selectedIds(ctx);
  if (ids.length === 1) {
    const id = ids[0]!;
    // The renderer's box is the one drawn (text and notes as tall as their text); the element's own until it has drawn it.
    const placed = ctx.hit.placementOf(id);
    if (placed) return placed;
    const shape = ctx.scene.shapeOf(id);
    if (shape && !isLineType(shape.type)) return { m: shape.m, w: shape.w, h: shape.h };
  }
  const bounds = unionOf(ids.map((id) => ctx.hit.boundsOf(id)).filter((r) => r !== null));
  return bounds ? frameOfRect(bounds) : null;
}

/** Screen distance between two board points. */
function screenDistance(ctx: EditorContext, a: Point2, b: Point2): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1]) * ctx.view.zoom;
}

/** The handle under a board point, if the selection has one there. */
export function handleAt(ctx: EditorContext, point: Point2): Handle | null {
  if (!ctx.canEdit()) return null;
  const reach = HANDLE_RADIUS * 2;
  const line = lineSelected(ctx);
  if (line) {
    const [start, end] = endsOf(ctx, line);
    if (screenDistance(ctx, point, end) <= reach) return { kind: 'end', end: 'eb' };
    if (screenDistance(ctx, point, start) <= reach) return { kind: 'end', end: 'sb' };
    return null;
  }
  const frame = selectionFrame(ctx);
  if (!frame) return null;
  if (screenDistance(ctx, point, rotateHandle(frame, ROTATE_HANDLE_OFFSET / ctx.view.zoom)) <= reach) return { kind: 'rotate' };
  for (const at of RESIZE_HANDLES) {
    if (screenDistance(ctx, point, framePoint(frame, at[0], at[1])) <= reach) return { kind: 'resize', at };
  }
  return null;
}

/** Whether a board point is inside the selection's frame (a drag there moves the selection). */
export function insideFrame(ctx: EditorContext, point: Point2): boolean {
  const frame = selectionFrame(ctx);
  if (!frame || lineSelected(ctx)) return false;
  const corners = [framePoint(frame, 0, 0), framePoint(frame, 1, 0), framePoint(frame, 1, 1), framePoint(frame, 0, 1)];
  let inside = false;
  for (let i = 0, j = 3; i < 4; j = i++) {
    const [xi, yi] = corners[i]!;
    const [xj, yj] = corners[j]!;
    if (yi > point[1] !== yj > point[1] && point[0] < ((xj - xi) * (point[1] - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}
