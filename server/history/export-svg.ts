/**
 * A board as a standalone SVG document: a white background, the board's
 * paper (dots, squares or lines as a `<pattern>`, unless left out) and every
 * visible item back to front, as the board stacks them (state.ts's
 * visibleItems), sized to the drawing. Ink is its filled outline, placed by
 * its matrix; an element is its outline in board units (so its stroke is
 * as wide as on the canvas whatever its matrix), filled, dashed, with
 * arrowheads, and text as one `<tspan>` per line from wrapText, in the
 * board font carried inside the document. Pure (board state in, text out),
 * so the route streams it and tests read it.
 *
 * The document is produced in pieces, one per item. The viewBox must come
 * first, so the bounds are found beforehand from the strokes' points (cheap:
 * no outlines), widened by how far an outline can reach past its points;
 * each outline is then computed once, when its piece is asked for. Served
 * through a stream, a board of a million points is never held as one string
 * and the work is spread over the event loop as the reader drains it.
 */
import type { Matrix, Shape } from '../board/elements.ts';
import {
  arrowHeads,
  baselineOf,
  boundsOfPoints,
  dashPattern,
  fillOf,
  isStroked,
  lookOf,
  outlineReach,
  placedBounds,
  shapeBounds,
  strokeOutline,
  strokePoints,
  svgPath,
  svgPathOf,
  textLayoutOf,
  traceShape,
  type Bounds,
  type ShapeLook,
} from '../board/outline.ts';
import { PAPER_SPACING, type Paper } from '../board/board-settings.ts';
import { isVisible, visibleItems, type BoardState, type Stroke } from '../board/state.ts';
import { BOARD_FONT } from '../text/layout.ts';

/** Room around the drawing, in world units (CSS pixels at 100% zoom). */
export const MARGIN = 16;
/** An empty board: a small blank page. */
const EMPTY_SIZE = 64;

export type ViewBox = { x: number; y: number; width: number; height: number };

/** How far an outline reaches past its points (board/outline.ts); the unit tests hold random outlines to it. */
export { outlineReach } from '../board/outline.ts';

type Item = Stroke | Shape;
type Find = (id: string) => Shape | undefined;
const isInk = (item: Item): item is Stroke => 'chunks' in item;

/** Ink's bounds on the board: its points widened by its pen's reach, placed by its matrix. */
function inkBounds(stroke: Stroke, points = strokePoints(stroke)): Bounds {
  return placedBounds(boundsOfPoints(points.map((p) => [p.x, p.y]), outlineReach(stroke.w)), stroke.m);
}

/** Shapes by id, as lines find the elements their ends stick to: only those drawn (as on the canvas). */
function finder(items: readonly Item[]): Find {
  const shapes = new Map<string, Shape>();
  for (const item of items) if (!isInk(item) && isVisible(item)) shapes.set(item.id, item);
  return (id) => shapes.get(id);
}

/** The drawing's bounds plus the margin, in whole units; a small page at the origin for an empty board. */
export function viewBoxOf(items: readonly Item[], find: Find = finder(items)): ViewBox {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const item of items) {
    const b = isInk(item) ? inkBounds(item) : shapeBounds(lookOf(item, find));
    minX = Math.min(minX, b.minX);
    minY = Math.min(minY, b.minY);
    maxX = Math.max(maxX, b.maxX);
    maxY = Math.max(maxY, b.maxY);
  }
  if (!(minX <= maxX) || !(minY <= maxY)) return { x: 0, y: 0, width: EMPTY_SIZE, height: EMPTY_SIZE };
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
  /**
   * The content of a `<style>` declaring the board font (svgFontFace() in
   * server/text/font-file.ts; fontFaceCss with a data: URL on a page), put
   * in documents with text so they show the same glyphs wherever opened.
   * Without it, text asks for the board font by name and falls back.
   */
  fontFace?: string;
  /**
   * The pictures of the image elements, by file hash, as URLs the document
   * carries (data: URLs, so that it stands alone). A picture missing here
   * is drawn as the placeholder the board shows until a picture arrives.
   */
  pictures?: ReadonlyMap<string, string>;
  /** Whether the board's paper is drawn under the drawing (the default); false: a plain white page. */
  paper?: boolean;
};

