/**
 * Stores a board's states as the server would have, had the board been
 * loaded while it was drawn: one every `every` positions along its history
 * (replay seeks and forks start from the newest one before their moment)
 * and the last one, so that the first late joiner does not wait for the
 * whole log to be folded.
 */
import { applyRecord } from '../../server/board/fold.ts';
import { emptyBoard } from '../../server/board/state.ts';
import type { BoardLog } from '../../server/log/board-log.ts';
import { DEFAULT_KEEPER_SETTINGS } from '../../server/log/snapshots/snapshot-keeper.ts';

export async function storeBoardState(log: BoardLog, board: string): Promise<string> {
  if (!log.snapshots) return 'no board state (this log reads every board from its start)';
  const every = log.snapshots.policy?.every ?? DEFAULT_KEEPER_SETTINGS.every;
  const started = performance.now();
  const state = emptyBoard();
  let stored = 0;
  let last = -1;
  for await (const page of log.read(board, 0)) {
    for (const rec of page) {
      applyRecord(state, rec);
      if (state.pos - last >= every) {
        await log.snapshots.save(board, state);
        last = state.pos;
        stored++;
      }
    }
  }
  if (state.pos !== last) {
    await log.snapshots.save(board, state);
    stored++;
  }
  return `${stored} states of the board along its history, the last at position ${state.pos.toLocaleString('en')} (${((performance.now() - started) / 1_000).toFixed(1)} s)`;
}
