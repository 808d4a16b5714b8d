/**
 * What a renderer keeps per stroke: its points as one typed array, its
 * bounds (for the spatial index and culling), and how to paint it at a
 * given scale. Far out, where a stroke is a few pixels wide, it is painted
 * as a plain line (cheap: one lineTo per point); closer in, as the filled
 * perfect-freehand outline everyone else draws (server/board/outline.ts),
 * computed once and kept while memory allows. Ink moved, resized or
 * rotated keeps its points and is painted under its matrix (elements.ts).
 */
import { IDENTITY, isIdentity, meanScale, multiply, type Matrix } from '../../server/board/elements.ts';
import { outlineReach, placedBounds, strokeOutline, tracePolygon, type Bounds } from '../../server/board/outline.ts';
import { decodeFlat, type Point } from '../../server/protocol/points.ts';
import type { Rect } from './view.ts';

/** What the renderer needs of a stroke, confirmed or still local. */
export type Drawable = {
  id: string;
  color: string;
  w: number;
  pr: boolean;
  q?: number;
  ended: boolean;
  /** Log position of the stroke's first record: drawing order. Absent while local. */
  pos?: number;
  /** Where its points are placed once moved (absent: where drawn), its place in the stack once changed, and in the `add` that made it. */
  m?: Matrix;
  z?: number;
  i?: number;
  /** Encoded chunks (confirmed strokes) … */
  chunks?: string[];
  /** … or decoded points (the stroke being drawn here). */
  points?: Point[];
  n: number;
};

/** Below this width on screen (device pixels) a stroke is painted as a line. */
const LINE_BELOW_PX = 3;
/** Outline points beyond a few, split so a long stroke being drawn is not re-outlined whole each frame. */
const BLOCK = 256;

export class StrokeGeometry implements Rect {
  readonly id: string;
  readonly n: number;
  readonly ended: boolean;
  readonly color: string;
  readonly w: number;
  readonly pr: boolean;
  /** Stacking (state.ts's byStack): log position (local strokes last), z once changed, place in its `add`. */
  readonly pos: number;
  readonly z: number | undefined;
  readonly i: number | undefined;
  /** Placement of the points, null where drawn. */
  readonly m: Matrix | null;
  /** The points' own bounds, before the matrix and without the pen's reach. */
  readonly local: Bounds = { minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity };
  /** x, y (and p with pressure) per point, in world units. */
  readonly flat: Float32Array;
  readonly stride: number;
  minX = Infinity;
  minY = Infinity;
  maxX = -Infinity;
  maxY = -Infinity;
  /** Filled outline, built on first use at a scale that needs it. */
  outline: Path2D | null = null;
  outlineSize = 0;
  /** Outlines of finished 256-point blocks of a stroke still being drawn. */
  private blocks: Path2D[] = [];

  constructor(stroke: Drawable, previous?: StrokeGeometry) {
    this.id = stroke.id;
    this.n = stroke.n;
    this.ended = stroke.ended;
    this.color = stroke.color;
    this.w = stroke.w;
    this.pr = stroke.pr;
    this.pos = stroke.pos ?? Number.MAX_SAFE_INTEGER;
    this.z = stroke.z;
    this.i = stroke.i;
    this.m = stroke.m && !isIdentity(stroke.m) ? [...stroke.m] : null;
    this.stride = stroke.pr ? 3 : 2;
    // Same points, new placement or colour (a move, a drag): no decoding, and the outline, in the points' own units, still fits.
    const samePoints = previous !== undefined && previous.pos === this.pos && previous.n === stroke.n && previous.ended === stroke.ended && previous.pr === stroke.pr;
    this.flat = samePoints ? previous.flat : stroke.points ? flatten(stroke.points, stroke.pr) : decodeFlat(stroke.chunks ?? [], stroke.pr, stroke.q);
    if (samePoints && previous.w === stroke.w) {
      this.outline = previous.outline;
      this.outlineSize = previous.outlineSize;
    }
    const f = this.flat;
    const b = this.local;
    for (let i = 0; i < f.length; i += this.stride) {
      if (f[i]! < b.minX) b.minX = f[i]!;
      if (f[i]! > b.maxX) b.maxX = f[i]!;
      if (f[i + 1]! < b.minY) b.minY = f[i + 1]!;
      if (f[i + 1]! > b.maxY) b.maxY = f[i + 1]!;
    }
    const r = outlineReach(this.w);
    const reach = placedBounds({ minX: b.minX - r, minY: b.minY - r, maxX: b.maxX + r, maxY: b.maxY + r }, this.m ?? undefined);
    this.minX = reach.minX;
    this.minY = reach.minY;
    this.maxX = reach.maxX;
    this.maxY = reach.maxY;
    // A stroke still growing keeps the outline blocks it already has.
    if (previous && !stroke.ended && previous.blocks.length > 0) this.blocks = previous.blocks.filter((_, i) => (i + 1) * BLOCK < this.n);
  }