/**
 * How papers look, on screen (web/src/paper.ts) and in exports: light grey
 * lines and dots, every PAPER_SPACING world units, the lines and dots on the
 * multiples of it, so the grid stays where it was whatever part is exported.
 */
export const PAPER_LOOK = { line: '#dee2e6', lineWidth: 1, dot: '#ced4da', dotRadius: 1.5 } as const;

/**
 * The paper as a `<pattern>` of one period in board units, and the rect it
 * fills; empty for blank paper. The period is centred on a grid point, so
 * the pattern's cell edges never cut a line or a dot in half.
 */
export function paperSvg(paper: Paper, box: ViewBox): string {
  if (paper === 'blank') return '';
  const s = PAPER_SPACING;
  const c = s / 2;
  const line = (x1: number, y1: number, x2: number, y2: number) =>
    `<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="${PAPER_LOOK.line}" stroke-width="${PAPER_LOOK.lineWidth}"/>`;
  const cell =
    paper === 'dots'
      ? `<circle cx="${c}" cy="${c}" r="${PAPER_LOOK.dotRadius}" fill="${PAPER_LOOK.dot}"/>`
      : paper === 'lines'
        ? line(0, c, s, c)
        : line(c, 0, c, s) + line(0, c, s, c);
  return (
    `<defs><pattern id="paper" data-paper="${paper}" patternUnits="userSpaceOnUse" x="${-c}" y="${-c}" width="${s}" height="${s}">${cell}</pattern></defs>\n` +
    `<rect x="${box.x}" y="${box.y}" width="${box.width}" height="${box.height}" fill="url(#paper)"/>\n`
  );
}

/** The files of the image elements a state shows: what an export of it must carry. */
export function picturesOf(state: BoardState): Set<string> {
  const files = new Set<string>();
  for (const shape of state.shapes.values()) if (shape.type === 'image' && shape.file && isVisible(shape)) files.add(shape.file);
  return files;
}

const meets = (b: Bounds, box: ViewBox) => b.minX <= box.x + box.width && b.maxX >= box.x && b.minY <= box.y + box.height && b.maxY >= box.y;

/** A box's numbers to a thousandth of a unit: a view's corner is any fraction, the document need not carry them all. */
function roundBox({ x, y, width, height }: ViewBox): ViewBox {
  const r = (n: number) => Math.round(n * 1000) / 1000;
  return { x: r(x), y: r(y), width: r(width), height: r(height) };
}

/** A number for an attribute: a millionth is finer than any screen shows a matrix entry. */
const num = (v: number) => String(Math.round(v * 1e6) / 1e6);
const matrixOf = (m: Matrix) => `matrix(${m.map(num).join(' ')})`;
const authorOf = (item: Item) => (item.name ? ` data-author="${escapeXml(item.name)}"` : '');
const hasText = (item: Item) => !isInk(item) && (item.type === 'text' || item.type === 'note') && item.text !== '';

/** A stroke's filled outline, placed by its matrix; null for a stroke without points. */
function inkSvg(stroke: Stroke, points = strokePoints(stroke)): string | null {
  const d = svgPath(strokeOutline(points, stroke));
  if (!d) return null;
  const transform = stroke.m ? ` transform="${matrixOf(stroke.m)}"` : '';
  return `<path data-id="${escapeXml(stroke.id)}"${authorOf(stroke)} fill="${escapeXml(stroke.color)}"${transform} d="${d}"/>\n`;
}

/** An image: its picture over its box, under its matrix; the board's placeholder when the picture is not at hand. */
function imageSvg(shape: Shape, look: ShapeLook, pictures: SvgExportMeta['pictures']): string {
  const picture = look.file ? pictures?.get(look.file) : undefined;
  const size = `width="${num(look.w)}" height="${num(look.h)}"`;
  const body = picture
    ? `<image href="${escapeXml(picture)}" ${size} preserveAspectRatio="none"/>`
    : `<rect ${size} fill="#f1f3f5" stroke="#ced4da" stroke-width="1" vector-effect="non-scaling-stroke"/>`;
  return `<g data-id="${escapeXml(shape.id)}"${authorOf(shape)} data-type="image" transform="${matrixOf(look.m)}">${body}</g>\n`;
}

