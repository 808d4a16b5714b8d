/**
 * Geometry of editing, pure: the selection's frame and its handles, and
 * the transforms a drag on them means. Every transform here is a matrix
 * applied after each selected item's placement, as an `xf` operation
 * carries it (server/board/elements.ts), so a resize of a rotated shape is
 * computed in its own frame and sent as one relative matrix.
 */
import { apply, invert, isPlacement, multiply, type Matrix, type Point2 } from '../../server/board/elements.ts';
import type { Rect } from './view.ts';

/** Where a selection sits: a box (0, 0)-(w, h) placed by `m` (one item: its own; several: their bounds). */
export type Frame = { m: Matrix; w: number; h: number };

/** The eight resize handles, by their place on the frame as fractions of its width and height. */
export const RESIZE_HANDLES = [
  [0, 0],
  [0.5, 0],
  [1, 0],
  [1, 0.5],
  [1, 1],
  [0.5, 1],
  [0, 1],
  [0, 0.5],
] as const satisfies readonly (readonly [number, number])[];
export type HandleAt = (typeof RESIZE_HANDLES)[number];

/** How far above the frame the rotate handle is, in screen pixels. */
export const ROTATE_HANDLE_OFFSET = 24;

export const translate = (dx: number, dy: number): Matrix => [1, 0, 0, 1, dx, dy];
export const scaleAbout = (sx: number, sy: number, x: number, y: number): Matrix => [sx, 0, 0, sy, x - sx * x, y - sy * y];
export function rotateAbout(angle: number, x: number, y: number): Matrix {
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  return [cos, sin, -sin, cos, x - cos * x + sin * y, y - sin * x - cos * y];
}

/** The frame of axis-aligned bounds. */
export const frameOfRect = (r: Rect): Frame => ({ m: translate(r.minX, r.minY), w: r.maxX - r.minX, h: r.maxY - r.minY });

export function unionOf(rects: Iterable<Rect>): Rect | null {
  let out: Rect | null = null;
  for (const r of rects) {
    out = out ? { minX: Math.min(out.minX, r.minX), minY: Math.min(out.minY, r.minY), maxX: Math.max(out.maxX, r.maxX), maxY: Math.max(out.maxY, r.maxY) } : { ...r };
  }
  return out;
}

/** A point of the frame given as fractions of its size, on the board. */
export const framePoint = (f: Frame, u: number, v: number): Point2 => apply(f.m, u * f.w, v * f.h);

/** The rotate handle on the board: above the top edge's middle, `offset` world units out along the frame's up direction. */
export function rotateHandle(f: Frame, offset: number): Point2 {
  const [x, y] = framePoint(f, 0.5, 0);
  const [bx, by] = framePoint(f, 0.5, 1);
  const len = Math.hypot(x - bx, y - by) || 1;
  // A flipped frame has its "top" at the bottom; up is away from the far edge either way.
  return [x + ((x - bx) / len) * offset, y + ((y - by) / len) * offset];
}

/** The smallest size a resize leaves on a side, in the frame's own units (a zero scale could not be undone). */
const MIN_SIDE = 1;

/**
 * The transform that takes the frame's handle at (hu, hv) to `pointer`,
 * keeping the opposite point still: a side handle scales one way only;
 * `keepRatio` scales both ways alike (by the larger change). Computed in
 * the frame's own coordinates, so a rotated frame resizes along its sides.
 */
export function resizeTransform(f: Frame, handle: readonly [number, number], pointer: Point2, keepRatio: boolean): Matrix {
  const [hu, hv] = handle;
  const anchor: Point2 = [(1 - hu) * f.w, (1 - hv) * f.h];
  const [qx, qy] = apply(invert(f.m), pointer[0], pointer[1]);
  const scaleFor = (q: number, h: number, a: number, side: number) => {
    if (h === a) return 1;
    const s = (q - a) / (h - a);
    // Never thinner than MIN_SIDE: a flat item could not be seen nor undone.
    const min = side > 0 ? MIN_SIDE / side : 1;
    return Math.abs(s) < min ? (s < 0 ? -min : min) : s;
  };
  let sx = hu === 0.5 ? 1 : scaleFor(qx, hu * f.w, anchor[0], f.w);
  let sy = hv === 0.5 ? 1 : scaleFor(qy, hv * f.h, anchor[1], f.h);
  if (keepRatio) {
    if (hu === 0.5) sx = Math.abs(sy) * Math.sign(sx || 1);
    else if (hv === 0.5) sy = Math.abs(sx) * Math.sign(sy || 1);
    else {
      const s = Math.max(Math.abs(sx), Math.abs(sy));
      sx = s * Math.sign(sx);
      sy = s * Math.sign(sy);
    }
  }
  // On the board: into the frame, scale about the anchor, back out.
  return multiply(f.m, multiply(scaleAbout(sx, sy, anchor[0], anchor[1]), invert(f.m)));
}

/** Rotation steps with shift held. */
export const ROTATE_SNAP = Math.PI / 12;

/** The rotation about the frame's centre that turns `from` towards `to` (snapped to 15° steps of the total with `snap`). */
export function rotateTransform(f: Frame, from: Point2, to: Point2, snap: boolean): Matrix {
  const [cx, cy] = framePoint(f, 0.5, 0.5);
  let angle = Math.atan2(to[1] - cy, to[0] - cx) - Math.atan2(from[1] - cy, from[0] - cx);
  if (snap) angle = Math.round(angle / ROTATE_SNAP) * ROTATE_SNAP;
  return rotateAbout(angle, cx, cy);
}

/**
 * What to send next in a drag: the step from what was sent so far to the
 * transform wanted now (xf operations compose), or null when there is no
 * change or it would not be a placement. Entries are rounded so the log
 * holds short numbers; the rounding error is taken up by the next step.
 */
export function stepBetween(sent: Matrix, wanted: Matrix): Matrix | null {
  const step = multiply(wanted, invert(sent)).map((v, i) => round(v, i < 4 ? 1e6 : 100)) as Matrix;
  if (step[0] === 1 && step[1] === 0 && step[2] === 0 && step[3] === 1 && step[4] === 0 && step[5] === 0) return null;
  return isPlacement(step) ? step : null;
}

const round = (v: number, per: number) => Math.round(v * per) / per + 0;

/** A rectangle from two corners in any order. */
export function rectBetween(a: Point2, b: Point2): Rect {
  return { minX: Math.min(a[0], b[0]), minY: Math.min(a[1], b[1]), maxX: Math.max(a[0], b[0]), maxY: Math.max(a[1], b[1]) };
}

/** Whether a point is within `radius` of a segment. */
export function nearSegment(p: Point2, a: Point2, b: Point2, radius: number): boolean {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2));
  return Math.hypot(p[0] - (a[0] + t * dx), p[1] - (a[1] + t * dy)) <= radius;
}
