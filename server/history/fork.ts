/**
 * "Start a new board from here": a new board whose log begins with a claim
 * (its edit key, made here and handed to whoever forked) and the strokes
 * visible at a moment of another board. The strokes are written as
 * ordinary operations under their original authors, so the new board needs
 * no special record type and its authors can still undo their own strokes.
 */
import { foldRecords } from '../board/fold.ts';
import { visibleStrokes } from '../board/state.ts';
import type { BoardLog, NewRecord } from '../log/board-log.ts';
import type { Logger } from '../logger.ts';
import { boardAt } from './replay.ts';

/** The records that start a fork of `source` as it was at `at`. */
export async function planFork(log: BoardLog, source: string, at: number, target: string, editKeyHash: string): Promise<NewRecord[]> {
  const state = await boardAt(log, source, at);
  const cid = `fork-${target}`.slice(0, 64);
  let seq = 0;
  const records: NewRecord[] = [{ board: target, user: cid, cid, seq: ++seq, op: { k: 'claim', key: editKeyHash } }];
  for (const stroke of visibleStrokes(state)) {
    const [first, ...rest] = stroke.chunks;
    if (!first) continue;
    const author = { board: target, user: stroke.user, cid };
    records.push({
      ...author,
      seq: ++seq,
      name: stroke.name,
      op: { k: 'begin', id: stroke.id, color: stroke.color, w: stroke.w, p: first, ...(stroke.pr ? { pr: 1 as const } : {}), ...(stroke.q ? { q: stroke.q } : {}) },
    });
    for (const p of rest) records.push({ ...author, seq: ++seq, op: { k: 'ext', id: stroke.id, p } });
    records.push({ ...author, seq: ++seq, op: { k: 'end', id: stroke.id } });
  }
  return records;
}

/**
 * Appends a fork's records (positions follow call order, and the log
 * batches them), then stores the new board's state: no room has it loaded,
 * so nothing else would, and on Kafka its first load would otherwise read
 * its partition from the fork's first record on.
 */
export async function appendFork(log: BoardLog, records: NewRecord[], logger: Logger): Promise<void> {
  const appended = await Promise.all(records.map((r) => log.append(r)));
  if (!log.snapshots || appended.length === 0) return;
  const state = foldRecords(appended);
  await log.snapshots.save(appended[0]!.board, state).catch((err: unknown) => logger.warn({ err, board: appended[0]!.board }, 'storing a fork failed; its log has it all'));
}