  /** Whether `stroke` looks as this geometry was made from: same points, colour, width, placement and place in the stack. */
  same(stroke: Drawable): boolean {
    const m = stroke.m && !isIdentity(stroke.m) ? stroke.m : null;
    return (
      stroke.n === this.n &&
      stroke.ended === this.ended &&
      stroke.color === this.color &&
      stroke.w === this.w &&
      (stroke.pos ?? Number.MAX_SAFE_INTEGER) === this.pos &&
      stroke.z === this.z &&
      stroke.i === this.i &&
      (m === this.m || (m !== null && this.m !== null && m.every((v, k) => v === this.m![k])))
    );
  }

  /** The points' box in their own units and the matrix placing it (selection frames). */
  placement(): { m: Matrix; w: number; h: number } {
    const { minX, minY, maxX, maxY } = this.local;
    if (this.n === 0) return { m: this.m ?? IDENTITY, w: 0, h: 0 };
    return { m: multiply(this.m ?? IDENTITY, [1, 0, 0, 1, minX, minY]), w: maxX - minX, h: maxY - minY };
  }

  /** Bounds of the points on the board, without the pen's reach: what a marquee must hold. */
  pointBounds(): Bounds {
    return placedBounds(this.local, this.m ?? undefined);
  }

  /** Paints the stroke; `scale` is device pixels per world unit of the context's transform. */
  paint(ctx: CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D, scale: number): void {
    if (!this.m) return this.paintPoints(ctx, scale);
    ctx.save();
    ctx.transform(...this.m);
    this.paintPoints(ctx, scale * meanScale(this.m));
    ctx.restore();
  }

  /** Paints the points in their own units; `scale` is device pixels per one of them. */
  private paintPoints(ctx: CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D, scale: number): void {
    if (this.w * scale < LINE_BELOW_PX) return this.paintLine(ctx);
    ctx.fillStyle = this.color;
    if (this.ended || this.n <= BLOCK) {
      ctx.fill((this.outline ??= this.buildOutline(0, this.n, this.ended)));
      return;
    }
    // A long stroke in progress: finished blocks are kept, only the tail is outlined again.
    while ((this.blocks.length + 1) * BLOCK < this.n) {
      const i = this.blocks.length;
      this.blocks.push(this.buildOutline(Math.max(0, i * BLOCK - 2), (i + 1) * BLOCK + 1, false));
    }
    for (const block of this.blocks) ctx.fill(block);
    ctx.fill(this.buildOutline(Math.max(0, this.blocks.length * BLOCK - 2), this.n, false));
  }

  private paintLine(ctx: CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D): void {
    const f = this.flat;
    const s = this.stride;
    ctx.strokeStyle = this.color;
    ctx.lineWidth = this.w * 0.75;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(f[0]!, f[1]!);
    if (f.length <= s) ctx.lineTo(f[0]! + 0.01, f[1]!);
    for (let i = s; i < f.length; i += s) ctx.lineTo(f[i]!, f[i + 1]!);
    ctx.stroke();
  }

