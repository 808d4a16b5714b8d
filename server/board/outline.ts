/**
 * How ink and elements look: the filled outline that perfect-freehand draws
 * around a stroke's points, and the outline, arrowheads and text lines of
 * an element. Every renderer draws these same shapes (the web canvas, its
 * tiles, PNG and SVG export, the server's SVG export), so they all agree.
 */
import { getStroke } from 'perfect-freehand';
import { decodePoints, type Point } from '../protocol/points.ts';
import { baselineOffset, LINE_HEIGHT, textWidth, wrapText } from '../text/layout.ts';
import { apply, ARROW_END, ARROW_START, boxCorners, isLineType, lineEnds, meanScale, type Matrix, type Point2, type Shape } from './elements.ts';
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

// ---------------------------------------------------------------------------
// Elements (elements.ts): the one geometry the canvas, the tiles and both SVG
// exports build their pictures from. Paths are in board units, so a stroke
// drawn along them is `sw` board units wide however the element is scaled
// (the canvas strokes them with no matrix applied, SVG writes them as they are).

/** Room between a sticky note's edge and its text, in the note's own units. */
export const NOTE_PADDING = 12;
/** A note's colour when it has none. */
export const NOTE_FILL = '#ffec99';

/** What drawing an element needs: its properties, and for a line its two ends on the board (lineEnds). */
export type ShapeLook = Pick<Shape, 'type' | 'm' | 'w' | 'h' | 'pts' | 'color' | 'fill' | 'sw' | 'dash' | 'text' | 'fs' | 'ah' | 'file'> & { ends: [Point2, Point2] | null };

/** The look of an element as drawn now, its bound line ends following their elements. */
export function lookOf(shape: Shape, find: (id: string) => { m: Matrix; w: number; h: number } | undefined): ShapeLook {
  const { type, m, w, h, pts, color, fill, sw, dash, text, fs, ah, file } = shape;
  // Copies: the fold changes a line's ends in place, and a renderer compares the look it drew with the one now.
  return { type, m: [...m], w, h, pts: pts ? [...pts] : null, color, fill, sw, dash, text, fs, ah, file, ends: isLineType(type) ? lineEnds(shape, find) : null };
}

/** Receives a path: Path2D and CanvasRenderingContext2D are such sinks, and so is svgPathOf's builder. */
export type PathSink = {
  moveTo(x: number, y: number): void;
  lineTo(x: number, y: number): void;
  bezierCurveTo(c1x: number, c1y: number, c2x: number, c2y: number, x: number, y: number): void;
  closePath(): void;
};

/** Bézier handles of a quarter ellipse: 4(√2 − 1)/3 of its radius (error 0.03%). */
const KAPPA = 0.5522847498;

/**
 * The element's outline on the board: a box kind's rectangle, ellipse or
 * diamond placed by its matrix (affine maps keep lines and Bézier curves,
 * so mapping the control points is exact), or a line's segment.
 */
export function traceShape(look: ShapeLook, to: PathSink): void {
  if (look.ends) {
    to.moveTo(...look.ends[0]);
    to.lineTo(...look.ends[1]);
    return;
  }
  const w = boxWidth(look);
  const h = boxHeight(look);
  const at = (x: number, y: number) => apply(look.m, x, y);
  const poly = (points: Point2[]) => {
    to.moveTo(...points[0]!);
    for (const p of points.slice(1)) to.lineTo(...p);
    to.closePath();
  };
  if (look.type === 'diamond') return poly([at(w / 2, 0), at(w, h / 2), at(w / 2, h), at(0, h / 2)]);
  if (look.type !== 'ellipse') return poly([at(0, 0), at(w, 0), at(w, h), at(0, h)]);
  const [cx, cy, rx, ry] = [w / 2, h / 2, w / 2, h / 2];
  const [kx, ky] = [rx * KAPPA, ry * KAPPA];
  const curve = (c1: Point2, c2: Point2, end: Point2) => to.bezierCurveTo(...c1, ...c2, ...end);
  to.moveTo(...at(cx + rx, cy));
  curve(at(cx + rx, cy + ky), at(cx + kx, cy + ry), at(cx, cy + ry));
  curve(at(cx - kx, cy + ry), at(cx - rx, cy + ky), at(cx - rx, cy));
  curve(at(cx - rx, cy - ky), at(cx - kx, cy - ry), at(cx, cy - ry));
  curve(at(cx + kx, cy - ry), at(cx + rx, cy - ky), at(cx + rx, cy));
  to.closePath();
}

