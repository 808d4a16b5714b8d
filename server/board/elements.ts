/**
 * Elements besides ink: shapes, lines and arrows, text, sticky notes and
 * images (a picture stored beside the log, files/file-store.ts, named by
 * the hash of its bytes).
 * Every element (ink included) is placed on the board by an affine matrix;
 * its own geometry (a box, a line's two ends, a stroke's points) never
 * changes when it is moved, resized or rotated, so a move of a 5,000-point
 * stroke is six numbers in the log. Shared by the fold, the server's
 * exports and the web app.
 */

/** Kinds of element other than ink, as the log names them. */
export const SHAPE_TYPES = ['rect', 'ellipse', 'diamond', 'line', 'arrow', 'text', 'note', 'image'] as const;
export type ShapeType = (typeof SHAPE_TYPES)[number];
/** Kinds placed by a box (0, 0)-(w, h) in their own coordinates; the others are lines. */
export const BOX_TYPES: ReadonlySet<ShapeType> = new Set(['rect', 'ellipse', 'diamond', 'text', 'note', 'image']);
export const isLineType = (type: ShapeType) => type === 'line' || type === 'arrow';

/**
 * An affine matrix [a, b, c, d, e, f], as canvas and SVG write it: a point
 * (x, y) of the element is at (a·x + c·y + e, b·x + d·y + f) on the board.
 */
export type Matrix = [number, number, number, number, number, number];
export const IDENTITY: Matrix = [1, 0, 0, 1, 0, 0];

/**
 * An end of a line or arrow stuck to an element: the point (u·w, v·h) of
 * that element's box, wherever the element is moved or resized.
 */
export type Binding = { id: string; u: number; v: number };

/** Arrowheads: bit 0 at the start, bit 1 at the end. */
export const ARROW_START = 1;
export const ARROW_END = 2;

/** The properties a `set` operation may change (any subset). */
export type Props = {
  color?: string;
  /** Fill colour, or null for none. */
  fill?: string | null;
  /** Stroke width in the element's own units. */
  sw?: number;
  dash?: 0 | 1;
  text?: string;
  /** Font size of text and notes. */
  fs?: number;
  /** Box size (for text: the width it wraps at). */
  w?: number;
  h?: number;
  ah?: number;
  /** A line's two ends in its own coordinates: x1, y1, x2, y2. */
  pts?: number[];
  sb?: Binding | null;
  eb?: Binding | null;
  /** Stacking order: higher is drawn later; ties go by log position. */
  z?: number;
  /** An image's file: the SHA-256 of its bytes, hex. */
  file?: string;
  /**
   * 1: locked, a background (a PDF's pages): clicks, the marquee and select
   * all pass it by, and moves and erasers leave it. Any editor unlocks it.
   */
  lock?: 0 | 1;
};
export type PropName = keyof Props;

/** An element other than ink, as the fold keeps it. */
export type Shape = {
  id: string;
  type: ShapeType;
  /** Author's user id and nickname when it was made. */
  user: string;
  name: string;
  m: Matrix;
  w: number;
  h: number;
  pts: number[] | null;
  color: string;
  fill: string | null;
  sw: number;
  dash: 0 | 1;
  text: string;
  fs: number;
  ah: number;
  sb: Binding | null;
  eb: Binding | null;
  /** An image's file (Props.file), null for other kinds. */
  file: string | null;
  lock: 0 | 1;
  /** Stacking order once changed; absent means its position. */
  z?: number;
  /** Its place among the items of the `add` that made it, past the first. */
  i?: number;
  undone: boolean;
  hiddenBy: number[];
  /** Position and time of the record that made it. */
  pos: number;
  ts: number;
};

/** Which properties each kind of element has; a `set` changes only those. */
const BOX_PROPS: ReadonlySet<PropName> = new Set(['color', 'fill', 'sw', 'dash', 'w', 'h', 'z', 'lock']);
const TEXT_PROPS: ReadonlySet<PropName> = new Set(['color', 'fill', 'text', 'fs', 'w', 'h', 'z', 'lock']);
const LINE_PROPS: ReadonlySet<PropName> = new Set(['color', 'sw', 'dash', 'ah', 'pts', 'sb', 'eb', 'z', 'lock']);
/** An image's colour is its placeholder's, shown until its picture arrives. */
const IMAGE_PROPS: ReadonlySet<PropName> = new Set(['color', 'file', 'w', 'h', 'z', 'lock']);
/** Ink keeps its points; its colour, width and place in the stack can change. */
export const INK_PROPS: ReadonlySet<PropName> = new Set(['color', 'sw', 'z']);

