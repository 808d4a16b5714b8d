/**
 * Draws strokes on a canvas. Outlines come from perfect-freehand and are
 * cached per stroke until it grows, so a redraw only fills cached paths.
 */
import { getStroke } from 'perfect-freehand';
import { decodePoints, type Point } from '../../server/protocol/points.ts';

/** What the renderer needs of a stroke, confirmed or still local. */
export type Drawable = {
  id: string;
  color: string;
  w: number;
  pr: boolean;
  ended: boolean;
  /** Encoded chunks (confirmed strokes) … */
  chunks?: string[];
  /** … or decoded points (the stroke being drawn here). */
  points?: Point[];
  n: number;
};

type Cached = { n: number; ended: boolean; points: Point[]; path: Path2D };

export class Renderer {
  private readonly cache = new Map<string, Cached>();
  private readonly ctx: CanvasRenderingContext2D;

  constructor(private readonly canvas: HTMLCanvasElement) {
    this.ctx = canvas.getContext('2d')!;
  }

  /** Matches the canvas backing store to its CSS size and the screen's density. */
  resize(): void {
    const ratio = window.devicePixelRatio || 1;
    const { width, height } = this.canvas.getBoundingClientRect();
    this.canvas.width = Math.round(width * ratio);
    this.canvas.height = Math.round(height * ratio);
  }

  /** Decoded points of a stroke (cached), for hit-testing. */
  pointsOf(stroke: Drawable): Point[] {
    return this.entry(stroke).points;
  }

  draw(strokes: Iterable<Drawable>): void {
    const ratio = window.devicePixelRatio || 1;
    const ctx = this.ctx;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    const seen = new Set<string>();
    for (const stroke of strokes) {
      seen.add(stroke.id);
      ctx.fillStyle = stroke.color;
      ctx.fill(this.entry(stroke).path);
    }
    for (const id of this.cache.keys()) if (!seen.has(id)) this.cache.delete(id);
  }

  private entry(stroke: Drawable): Cached {
    const cached = this.cache.get(stroke.id);
    if (cached && cached.n === stroke.n && cached.ended === stroke.ended) return cached;
    const points = stroke.points ?? (stroke.chunks ?? []).flatMap((chunk) => decodePoints(chunk, stroke.pr));
    const entry: Cached = { n: stroke.n, ended: stroke.ended, points, path: outline(points, stroke) };
    this.cache.set(stroke.id, entry);
    return entry;
  }
}

function outline(points: Point[], stroke: Drawable): Path2D {
  const input = points.map((p) => [p.x, p.y, p.p ?? 0.5]);
  const polygon = getStroke(input, {
    size: stroke.w,
    thinning: stroke.pr ? 0.6 : 0.5,
    smoothing: 0.5,
    streamline: 0.4,
    simulatePressure: !stroke.pr,
    last: stroke.ended,
  });
  const path = new Path2D();
  if (polygon.length === 0) return path;
  path.moveTo(polygon[0]![0]!, polygon[0]![1]!);
  for (let i = 1; i < polygon.length; i++) {
    const [x0, y0] = polygon[i - 1]!;
    const [x1, y1] = polygon[i]!;
    path.quadraticCurveTo(x0!, y0!, (x0! + x1!) / 2, (y0! + y1!) / 2);
  }
  path.closePath();
  return path;
}