/** Arrowheads: open chevrons, each three points (one side, the tip, the other side), on the board. */
export function arrowHeads(look: ShapeLook): [Point2, Point2, Point2][] {
  if (!look.ends || look.ah === 0) return [];
  const [a, b] = look.ends;
  const length = Math.hypot(b[0] - a[0], b[1] - a[1]);
  if (length === 0) return [];
  // Grows with the stroke, but never past half the line.
  const size = Math.min(8 + 3 * look.sw, length / 2);
  const spread = Math.PI / 7;
  const head = (tip: Point2, from: Point2): [Point2, Point2, Point2] => {
    const angle = Math.atan2(from[1] - tip[1], from[0] - tip[0]);
    const side = (turn: number): Point2 => [tip[0] + size * Math.cos(angle + turn), tip[1] + size * Math.sin(angle + turn)];
    return [side(spread), tip, side(-spread)];
  };
  const heads: [Point2, Point2, Point2][] = [];
  if (look.ah & ARROW_START) heads.push(head(a, b));
  if (look.ah & ARROW_END) heads.push(head(b, a));
  return heads;
}

/** Dashes and gaps along a dashed outline, in board units (drawn with round caps, which add sw to each dash). */
export function dashPattern(sw: number): [number, number] {
  return [2 * sw + 2, 3 * sw + 2];
}

/** Whether a kind draws its outline (text and notes have none) and whether it is filled. */
export const isStroked = (look: Pick<ShapeLook, 'type' | 'sw'>) => look.type !== 'text' && look.type !== 'note' && look.type !== 'image' && look.sw > 0;
export const fillOf = (look: Pick<ShapeLook, 'type' | 'fill'>): string | null => (look.type === 'note' ? (look.fill ?? NOTE_FILL) : isLineType(look.type) || look.type === 'image' ? null : look.fill);

/**
 * Where the text of a text element or note goes, in its own units: lines
 * from wrapText (never from a browser's measurements, so every reader
 * breaks alike) and the first line's top-left corner. Line i's baseline is
 * at top + i·fs·LINE_HEIGHT + baselineOffset(fs), in every renderer. Text
 * wraps at its box's width (a note's less its padding); a width of 0 means
 * "as typed", lines broken only where the text breaks them.
 */
export function textLayoutOf(look: Pick<ShapeLook, 'type' | 'w' | 'text' | 'fs'>): { lines: string[]; left: number; top: number; height: number } | null {
  if (look.type !== 'text' && look.type !== 'note') return null;
  const pad = look.type === 'note' ? NOTE_PADDING : 0;
  const lines = wrapped(look.text, look.fs, look.w > 0 ? Math.max(0, look.w - 2 * pad) : null);
  return { lines, left: pad, top: pad, height: lines.length * look.fs * LINE_HEIGHT + 2 * pad };
}

/**
 * Lines of text already wrapped, by text, size and width. Wrapping is pure,
 * and a renderer asks for the same note's lines for its bounds, its hit
 * test and its painting, every frame it moves: kept, not redone. Cleared
 * whole when full, which a board's worth of distinct texts rarely is.
 */