/** An element: its fill and outline as one path in board units, its text under its matrix, its arrowheads. */
function shapeSvg(shape: Shape, look: ShapeLook, pictures?: SvgExportMeta['pictures']): string {
  if (look.type === 'image') return imageSvg(shape, look, pictures);
  const parts: string[] = [];
  const fill = fillOf(look);
  const stroked = isStroked(look);
  const strokeAttrs = `stroke="${escapeXml(look.color)}" stroke-width="${num(look.sw)}" stroke-linecap="round" stroke-linejoin="round"`;
  if (fill || stroked) {
    const dash = stroked && look.dash ? ` stroke-dasharray="${dashPattern(look.sw).map(num).join(' ')}"` : '';
    parts.push(`<path d="${svgPathOf((to) => traceShape(look, to))}" fill="${fill ? escapeXml(fill) : 'none'}"${stroked ? ` ${strokeAttrs}${dash}` : ''}/>`);
  }
  const layout = textLayoutOf(look);
  if (layout && look.text !== '') {
    const lines = layout.lines.map((line, i) => `<tspan x="${num(layout.left)}" y="${num(baselineOf(layout, look.fs, i))}">${escapeXml(line)}</tspan>`);
    parts.push(
      `<text transform="${matrixOf(look.m)}" font-family="${BOARD_FONT.family}, ${BOARD_FONT.fallback}" font-size="${num(look.fs)}" fill="${escapeXml(look.color)}" ` +
        `xml:space="preserve" style="white-space:pre;font-kerning:none;font-variant-ligatures:none">${lines.join('')}</text>`,
    );
  }
  const heads = arrowHeads(look);
  if (heads.length > 0) {
    const d = svgPathOf((to) => heads.forEach(([a, tip, b]) => (to.moveTo(...a), to.lineTo(...tip), to.lineTo(...b))));
    parts.push(`<path d="${d}" fill="none" ${strokeAttrs}/>`);
  }
  return `<g data-id="${escapeXml(shape.id)}"${authorOf(shape)} data-type="${shape.type}">${parts.join('')}</g>\n`;
}

/**
 * The SVG document of the board's visible items, in pieces: the head (the
 * page, and the paper unless `meta.paper` is false), one
 * piece per item back to front (a `<path>` per stroke, a `<g>` per element,
 * each with `data-id` and `data-author`), the tail. A unit is a CSS pixel,
 * so the page opens at 100% zoom. With `meta.box`, only that part of the
 * board.
 */
export function* svgDocument(state: BoardState, meta: SvgExportMeta): Generator<string, void, undefined> {
  const items = visibleItems(state);
  const find = finder(items);
  const box = meta.box ? roundBox(meta.box) : viewBoxOf(items, find);
  const { x, y, width, height } = box;
  const style = meta.fontFace && items.some(hasText) ? `<style>${meta.fontFace}</style>\n` : '';
  yield '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="${x} ${y} ${width} ${height}" width="${width}" height="${height}">\n` +
    `<title>${escapeXml(`Board ${meta.board} at ${new Date(meta.at).toISOString()}`)}</title>\n` +
    style +
    `<rect x="${x}" y="${y}" width="${width}" height="${height}" fill="#ffffff"/>\n` +
    (meta.paper === false ? '' : paperSvg(state.settings.paper, box));
  for (const item of items) {
    if (isInk(item)) {
      const points = strokePoints(item);
      if (meta.box && !meets(inkBounds(item, points), box)) continue;
      // A stroke without points has no outline: nothing to draw.
      const piece = inkSvg(item, points);
      if (piece) yield piece;
    } else {
      const look = lookOf(item, find);
      if (meta.box && !meets(shapeBounds(look), box)) continue;
      yield shapeSvg(item, look, meta.pictures);
    }
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
