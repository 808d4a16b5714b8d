/**
 * Compact point encoding shared by client, server and log.
 *
 * A chunk of points is a flat list of integers (x, y[, pressure]) per point.
 * The first point is absolute, the rest are deltas from the previous point,
 * so every chunk decodes on its own. Each integer is zigzag-encoded and
 * written as a varint of 5-bit digits in the base64url alphabet, least
 * significant first (a digit's value 32 and up means "more digits
 * follow"). A hand-drawn point usually costs 2 to 3
 * characters, and the alphabet needs no escaping inside JSON.
 *
 * Coordinates are world units (a CSS pixel at 100% zoom) times 2^q, where
 * q is the stroke's precision (0 to MAX_PRECISION): a stroke drawn zoomed
 * in keeps the detail the screen showed (q = 2 keeps quarter units).
 * Pressure is 0..100.
 */

/** Finest precision a stroke may ask for: 2^-3 of a world unit. */
export const MAX_PRECISION = 3;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const DIGIT = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DIGIT[ALPHABET.charCodeAt(i)] = i;

/** A decoded point: pressure is present only for pressure strokes. */
export type Point = { x: number; y: number; p?: number };

export class PointCodecError extends Error {}

function writeVarint(out: string[], value: number): void {
  let u = value >= 0 ? value * 2 : -value * 2 - 1;
  while (u >= 32) {
    out.push(ALPHABET[(u % 32) | 32]!);
    u = Math.floor(u / 32);
  }
  out.push(ALPHABET[u]!);
}

/** Encodes points; coordinates are rounded to units of 2^-q. */
export function encodePoints(points: readonly Point[], withPressure: boolean, q = 0): string {
  const out: string[] = [];
  const scale = 2 ** q;
  let px = 0;
  let py = 0;
  let pp = 0;
  for (const pt of points) {
    const x = Math.round(pt.x * scale);
    const y = Math.round(pt.y * scale);
    writeVarint(out, x - px);
    writeVarint(out, y - py);
    px = x;
    py = y;
    if (withPressure) {
      const p = Math.max(0, Math.min(100, Math.round((pt.p ?? 0.5) * 100)));
      writeVarint(out, p - pp);
      pp = p;
    }
  }
  return out.join('');
}

/**
 * Decodes a chunk into a flat integer array (x, y[, p] per point), checking
 * every value against the limits. Throws PointCodecError with a reason a
 * client can read.
 */
export function decodePointValues(
  text: string,
  withPressure: boolean,
  limits: { maxPoints: number; maxCoord: number },
): number[] {
  const stride = withPressure ? 3 : 2;
  const values: number[] = [];
  let i = 0;
  while (i < text.length) {
    let u = 0;
    let scale = 1;
    for (;;) {
      if (i >= text.length) throw new PointCodecError('points end in the middle of a number');
      const code = text.charCodeAt(i++);
      const d = code < 128 ? DIGIT[code]! : -1;
      if (d < 0) throw new PointCodecError('points contain a character outside base64url');
      u += (d & 31) * scale;
      if ((d & 32) === 0) break;
      scale *= 32;
      if (scale > 2 ** 35) throw new PointCodecError('a point value is absurdly large');
    }
    const delta = u % 2 === 0 ? u / 2 : -(u + 1) / 2;
    const slot = values.length % stride;
    const prev = values.length >= stride ? values[values.length - stride]! : 0;
    const value = prev + delta;
    if (slot < 2 ? Math.abs(value) > limits.maxCoord : value < 0 || value > 100) {
      throw new PointCodecError(slot < 2 ? 'a coordinate is out of range' : 'a pressure is out of range');
    }
    values.push(value);
    if (values.length > limits.maxPoints * stride) throw new PointCodecError('too many points in one message');
  }
  if (values.length % stride !== 0) throw new PointCodecError('points end in the middle of a point');
  return values;
}

