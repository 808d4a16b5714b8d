/**
 * "Start a new board from here": a new board whose log begins with its
 * owner (an owner key made here and handed to whoever forked, with the edit
 * key it derives), the source's name and paper, and the strokes and
 * elements visible at a moment of another board. They are written as
 * ordinary operations under their original authors, so the new board needs
 * no special record type and its authors can still undo their own work.
 */
import { apply, invert, isLineType, lineEnds, propsOf, type Props, type Shape } from '../board/elements.ts';
import { foldRecords } from '../board/fold.ts';
import { isVisible, visibleItems, type BoardState, type Stroke } from '../board/state.ts';
import type { Op } from '../protocol/messages.ts';
import { joinChunks } from '../protocol/points.ts';
import type { BoardLog, NewRecord } from '../log/board-log.ts';
import type { Logger } from '../logger.ts';
import { boardAt } from './replay.ts';

/** The records that start a fork of `source` as it was at `at`. */
export async function planFork(log: BoardLog, source: string, at: number, target: string, keys: { owner: string; key: string }): Promise<NewRecord[]> {
  const state = await boardAt(log, source, at);
  const cid = `fork-${target}`.slice(0, 64);
  let seq = 0;
  const records: NewRecord[] = [{ board: target, user: cid, cid, seq: ++seq, op: { k: 'own', owner: keys.owner, key: keys.key } }];
  const push = (user: string, name: string | undefined, op: Op) => records.push({ board: target, user, cid, seq: ++seq, ...(name !== undefined ? { name } : {}), op });
  const { name, paper } = state.settings;
  if (name !== '' || paper !== 'blank') push(cid, undefined, { k: 'board', v: 1, ...(name ? { name } : {}), ...(paper !== 'blank' ? { paper } : {}) });
  // Back to front: each lands above the one before, so the fork stacks as the source did without carrying z.
  const items = visibleItems(state);
  const drawn = new Set(items.map((i) => i.id));
  const sticking: { line: Shape; p: Props }[] = [];
  for (const item of items) {
    if ('chunks' in item) {
      forkInk(item, push);
      continue;
    }
    // Ends stuck to an element come later than it may: the line is made where it is drawn, then stuck again.
    const [start, end] = isLineType(item.type) ? lineEnds(item, (id) => drawnShape(state, id)) : [null, null];
    const { id, type, m } = item;
    const spec: Record<string, unknown> = { id, type, m };
    // Every property the kind has, as it is now; the stack is the order of the adds, and stuck ends come after.
    for (const name of propsOf(type)) {
      if (name === 'z' || name === 'sb' || name === 'eb' || name === 'pts') continue;
      const value = item[name];
      if (value !== null && value !== undefined && !(name === 'lock' && value === 0)) spec[name] = value;
    }
    if (isLineType(type)) {
      const back = invert(m);
      spec.pts = [...apply(back, ...start!), ...apply(back, ...end!)];
      const p: Props = {};
      if (item.sb && drawn.has(item.sb.id)) p.sb = item.sb;
      if (item.eb && drawn.has(item.eb.id)) p.eb = item.eb;
      if (p.sb || p.eb) sticking.push({ line: item, p });
    }
    push(item.user, item.name, { k: 'add', v: 1, els: [spec] } as Op);
  }
  for (const { line, p } of sticking) push(line.user, undefined, { k: 'set', v: 1, ids: [line.id], p } as Op);
  return records;
}

function drawnShape(state: BoardState, id: string): Shape | undefined {
  const shape = state.shapes.get(id);
  return shape && isVisible(shape) ? shape : undefined;
}

/** Ink in place is written as it was drawn; ink moved, resized or rotated as an element with its matrix. */
function forkInk(stroke: Stroke, push: (user: string, name: string | undefined, op: Op) => void): void {
  const [first, ...rest] = stroke.chunks;
  if (!first) return;
  const style = { ...(stroke.pr ? { pr: 1 as const } : {}), ...(stroke.q ? { q: stroke.q } : {}) };
  if (stroke.m) {
    const p = joinChunks(stroke.chunks, stroke.pr);
    push(stroke.user, stroke.name, { k: 'add', v: 1, els: [{ id: stroke.id, type: 'ink', m: stroke.m, color: stroke.color, sw: stroke.w, p, ...style }] } as Op);
    return;
  }
  push(stroke.user, stroke.name, { k: 'begin', id: stroke.id, color: stroke.color, w: stroke.w, p: first, ...style });
  for (const p of rest) push(stroke.user, undefined, { k: 'ext', id: stroke.id, p });
  push(stroke.user, undefined, { k: 'end', id: stroke.id });
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
