/**
 * A points chunk between its text form (server/protocol/points.ts, as JSON
 * and the log carry it) and its binary one: the same integers, zigzag
 * varints, except that a bound stroke's chunk starts from the stroke's last
 * point instead of from zero (docs/protocol.md, "Numbers and strings").
 */
import { Reader, WireError, type Writer } from './bytes.ts';

/** No more values than this in one points chunk (LIMITS.maxPointsPerOp × 3, with margin). */
export const MAX_VALUES = 3_000;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const DIGIT = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DIGIT[ALPHABET.charCodeAt(i)] = i;

/** A stroke bound to a number on a connection: its stride (2, or 3 with pressure) and last absolute point (null before any). */
export type Bound = { id: string; stride: number; last: number[] | null };

/** The zigzag-decoded numbers of a text chunk: absolute first point, then deltas. */
function textValues(text: string): number[] {
  const values: number[] = [];
  let u = 0;
  let scale = 1;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const d = code < 128 ? DIGIT[code]! : -1;
    if (d < 0) throw new WireError('points contain a character outside base64url');
    u += (d & 31) * scale;
    if (d & 32) {
      scale *= 32;
      if (scale > 2 ** 35) throw new WireError('a point value is too large');
      continue;
    }
    values.push(u % 2 === 0 ? u / 2 : -(u + 1) / 2);
    u = 0;
    scale = 1;
  }
  if (scale !== 1) throw new WireError('points end in the middle of a number');
  return values;
}

function textOf(values: readonly number[]): string {
  const out: string[] = [];
  for (const value of values) {
    let u = value >= 0 ? value * 2 : -value * 2 - 1;
    while (u >= 32) {
      out.push(ALPHABET[(u % 32) | 32]!);
      u = Math.floor(u / 32);
    }
    out.push(ALPHABET[u]!);
  }
  return out.join('');
}

/**
 * A chunk's numbers, read once per chunk: the server writes the same record
 * to every client of its board (keyed by the chunk's string, which the
 * record's operation holds; a small cache of the latest ones).
 */
type Chunk = { values: number[]; last: number[][] };
const recentChunks = new Map<string, Chunk>();
function chunkOf(text: string): Chunk {
  let chunk = recentChunks.get(text);
  if (chunk) return chunk;
  // The chunk's last point, for each stride (2, or 3 with pressure).
  const values = textValues(text);
  chunk = { values, last: [[], [], values.length >= 2 ? lastPoint(values, 2) : [], values.length >= 3 ? lastPoint(values, 3) : []] };
  if (recentChunks.size >= 256) recentChunks.delete(recentChunks.keys().next().value!);
  recentChunks.set(text, chunk);
  return chunk;
}

/** How many values a text chunk holds; throws a WireError if it does not decode. */
export function countValues(text: string): number {
  return chunkOf(text).values.length;
}

/**
 * Writes a chunk. With `stroke` (bound, with a last point) its first point
 * goes as a delta from that point; `stroke.last` moves to the chunk's end.
 */
export function writePoints(w: Writer, text: string, stroke: Bound | null): void {
  const { values, last } = chunkOf(text);
  w.uint(values.length);
  const stride = stroke?.stride ?? 0;
  const abs = stroke?.last ?? null;
  for (let i = 0; i < values.length; i++) {
    if (i < stride && abs) w.int(values[i]! - abs[i]!);
    else w.int(values[i]!);
  }
  if (stroke && stride > 0 && values.length >= stride) stroke.last = last[stride]!;
}

export function readPoints(r: Reader, stroke: Bound | null): string {
  const n = r.uint();
  // None is read as an empty chunk, which the edge refuses as JSON's empty `p` would be.
  if (n > MAX_VALUES) throw new WireError('a points chunk holds at most 3000 values');
  const stride = stroke?.stride ?? 0;
  const values: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = r.int();
    values.push(i < stride && stroke?.last ? v + stroke.last[i % stride]! : v);
  }
  if (stroke && stride > 0 && values.length >= stride) stroke.last = lastPoint(values, stride);
  return textOf(values);
}

/** The absolute last point of a chunk of first-absolute-then-deltas values (a partial point at the end is ignored). */
function lastPoint(values: readonly number[], stride: number): number[] {
  const abs = values.slice(0, stride);
  const whole = values.length - (values.length % stride);
  for (let i = stride; i < whole; i++) abs[i % stride]! += values[i]!;
  return abs;
}
