/**
 * A board as a standalone SVG document: a white background and one filled
 * outline per visible stroke, in drawing order, sized to the drawing. Pure
 * (board state in, text out), so the route streams it and tests read it.
 *
 * The document is produced in pieces, one per stroke. The viewBox must come
 * first, so the bounds are found beforehand from the strokes' points (cheap:
 * no outlines), widened by how far an outline can reach past its points;
 * each outline is then computed once, when its piece is asked for. Served
 * through a stream, a board of a million points is never held as one string
 * and the work is spread over the event loop as the reader drains it.
 */
import { outlineReach, strokeOutline, strokePoints, svgPath } from '../board/outline.ts';
import { visibleStrokes, type BoardState, type Stroke } from '../board/state.ts';

/** Room around the drawing, in world units (CSS pixels at 100% zoom). */
export const MARGIN = 16;
/** An empty board: a small blank page. */
const EMPTY_SIZE = 64;

export type ViewBox = { x: number; y: number; width: number; height: number };

/** How far an outline reaches past its points (board/outline.ts); the unit tests hold random outlines to it. */
export { outlineReach } from '../board/outline.ts';

/** The bounds of some points; empty (min above max) for none. */
function boundsOf(points: readonly { x: number; y: number }[]): { minX: number; minY: number; maxX: number; maxY: number } {
  const b = { minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity };
  for (const { x, y } of points) {
    if (x < b.minX) b.minX = x;
    if (y < b.minY) b.minY = y;
    if (x > b.maxX) b.maxX = x;
    if (y > b.maxY) b.maxY = y;
  }
  return b;
}

/** The drawing's bounds plus the margin, in whole units; a small page at the origin for an empty board. */
export function viewBoxOf(strokes: readonly Stroke[]): ViewBox {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const stroke of strokes) {
    const reach = outlineReach(stroke.w);
    const b = boundsOf(strokePoints(stroke));
    minX = Math.min(minX, b.minX - reach);
    minY = Math.min(minY, b.minY - reach);
    maxX = Math.max(maxX, b.maxX + reach);
    maxY = Math.max(maxY, b.maxY + reach);
  }
  if (minX > maxX) return { x: 0, y: 0, width: EMPTY_SIZE, height: EMPTY_SIZE };
  const x = Math.floor(minX - MARGIN);
  const y = Math.floor(minY - MARGIN);
  return { x, y, width: Math.ceil(maxX + MARGIN) - x, height: Math.ceil(maxY + MARGIN) - y };
}

// Characters XML 1.0 forbids even escaped (controls, lone surrogates, U+FFFE/F).
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Text made safe for XML content and quoted attributes: markup escaped, forbidden characters dropped. */
export function escapeXml(text: string): string {
  return text.replace(NOT_XML_CHAR, '').replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

export type SvgExportMeta = {
  board: string;
  /** The moment shown, epoch milliseconds. */
  at: number;
  /**
   * Only this part of the board (world units), e.g. what a screen shows:
   * it is the viewBox, and only strokes whose outline may meet it are
   * written. Without it, the whole drawing with a margin.
   */
  box?: ViewBox;
};

/** Whether a stroke's outline may meet `box`: its points, widened by the outline's reach, overlap it. */
function mayMeet(points: readonly { x: number; y: number }[], w: number, box: ViewBox): boolean {
  const reach = outlineReach(w);
  const b = boundsOf(points);
  return b.minX - reach <= box.x + box.width && b.maxX + reach >= box.x && b.minY - reach <= box.y + box.height && b.maxY + reach >= box.y;
}

/** A box's numbers to a thousandth of a unit: a view's corner is any fraction, the document need not carry them all. */
function roundBox({ x, y, width, height }: ViewBox): ViewBox {
  const r = (n: number) => Math.round(n * 1000) / 1000;
  return { x: r(x), y: r(y), width: r(width), height: r(height) };
}

/**
 * The SVG document of the board's visible strokes, in pieces: the head,
 * one `<path>` per stroke (`data-id`, `data-author`), the tail. A unit is a
 * CSS pixel, so the page opens at 100% zoom. With `meta.box`, only that
 * part of the board.
 */
export function* svgDocument(state: BoardState, meta: SvgExportMeta): Generator<string, void, undefined> {
  const strokes = visibleStrokes(state);
  const box = meta.box ? roundBox(meta.box) : viewBoxOf(strokes);
  const { x, y, width, height } = box;
  yield '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="${x} ${y} ${width} ${height}" width="${width}" height="${height}">\n` +
    `<title>${escapeXml(`Board ${meta.board} at ${new Date(meta.at).toISOString()}`)}</title>\n` +
    `<rect x="${x}" y="${y}" width="${width}" height="${height}" fill="#ffffff"/>\n`;
  for (const stroke of strokes) {
    const points = strokePoints(stroke);
    if (meta.box && !mayMeet(points, stroke.w, box)) continue;
    const d = svgPath(strokeOutline(points, stroke));
    // A stroke without points has no outline: nothing to draw.
    if (!d) continue;
    const author = stroke.name ? ` data-author="${escapeXml(stroke.name)}"` : '';
    yield `<path data-id="${escapeXml(stroke.id)}"${author} fill="${escapeXml(stroke.color)}" d="${d}"/>\n`;
  }
  yield '</svg>\n';
}

/**
 * The download's name: board and moment, the time in ISO 8601's basic
 * format (`20250102T030405.678Z`), which has no colons, as file systems
 * such as Windows' refuse them.
 */
export function exportFileName(board: string, at: number): string {
  return `${board}-${new Date(at).toISOString().replace(/[-:]/g, '')}.svg`;
}
