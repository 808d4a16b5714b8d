/**
 * A board as of a position, the one way every reader gets it (a room's
 * first load, a replay seek, a fork, an export): the newest stored state at
 * or before that position, then the log's records after it, folded. Without
 * a usable stored state the log is folded from its start: a stored state is
 * a shortcut, never the truth.
 */
import { applyRecord } from '../board/fold.ts';
import { emptyBoard, type BoardState } from '../board/state.ts';
import type { BoardLog } from '../log/board-log.ts';
import type { Logger } from '../logger.ts';

export type LoadedBoard = {
  state: BoardState;
  /** Where the stored state it began from was complete through; -1 when none was used. */
  storedThrough: number;
  /** Records of the board folded from the log. */
  folded: number;
  /** The stored state it began from, as stored, and the position of that state (before the records after it), when the store had it at hand. */
  stored: { pos: number; bytes: Uint8Array } | null;
};

/** The board with every record before position `end` folded in (all of them by default). */
export async function loadBoard(log: BoardLog, board: string, options: { end?: number; logger?: Logger } = {}): Promise<LoadedBoard> {
  const end = options.end ?? Infinity;
  let state = emptyBoard();
  let storedThrough = -1;
  let asStored: LoadedBoard['stored'] = null;
  if (log.snapshots) {
    try {
      const stored = await log.snapshots.load(board, end - 1);
      if (stored) ({ state, through: storedThrough } = stored);
      if (stored?.bytes) asStored = { pos: stored.state.pos, bytes: stored.bytes };
    } catch (err) {
      options.logger?.warn({ board, err }, 'stored board state unreadable; folding the log from its start');
    }
  }
  let folded = 0;
  if (storedThrough + 1 >= end) return { state, storedThrough, folded, stored: asStored };
  for await (const page of log.read(board, storedThrough + 1, end)) {
    for (const rec of page) applyRecord(state, rec);
    folded += page.length;
  }
  return { state, storedThrough, folded, stored: asStored };
}
