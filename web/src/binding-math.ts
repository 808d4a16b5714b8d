/**
 * Where a line's end sticks to a box element: on the box's outline, where
 * the way from the line's other end to the box's centre crosses it, so an
 * arrow touches the edge it points at (as Excalidraw does) and keeps
 * touching it when the box moves or is resized (the binding is a fraction
 * of the box: server/board/elements.ts). Pure.
 */
import { apply, invert, type Binding, type Matrix, type Point2, type ShapeType } from '../../server/board/elements.ts';

export type BoxTarget = { id: string; type: ShapeType; m: Matrix; w: number; h: number };

/**
 * The binding of a line end to `box`, on its outline towards `toward` (a
 * board point, usually the line's other end), and that point on the board.
 */
export function bindingOnOutline(box: BoxTarget, toward: Point2): { binding: Binding; at: Point2 } {
  const [lx, ly] = apply(invert(box.m), toward[0], toward[1]);
  // In fractions of the box, centred: the outline is at "radius" 0.5.
  let dx = box.w > 0 ? lx / box.w - 0.5 : 0;
  let dy = box.h > 0 ? ly / box.h - 0.5 : 0;
  if (dx === 0 && dy === 0) dx = 1;
  const reach = outlineReach(box.type, dx, dy);
  dx *= reach;
  dy *= reach;
  const u = clamp01(0.5 + dx);
  const v = clamp01(0.5 + dy);
  return { binding: { id: box.id, u: round(u), v: round(v) }, at: apply(box.m, round(u) * box.w, round(v) * box.h) };
}

/** The factor that takes the direction (dx, dy) from the centre onto the outline of a box of this kind (half-size 0.5). */
function outlineReach(type: ShapeType, dx: number, dy: number): number {
  if (type === 'ellipse') return 0.5 / Math.hypot(dx, dy);
  if (type === 'diamond') return 0.5 / (Math.abs(dx) + Math.abs(dy));
  return 0.5 / Math.max(Math.abs(dx), Math.abs(dy));
}

const clamp01 = (v: number) => Math.min(1, Math.max(0, v));
const round = (v: number) => Math.round(v * 10_000) / 10_000;