const WRAPPED_KEPT = 4_096;
const wrappedLines = new Map<string, string[]>();
function wrapped(text: string, fs: number, width: number | null): string[] {
  const key = `${fs}\u0000${width}\u0000${text}`;
  let lines = wrappedLines.get(key);
  if (!lines) {
    if (wrappedLines.size >= WRAPPED_KEPT) wrappedLines.clear();
    lines = wrapText(text, fs, width);
    wrappedLines.set(key, lines);
  }
  return lines;
}

/** Baseline of line i of a text laid out by textLayoutOf, in the element's own units. */
export function baselineOf(layout: { top: number }, fs: number, i: number): number {
  return layout.top + i * fs * LINE_HEIGHT + baselineOffset(fs);
}

/** A box's height as drawn: text and notes grow to hold their text. */
export function boxHeight(look: Pick<ShapeLook, 'type' | 'w' | 'h' | 'text' | 'fs'>): number {
  const layout = textLayoutOf(look);
  return layout ? Math.max(look.h, layout.height) : look.h;
}

/** A box's width as drawn: text typed with no width is as wide as its widest line. */
export function boxWidth(look: Pick<ShapeLook, 'type' | 'w' | 'text' | 'fs'>): number {
  if (look.w > 0 || (look.type !== 'text' && look.type !== 'note')) return look.w;
  const pad = look.type === 'note' ? 2 * NOTE_PADDING : 0;
  return wrapped(look.text, look.fs, null).reduce((widest, line) => Math.max(widest, textWidth(line, look.fs)), 0) + pad;
}

export type Bounds = { minX: number; minY: number; maxX: number; maxY: number };

/** Bounds of points, widened by `by`. */
export function boundsOfPoints(points: readonly Point2[], by = 0): Bounds {
  const b = { minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity };
  for (const [x, y] of points) {
    if (x < b.minX) b.minX = x;
    if (y < b.minY) b.minY = y;
    if (x > b.maxX) b.maxX = x;
    if (y > b.maxY) b.maxY = y;
  }
  return { minX: b.minX - by, minY: b.minY - by, maxX: b.maxX + by, maxY: b.maxY + by };
}

/**
 * Everything an element paints on the board lies within these bounds: its
 * box's corners (an ellipse or diamond lies inside them too), or a line's
 * ends and arrowheads, widened by half its stroke (round joins and caps),
 * and for text by a little for glyphs that overhang their advance.
 */
export function shapeBounds(look: ShapeLook): Bounds {
  if (look.ends) return boundsOfPoints([...look.ends, ...arrowHeads(look).flat()], look.sw / 2);
  const corners = boxCorners(look.m, boxWidth(look), boxHeight(look));
  const overhang = look.type === 'text' ? look.fs * meanScale(look.m) * 0.25 : 0;
  return boundsOfPoints(corners, Math.max(isStroked(look) ? look.sw / 2 : 0, overhang));
}

/**
 * Bounds of ink placed by a matrix: its points' bounds in its own units
 * (`local`, widened by outlineReach before the matrix, as the outline is
 * built there and the matrix scales it), their corners mapped to the board.
 */
export function placedBounds(local: Bounds, m: Matrix | undefined): Bounds {
  if (!m) return local;
  return boundsOfPoints([apply(m, local.minX, local.minY), apply(m, local.maxX, local.minY), apply(m, local.maxX, local.maxY), apply(m, local.minX, local.maxY)]);
}

/** An SVG path `d` of a traced path, coordinates rounded to 2 decimals. */
export function svgPathOf(trace: (to: PathSink) => void): string {
  const parts: string[] = [];
  const r = (v: number) => Math.round(v * 100) / 100;
  trace({
    moveTo: (x, y) => parts.push(`M${r(x)} ${r(y)}`),
    lineTo: (x, y) => parts.push(`L${r(x)} ${r(y)}`),
    bezierCurveTo: (a, b, c, d, x, y) => parts.push(`C${r(a)} ${r(b)} ${r(c)} ${r(d)} ${r(x)} ${r(y)}`),
    closePath: () => parts.push('Z'),
  });
  return parts.join('');
}