  private buildOutline(from: number, to: number, last: boolean): Path2D {
    const points: Point[] = [];
    const f = this.flat;
    for (let i = from; i < Math.min(to, this.n); i++) {
      const k = i * this.stride;
      points.push(this.pr ? { x: f[k]!, y: f[k + 1]!, p: f[k + 2]! } : { x: f[k]!, y: f[k + 1]! });
    }
    const polygon = strokeOutline(points, { w: this.w, pr: this.pr, ended: last });
    const path = new Path2D();
    tracePolygon(polygon, path);
    if (from === 0 && to >= this.n) this.outlineSize = polygon.length;
    return path;
  }

  /**
   * Whether the stroke's ink comes within `radius` of the segment a-b (the
   * eraser's test): along its segments, not only at its points, which a
   * fast hand leaves tens of units apart; and as wide as its outline can be.
   */
  touches(a: Point, b: Point, radius: number): boolean {
    return this.near(a, b, radius);
  }

  /** Whether a point picks the stroke (the select tool's click): within `radius` of its ink. */
  hits(point: Point, radius: number): boolean {
    return this.near(point, point, radius);
  }

  private near(a: Point, b: Point, radius: number): boolean {
    if (this.maxX + radius < Math.min(a.x, b.x) || this.minX - radius > Math.max(a.x, b.x)) return false;
    if (this.maxY + radius < Math.min(a.y, b.y) || this.minY - radius > Math.max(a.y, b.y)) return false;
    const f = this.flat;
    const s = this.stride;
    if (f.length === 0) return false;
    const m = this.m;
    // Points on the board: under a matrix, mapped one by one (a segment maps to a segment), the pen scaled with them.
    const at = m ? (k: number): Point => ({ x: m[0] * f[k]! + m[2] * f[k + 1]! + m[4], y: m[1] * f[k]! + m[3] * f[k + 1]! + m[5] }) : (k: number): Point => ({ x: f[k]!, y: f[k + 1]! });
    const reach = radius + 0.8 * this.w * (m ? meanScale(m) : 1);
    if (f.length <= s) {
      const p = at(0);
      return distanceToSegment(p.x, p.y, a, b) <= reach;
    }
    let previous = at(0);
    for (let i = s; i < f.length; i += s) {
      const p = at(i);
      if (segmentsDistance(previous, p, a, b) <= reach) return true;
      previous = p;
    }
    return false;
  }
}

function flatten(points: readonly Point[], pressure: boolean): Float32Array {
  const stride = pressure ? 3 : 2;
  const out = new Float32Array(points.length * stride);
  points.forEach((p, i) => {
    out[i * stride] = p.x;
    out[i * stride + 1] = p.y;
    if (pressure) out[i * stride + 2] = p.p ?? 0.5;
  });
  return out;
}

/** Distance between segments p-q and a-b: 0 where they cross, else the nearest end to the other segment. */
export function segmentsDistance(p: Point, q: Point, a: Point, b: Point): number {
  const cross = (o: Point, u: Point, v: Point) => (u.x - o.x) * (v.y - o.y) - (u.y - o.y) * (v.x - o.x);
  const d1 = cross(a, b, p);
  const d2 = cross(a, b, q);
  const d3 = cross(p, q, a);
  const d4 = cross(p, q, b);
  if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) return 0;
  return Math.min(distanceToSegment(p.x, p.y, a, b), distanceToSegment(q.x, q.y, a, b), distanceToSegment(a.x, a.y, p, q), distanceToSegment(b.x, b.y, p, q));
}

function distanceToSegment(px: number, py: number, a: Point, b: Point): number {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const length2 = dx * dx + dy * dy;
  const t = length2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - a.x) * dx + (py - a.y) * dy) / length2));
  return Math.hypot(px - (a.x + t * dx), py - (a.y + t * dy));
}
