/**
 * Stores a board's state, as the server does once it has loaded a board,
 * so that the first late joiner does not wait for the whole log to be folded.
 */
import { applyRecord } from '../../server/board/fold.ts';
import { emptyBoard } from '../../server/board/state.ts';
import type { BoardLog } from '../../server/log/board-log.ts';

export async function storeBoardState(log: BoardLog, board: string): Promise<string> {
  if (!log.snapshots) return 'no board state (this log reads every board from its start)';
  const started = performance.now();
  const state = emptyBoard();
  for await (const page of log.read(board, 0)) for (const rec of page) applyRecord(state, rec);
  await log.snapshots.save(board, state);
  return `the board's state at position ${state.pos.toLocaleString('en')}, for late joiners (${((performance.now() - started) / 1_000).toFixed(1)} s)`;
}
