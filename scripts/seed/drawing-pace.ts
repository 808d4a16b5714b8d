/**
 * How people pace their drawing: how the web app cuts a stroke into records
 * (one per animation frame, of the points the pen gave since the last) and
 * how long people pause between strokes. Shared by the seeded boards and by
 * tests that draw live as people do.
 */
import type { Random } from './prng.ts';

/** A 60 Hz frame; the web app sends a stroke's new points once per frame. */
export const FRAME_MS = 1000 / 60;
/** Points per record: a 120 Hz pen gives two a frame, faster ones more. */
const PER_RECORD = [2, 3, 4];
const PER_RECORD_WEIGHTS = [85, 10, 5];

/** Points per record for a stroke of `n`: 2-4 each (one point only when the stroke has one). */
export function recordParts(random: Random, n: number): number[] {
  const parts: number[] = [];
  let left = n;
  while (left > 0) {
    let k = left <= 4 ? left : PER_RECORD[random.weighted(PER_RECORD_WEIGHTS)]!;
    if (left - k === 1) k = k === 4 ? 3 : k + 1;
    parts.push(k);
    left -= k;
  }
  return parts;
}

/** A pause after a stroke: mostly the next letters, sometimes the next word, now and then a break. */
export function rawGap(random: Random): number {
  const r = random.next();
  if (r < 0.75) return random.range(150, 500);
  if (r < 0.95) return random.range(500, 3_000);
  return random.range(5_000, 60_000);
}
