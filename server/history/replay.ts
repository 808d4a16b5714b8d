/**
 * Replays a board from the log: the board as it was just before `from`,
 * then every record from `from` on (up to `to`), as NDJSON lines.
 *
 * The start is found through the log's timestamp index (positionAt); the
 * state before it is loaded on the server from the newest stored state
 * before it (history/load-board.ts), so a viewer sees the moment at once
 * instead of replaying everything before it. Lines are produced page
 * by page on demand: served through a stream, a slow reader pauses the log
 * read instead of making us buffer the board's history.
 */
import { toSnapshot, type BoardSnapshot } from '../board/snapshot.ts';
import type { BoardState } from '../board/state.ts';
import type { BoardLog } from '../log/board-log.ts';
import type { LogRecord } from '../protocol/messages.ts';
import { loadBoard } from './load-board.ts';

/** One NDJSON line of a replay. */
export type ReplayLine =
  | { t: 'state'; at: number; state: BoardSnapshot }
  | { t: 'rec'; r: LogRecord }
  | { t: 'end'; records: number };

const line = (value: ReplayLine) => `${JSON.stringify(value)}\n`;

export async function* replayLines(log: BoardLog, board: string, from: number, to = Infinity): AsyncIterable<string> {
  const start = await log.positionAt(board, from);
  const { state } = await loadBoard(log, board, { end: start });
  yield line({ t: 'state', at: from, state: toSnapshot(state) });
  let records = 0;
  for await (const page of log.read(board, start)) {
    let chunk = '';
    for (const rec of page) {
      if (rec.ts > to) {
        yield chunk + line({ t: 'end', records });
        return;
      }
      chunk += line({ t: 'rec', r: rec });
      records++;
    }
    yield chunk;
  }
  yield line({ t: 'end', records });
}

/** The board as it was at `at`: every record with a timestamp at or before it. */
export async function boardAt(log: BoardLog, board: string, at: number): Promise<BoardState> {
  const end = await log.positionAt(board, at + 1);
  return (await loadBoard(log, board, { end })).state;
}
