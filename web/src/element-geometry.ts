/**
 * Where an element is, for the select tool, the eraser and the marquee:
 * pure geometry over an element's look (server/board/outline.ts), so it is
 * tested without a browser. Points and radii are in board units.
 */
import { apply, invert, multiply, type Matrix, type Point2 } from '../../server/board/elements.ts';
import { arrowHeads, boxHeight, boxWidth, fillOf, isStroked, shapeBounds, traceShape, type Bounds, type ShapeLook } from '../../server/board/outline.ts';
import { segmentsDistance } from './stroke-geometry.ts';

export { shapeBounds } from '../../server/board/outline.ts';

type Point = { x: number; y: number };

/** Segments per Bézier curve when an ellipse's outline is followed for hit testing (error under 0.2% of its radius). */
const CURVE_STEPS = 12;

/** The lines an element draws, as polylines on the board: its outline (ellipses flattened) and arrowheads. */
export function strokedPolylines(look: ShapeLook): Point2[][] {
  const lines: Point2[][] = [];
  let current: Point2[] = [];
  let start: Point2 = [0, 0];
  traceShape(look, {
    moveTo(x, y) {
      current = [[x, y]];
      start = [x, y];
      lines.push(current);
    },
    lineTo(x, y) {
      current.push([x, y]);
    },
    bezierCurveTo(ax, ay, bx, by, x, y) {
      const [px, py] = current.at(-1)!;
      for (let k = 1; k <= CURVE_STEPS; k++) {
        const t = k / CURVE_STEPS;
        const u = 1 - t;
        current.push([u * u * u * px + 3 * u * u * t * ax + 3 * u * t * t * bx + t * t * t * x, u * u * u * py + 3 * u * u * t * ay + 3 * u * t * t * by + t * t * t * y]);
      }
    },
    closePath() {
      current.push(start);
    },
  });
  return [...lines, ...arrowHeads(look)];
}

/** Whether a board point is inside an element's area: a box kind's rectangle, ellipse or diamond (lines have none). */
export function insideShape(look: ShapeLook, point: Point): boolean {
  if (look.ends) return false;
  const [x, y] = apply(invert(look.m), point.x, point.y);
  const w = boxWidth(look);
  const h = boxHeight(look);
  if (look.type === 'ellipse' || look.type === 'diamond') {
    if (w <= 0 || h <= 0) return false;
    const dx = Math.abs(x - w / 2) / (w / 2);
    const dy = Math.abs(y - h / 2) / (h / 2);
    return look.type === 'ellipse' ? dx * dx + dy * dy <= 1 : dx + dy <= 1;
  }
  return x >= 0 && x <= w && y >= 0 && y <= h;
}

/** Whether the inside of an element can be picked: filled shapes, notes, text boxes and images; a shape with no fill only by its outline. */
const solid = (look: ShapeLook) => fillOf(look) !== null || look.type === 'text' || look.type === 'note' || look.type === 'image';

/** Whether the segment a-b comes within `radius` of the lines an element draws (half its stroke width counted). */
function nearOutline(look: ShapeLook, a: Point, b: Point, radius: number): boolean {
  const reach = radius + (isStroked(look) ? look.sw / 2 : 0);
  for (const line of strokedPolylines(look)) {
    for (let k = 1; k < line.length; k++) {
      const p = { x: line[k - 1]![0], y: line[k - 1]![1] };
      const q = { x: line[k]![0], y: line[k]![1] };
      if (segmentsDistance(p, q, a, b) <= reach) return true;
    }
    if (line.length === 1 && segmentsDistance({ x: line[0]![0], y: line[0]![1] }, { x: line[0]![0], y: line[0]![1] }, a, b) <= reach) return true;
  }
  return false;
}

/**
 * Whether a point picks an element (the select tool's click): inside a
 * filled shape, a note or a text box, or within `radius` of its outline or
 * of a line, as drawn.
 */
export function hitShape(look: ShapeLook, point: Point, radius: number): boolean {
  if (!nearBounds(look, point, point, radius)) return false;
  return (solid(look) && insideShape(look, point)) || nearOutline(look, point, point, radius);
}

/** Whether the eraser's path a-b, `radius` wide, touches an element: as hitShape, along a segment. */
export function shapeTouches(look: ShapeLook, a: Point, b: Point, radius: number): boolean {
  if (!nearBounds(look, a, b, radius)) return false;
  return (solid(look) && (insideShape(look, a) || insideShape(look, b))) || nearOutline(look, a, b, radius);
}

function nearBounds(look: ShapeLook, a: Point, b: Point, radius: number): boolean {
  const box = shapeBounds(look);
  return box.minX - radius <= Math.max(a.x, b.x) && box.maxX + radius >= Math.min(a.x, b.x) && box.minY - radius <= Math.max(a.y, b.y) && box.maxY + radius >= Math.min(a.y, b.y);
}

/** Whether `inner` lies entirely within `outer` (a marquee holding an item). */
export function within(inner: Bounds, outer: Bounds): boolean {
  return inner.minX >= outer.minX && inner.maxX <= outer.maxX && inner.minY >= outer.minY && inner.maxY <= outer.maxY;
}

/**
 * An element's box in its own units and the matrix placing it, as drawn:
 * a box kind's (0, 0)-(w, h) (text and notes grown to hold their text),
 * or the bounds of a line's two ends in its own units, bound ends where
 * they are now. Selection frames and handles are drawn from it.
 */
export function shapePlacement(look: ShapeLook): { m: Matrix; w: number; h: number } {
  if (!look.ends) return { m: [...look.m], w: boxWidth(look), h: boxHeight(look) };
  const back = invert(look.m);
  const [x1, y1] = apply(back, ...look.ends[0]);
  const [x2, y2] = apply(back, ...look.ends[1]);
  const [minX, minY] = [Math.min(x1, x2), Math.min(y1, y2)];
  return { m: multiply(look.m, [1, 0, 0, 1, minX, minY]), w: Math.abs(x2 - x1), h: Math.abs(y2 - y1) };
}

/** Whether two looks draw the same picture (the renderer repaints tiles only when one changed). */
export function sameLook(a: ShapeLook, b: ShapeLook): boolean {
  if (a.type !== b.type || a.w !== b.w || a.h !== b.h || a.color !== b.color || a.fill !== b.fill || a.sw !== b.sw) return false;
  if (a.dash !== b.dash || a.text !== b.text || a.fs !== b.fs || a.ah !== b.ah || a.file !== b.file) return false;
  if (!sameNumbers(a.m, b.m) || !sameNumbers(a.pts, b.pts)) return false;
  if (!a.ends || !b.ends) return a.ends === b.ends;
  return sameNumbers([...a.ends[0], ...a.ends[1]], [...b.ends[0], ...b.ends[1]]);
}

function sameNumbers(a: readonly number[] | null, b: readonly number[] | null): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && a.every((v, k) => v === b[k]);
}
