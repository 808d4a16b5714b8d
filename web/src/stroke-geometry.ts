/**
 * What a renderer keeps per stroke: its points as one typed array, its
 * bounds (for the spatial index and culling), and how to paint it at a
 * given scale. Far out, where a stroke is a few pixels wide, it is painted
 * as a plain line (cheap: one lineTo per point); closer in, as the filled
 * perfect-freehand outline everyone else draws (server/board/outline.ts),
 * computed once and kept while memory allows.
 */
import { outlineReach, strokeOutline, tracePolygon } from '../../server/board/outline.ts';
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
  readonly order: number;
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
    this.order = stroke.pos ?? Number.MAX_SAFE_INTEGER;
    this.stride = stroke.pr ? 3 : 2;
    this.flat = stroke.points ? flatten(stroke.points, stroke.pr) : decodeFlat(stroke.chunks ?? [], stroke.pr, stroke.q);
    const f = this.flat;
    for (let i = 0; i < f.length; i += this.stride) {
      if (f[i]! < this.minX) this.minX = f[i]!;
      if (f[i]! > this.maxX) this.maxX = f[i]!;
      if (f[i + 1]! < this.minY) this.minY = f[i + 1]!;
      if (f[i + 1]! > this.maxY) this.maxY = f[i + 1]!;
    }
    const r = outlineReach(this.w);
    this.minX -= r;
    this.minY -= r;
    this.maxX += r;
    this.maxY += r;
    // A stroke still growing keeps the outline blocks it already has.
    if (previous && !stroke.ended && previous.blocks.length > 0) this.blocks = previous.blocks.filter((_, i) => (i + 1) * BLOCK < this.n);
  }

  /** Paints the stroke; `scale` is device pixels per world unit of the context's transform. */
  paint(ctx: CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D, scale: number): void {
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
    const reach = radius + 0.8 * this.w;
    if (this.maxX + radius < Math.min(a.x, b.x) || this.minX - radius > Math.max(a.x, b.x)) return false;
    if (this.maxY + radius < Math.min(a.y, b.y) || this.minY - radius > Math.max(a.y, b.y)) return false;
    const f = this.flat;
    const s = this.stride;
    if (f.length <= s) return distanceToSegment(f[0]!, f[1]!, a, b) <= reach;
    for (let i = s; i < f.length; i += s) {
      if (segmentsDistance({ x: f[i - s]!, y: f[i - s + 1]! }, { x: f[i]!, y: f[i + 1]! }, a, b) <= reach) return true;
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
