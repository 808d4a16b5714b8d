/**
 * How a stroke looks: the filled outline that perfect-freehand draws around
 * its points. Every renderer fills this one shape (the web canvas, PNG and
 * SVG export, the server's SVG export), so they all agree.
 */
import { getStroke } from 'perfect-freehand';
import { decodePoints, type Point } from '../protocol/points.ts';
import type { Stroke } from './state.ts';

export type StrokeLook = Pick<Stroke, 'w' | 'pr' | 'ended'>;

/** A stroke's points in world units, all chunks in order. */
export function strokePoints(stroke: Pick<Stroke, 'chunks' | 'pr' | 'q'>): Point[] {
  if (stroke.chunks.length === 1) return decodePoints(stroke.chunks[0]!, stroke.pr, stroke.q);
  return stroke.chunks.flatMap((chunk) => decodePoints(chunk, stroke.pr, stroke.q));
}

/**
 * How far a stroke's outline can reach past its points' bounding box. It
 * keeps within the pen's largest radius of its points, 0.8 w (pressure 1
 * with thinning 0.6), except that a stroke shorter than 3 units rounds its
 * start around a point up to 3 units away.
 */
export function outlineReach(w: number): number {
  return 0.8 * w + 3;
}

/** The outline polygon, in world units. */
export function strokeOutline(points: readonly Point[], stroke: StrokeLook): number[][] {
  return getStroke(
    points.map((p) => [p.x, p.y, p.p ?? 0.5]),
    {
      size: stroke.w,
      thinning: stroke.pr ? 0.6 : 0.5,
      smoothing: 0.5,
      streamline: 0.4,
      simulatePressure: !stroke.pr,
      last: stroke.ended,
    },
  );
}

/**
 * The outline as path commands: quadratic curves through the midpoints of
 * the polygon's edges, closed. `to` receives (command, numbers) so canvas
 * (Path2D) and SVG (a `d` attribute) build the same shape.
 */
export function tracePolygon(polygon: number[][], to: { moveTo(x: number, y: number): void; quadraticCurveTo(cx: number, cy: number, x: number, y: number): void; closePath(): void }): void {
  if (polygon.length === 0) return;
  to.moveTo(polygon[0]![0]!, polygon[0]![1]!);
  for (let i = 1; i < polygon.length; i++) {
    const [x0, y0] = polygon[i - 1]!;
    const [x1, y1] = polygon[i]!;
    to.quadraticCurveTo(x0!, y0!, (x0! + x1!) / 2, (y0! + y1!) / 2);
  }
  to.closePath();
}

/** An SVG path `d` for the outline, coordinates rounded to 2 decimals. */
export function svgPath(polygon: number[][]): string {
  const parts: string[] = [];
  const r = (v: number) => Math.round(v * 100) / 100;
  tracePolygon(polygon, {
    moveTo: (x, y) => parts.push(`M${r(x)} ${r(y)}`),
    quadraticCurveTo: (cx, cy, x, y) => parts.push(`Q${r(cx)} ${r(cy)} ${r(x)} ${r(y)}`),
    closePath: () => parts.push('Z'),
  });
  return parts.join('');
}
