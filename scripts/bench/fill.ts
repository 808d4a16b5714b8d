/** Fills a log with realistic records for the benchmarks. */
import type { BoardLog, NewRecord } from '../../server/log/board-log.ts';
import { LIMITS } from '../../server/protocol/messages.ts';
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

/** One board holding `points` points in strokes of the largest size a stroke may have. */
export async function fillBigBoard(log: BoardLog, board: string, points: number): Promise<number> {
  const chunk = encodePoints(Array.from({ length: LIMITS.maxPointsPerOp }, (_, i) => ({ x: 50 + (i % 500), y: 50 + Math.floor(i / 500) * 3 })), false);
  const perStroke = LIMITS.maxPointsPerStroke / LIMITS.maxPointsPerOp;
  const appends: Promise<unknown>[] = [];
  let seq = 0;
  let records = 0;
  const append = (r: Omit<NewRecord, 'board' | 'user' | 'cid' | 'seq'>) => {
    records++;
    appends.push(log.append({ board, user: 'bench-user', cid: 'bench-big', seq: ++seq, ...r }));
  };
  for (let stroke = 0; stroke * LIMITS.maxPointsPerStroke < points; stroke++) {
    const id = `big${stroke}`;
    append({ name: 'Bench', op: { k: 'begin', id, color: '#1971c2', w: 2, p: chunk } });
    for (let c = 1; c < perStroke; c++) append({ op: { k: 'ext', id, p: chunk } });
    append({ op: { k: 'end', id } });
  }
  await Promise.all(appends);
  return records;
}
