/** Fills a log with realistic records for the benchmarks. */
import type { BoardLog, NewRecord } from '../../server/log/board-log.ts';
import { encodePoints } from '../../server/protocol/points.ts';

/** Record `i` of a board: strokes of a begin, two-point frames and an end. */
export function frameRecord(board: string, i: number): NewRecord {
  const id = `s${Math.floor(i / 60)}`;
  const p = encodePoints([{ x: 100 + (i % 60) * 3, y: 200 + (i % 7) }, { x: 101 + (i % 60) * 3, y: 201 }], false);
  const base = { board, user: 'bench-user', cid: `bench-${board}`, seq: i + 1 };
  if (i % 60 === 0) return { ...base, name: 'Bench', op: { k: 'begin', id, color: '#1e1e1e', w: 4, p } };
  if (i % 60 === 59) return { ...base, op: { k: 'end', id } };
  return { ...base, op: { k: 'ext', id, p } };
}

/**
 * Appends `records` records round-robin over `boards` boards, 5,000 in
 * flight at a time; returns each board's first and last timestamp.
 */
export async function fillBoards(log: BoardLog, records: number, boards: string[], progress = false): Promise<{ first: number; last: number }[]> {
  const bounds = boards.map(() => ({ first: Infinity, last: 0 }));
  for (let offset = 0; offset < records; offset += 5_000) {
    const batch: Promise<unknown>[] = [];
    for (let n = offset; n < Math.min(records, offset + 5_000); n++) {
      const b = n % boards.length;
      batch.push(
        log.append(frameRecord(boards[b]!, Math.floor(n / boards.length))).then((r) => {
          bounds[b]!.first = Math.min(bounds[b]!.first, r.ts);
          bounds[b]!.last = Math.max(bounds[b]!.last, r.ts);
        }),
      );
    }
    await Promise.all(batch);
    if (progress && offset % 100_000 === 0) process.stderr.write(`  ${offset} / ${records} records\r`);
  }
  return bounds;
}