/** Whether an item is locked (ink never is). */
export const isLocked = (item: object) => (item as { lock?: number }).lock === 1;

export function propsOf(type: ShapeType | 'ink'): ReadonlySet<PropName> {
  if (type === 'ink') return INK_PROPS;
  if (type === 'text' || type === 'note') return TEXT_PROPS;
  if (type === 'image') return IMAGE_PROPS;
  return isLineType(type) ? LINE_PROPS : BOX_PROPS;
}

// ---------------------------------------------------------------------------
// Matrices

/** `outer` after `inner`: the matrix that applies `inner` first. */
export function multiply(outer: Matrix, inner: Matrix): Matrix {
  const [a, b, c, d, e, f] = outer;
  const [A, B, C, D, E, F] = inner;
  return [a * A + c * B, b * A + d * B, a * C + c * D, b * C + d * D, a * E + c * F + e, b * E + d * F + f];
}

export function determinant(m: Matrix): number {
  return m[0] * m[3] - m[1] * m[2];
}

/** The inverse; callers only invert matrices whose determinant they checked (isPlacement). */
export function invert(m: Matrix): Matrix {
  const det = determinant(m);
  const [a, b, c, d, e, f] = m;
  return [d / det, -b / det, -c / det, a / det, (c * f - d * e) / det, (b * e - a * f) / det];
}

export function apply(m: Matrix, x: number, y: number): [number, number] {
  return [m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]];
}

export const isIdentity = (m: Matrix) => m[0] === 1 && m[1] === 0 && m[2] === 0 && m[3] === 1 && m[4] === 0 && m[5] === 0;

/** Scale and shear entries stay within this; positions within MAX_OFFSET. */
export const MAX_SCALE = 10_000;
export const MAX_OFFSET = 4_000_000;
/** A placement flatter than this would hide its element and cannot be undone exactly. */
export const MIN_DETERMINANT = 1e-6;

/**
 * Whether a matrix may place an element: finite, within bounds, and
 * invertible, so that undoing a transform is a transform too.
 */
export function isPlacement(m: readonly number[]): boolean {
  if (m.length !== 6) return false;
  for (let i = 0; i < 6; i++) {
    const v = m[i]!;
    if (!Number.isFinite(v) || Math.abs(v) > (i < 4 ? MAX_SCALE : MAX_OFFSET)) return false;
  }
  return Math.abs(determinant(m as Matrix)) >= MIN_DETERMINANT;
}

/** How much a matrix scales lengths on average (for stroke widths drawn under it). */
export function meanScale(m: Matrix): number {
  return Math.sqrt(Math.abs(determinant(m)));
}

// ---------------------------------------------------------------------------
// Geometry every reader computes the same way

export type Point2 = [number, number];

/**
 * The two ends of a line or arrow on the board, bound ends following their
 * elements. `find` gives the elements that are drawn: an end stuck to one
 * that is not (erased, undone) is where the line's own ends put it, in every
 * picture of the board alike.
 */
export function lineEnds(shape: Shape, find: (id: string) => { m: Matrix; w: number; h: number } | undefined): [Point2, Point2] {
  const pts = shape.pts ?? [0, 0, 0, 0];
  return [endOf(shape, shape.sb, pts[0]!, pts[1]!, find), endOf(shape, shape.eb, pts[2]!, pts[3]!, find)];
}

function endOf(shape: Shape, binding: Binding | null, x: number, y: number, find: (id: string) => { m: Matrix; w: number; h: number } | undefined): Point2 {
  const target = binding ? find(binding.id) : undefined;
  if (binding && target) return apply(target.m, binding.u * target.w, binding.v * target.h);
  return apply(shape.m, x, y);
}

/** Corners of an element's box on the board, in order around it. */
export function boxCorners(m: Matrix, w: number, h: number): Point2[] {
  return [apply(m, 0, 0), apply(m, w, 0), apply(m, w, h), apply(m, 0, h)];
}