/** Number of points in an already validated chunk, without building arrays. */
export function countPoints(text: string, withPressure: boolean): number {
  let numbers = 0;
  for (let i = 0; i < text.length; i++) {
    const d = DIGIT[text.charCodeAt(i)]!;
    if ((d & 32) === 0) numbers++;
  }
  return numbers / (withPressure ? 3 : 2);
}

/** Decodes a validated chunk into points in world units (pressure scaled back to 0..1). */
export function decodePoints(text: string, withPressure: boolean, q = 0): Point[] {
  const values = decodePointValues(text, withPressure, { maxPoints: Infinity, maxCoord: Infinity });
  const points: Point[] = [];
  const stride = withPressure ? 3 : 2;
  const unit = 2 ** -q;
  for (let i = 0; i < values.length; i += stride) {
    const x = values[i]! * unit;
    const y = values[i + 1]! * unit;
    points.push(withPressure ? { x, y, p: values[i + 2]! / 100 } : { x, y });
  }
  return points;
}

/**
 * Joins a stroke's chunks into one chunk that decodes to the same points,
 * without decoding them into arrays: each later chunk's absolute first
 * point becomes a delta from the point before it, the rest is copied. A
 * settled stroke then travels and parses as one string instead of one per
 * record (late join of a board drawn as people draw: ~60 records a stroke).
 */
export function joinChunks(chunks: readonly string[], withPressure: boolean): string {
  if (chunks.length <= 1) return chunks[0] ?? '';
  const stride = withPressure ? 3 : 2;
  const parts: string[] = [chunks[0]!];
  let last = scanChunk(chunks[0]!, stride).last;
  for (let c = 1; c < chunks.length; c++) {
    const scan = scanChunk(chunks[c]!, stride);
    const head: string[] = [];
    for (let k = 0; k < stride; k++) writeVarint(head, scan.first[k]! - last[k]!);
    parts.push(head.join(''), chunks[c]!.slice(scan.firstEnd));
    last = scan.last;
  }
  return parts.join('');
}

/** A chunk's first and last absolute values and where its first point ends. */
function scanChunk(text: string, stride: number): { first: number[]; last: number[]; firstEnd: number } {
  const abs = new Array<number>(stride).fill(0);
  let first: number[] = [];
  let firstEnd = text.length;
  let n = 0;
  let u = 0;
  let scale = 1;
  for (let i = 0; i < text.length; i++) {
    const d = DIGIT[text.charCodeAt(i)]!;
    u += (d & 31) * scale;
    if (d & 32) {
      scale *= 32;
      continue;
    }
    abs[n % stride]! += u % 2 === 0 ? u / 2 : -(u + 1) / 2;
    u = 0;
    scale = 1;
    n++;
    if (n === stride) {
      first = [...abs];
      firstEnd = i + 1;
    }
  }
  return { first, last: abs, firstEnd };
}

/**
 * Decodes validated chunks into one flat array in world units: x, y per
 * point, or x, y, p (0..1) with pressure. What a renderer keeps per stroke:
 * a typed array costs a fraction of point objects on a board of a million.
 */
export function decodeFlat(chunks: readonly string[], withPressure: boolean, q = 0): Float32Array {
  const stride = withPressure ? 3 : 2;
  const points = chunks.reduce((n, text) => n + Math.floor(countPoints(text, withPressure)), 0);
  const out = new Float32Array(points * stride);
  const unit = 2 ** -q;
  let o = 0;
  for (const text of chunks) {
    const abs = [0, 0, 0];
    let slot = 0;
    let u = 0;
    let scale = 1;
    for (let i = 0; i < text.length && o < out.length; i++) {
      const d = DIGIT[text.charCodeAt(i)]!;
      u += (d & 31) * scale;
      if (d & 32) {
        scale *= 32;
        continue;
      }
      abs[slot]! += u % 2 === 0 ? u / 2 : -(u + 1) / 2;
      out[o++] = slot < 2 ? abs[slot]! * unit : abs[slot]! / 100;
      slot = (slot + 1) % stride;
      u = 0;
      scale = 1;
    }
  }
  return out;
}
