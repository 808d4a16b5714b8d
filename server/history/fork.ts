/**
 * "Start a new board from here": a new board whose log begins with the
 * strokes visible at a moment of another board. They are written as
 * ordinary operations under their original authors, so the new board needs
 * no special record type and its authors can still undo their own strokes.
 */
import { visibleStrokes } from '../board/state.ts';
import type { BoardLog, NewRecord } from '../log/board-log.ts';
import { boardAt } from './replay.ts';

export async function forkBoard(log: BoardLog, source: string, at: number, target: string): Promise<number> {
  const state = await boardAt(log, source, at);
  const records: NewRecord[] = [];
  const cid = `fork-${target}`.slice(0, 64);
  let seq = 0;
  for (const stroke of visibleStrokes(state)) {
    const [first, ...rest] = stroke.chunks;
    if (!first) continue;
    const author = { board: target, user: stroke.user, cid };
    records.push({
      ...author,
      seq: ++seq,
      name: stroke.name,
      op: { k: 'begin', id: stroke.id, color: stroke.color, w: stroke.w, p: first, ...(stroke.pr ? { pr: 1 as const } : {}) },
    });
    for (const p of rest) records.push({ ...author, seq: ++seq, op: { k: 'ext', id: stroke.id, p } });
    records.push({ ...author, seq: ++seq, op: { k: 'end', id: stroke.id } });
  }
  // Appended together: positions follow call order, and the log batches them.
  await Promise.all(records.map((r) => log.append(r)));
  return records.length;
}
