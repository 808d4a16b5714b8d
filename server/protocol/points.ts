/**
 * Compact point encoding shared by client, server and log.
 *
 * A chunk of points is a flat list of integers (x, y[, pressure]) per point.
 * The first point is absolute, the rest are deltas from the previous point,
 * so every chunk decodes on its own. Each integer is zigzag-encoded and
 * written as a varint of 5-bit digits in the base64url alphabet (bit 6 of a
 * digit means "more digits follow"). A hand-drawn point usually costs 2 to 3
 * characters, and the alphabet needs no escaping inside JSON.
 *
 * Coordinates are whole CSS pixels; pressure is 0..100.
 */

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

/** Encodes points; coordinates are rounded to whole pixels. */
export function encodePoints(points: readonly Point[], withPressure: boolean): string {
  const out: string[] = [];
  let px = 0;
  let py = 0;
  let pp = 0;
  for (const pt of points) {
    const x = Math.round(pt.x);
    const y = Math.round(pt.y);
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

/** Decodes a validated chunk into points (pressure scaled back to 0..1). */
export function decodePoints(text: string, withPressure: boolean): Point[] {
  const values = decodePointValues(text, withPressure, { maxPoints: Infinity, maxCoord: Infinity });
  const points: Point[] = [];
  const stride = withPressure ? 3 : 2;
  for (let i = 0; i < values.length; i += stride) {
    points.push(
      withPressure ? { x: values[i]!, y: values[i + 1]!, p: values[i + 2]! / 100 } : { x: values[i]!, y: values[i + 1]! },
    );
  }
  return points;
}
