/**
 * Bringing a board file (board-file.ts) into a log: read once to check it
 * whole, then again to append its records with their original times and
 * authors, and to store its pictures. Used by `npm run board -- import`
 * and by the restore of a Kafka backup.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { BoardLog } from '../log/board-log.ts';
import type { BoardStatusStore } from '../log/board-status.ts';
import { ID_PATTERN } from '../protocol/messages.ts';
import { appendRecords, hasRecords, readBoardFile, BoardFileError, type BoardFileHeader, type BoardFileRecord } from './board-file.ts';

/** The lines of a file, read as a stream. */
export function fileLines(path: string): AsyncIterable<string> {
  return createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
}

export type ImportResult = { board: string; records: number; files: number; header: BoardFileHeader };

/** Refused: the target board has records already. */
export class BoardExistsError extends Error {
  override name = 'BoardExistsError';
}

/**
 * Imports the board file that `lines()` reads (called twice) into `log`,
 * as board `as` (default: the id it was exported from). Refuses a board
 * that has records; a deleted board's status comes along when `status` is
 * given.
 */
export async function importBoardFile(
  log: BoardLog,
  lines: () => AsyncIterable<string>,
  options: {
    as?: string;
    status?: BoardStatusStore;
    onProgress?: (records: number) => void;
    /** The caller knows the board has no records (it listed the log's boards): no read to check. */
    knownEmpty?: boolean;
  } = {},
): Promise<ImportResult> {
  let header: BoardFileHeader | null = null;
  for await (const entry of readBoardFile(lines())) if ('format' in entry) header = entry;
  if (!header) throw new BoardFileError('the file is empty');
  const board = options.as ?? header.board;
  if (!ID_PATTERN.test(board)) throw new BoardFileError(`${board} is not a board id (${ID_PATTERN.source})`);
  if (!options.knownEmpty && (await hasRecords(log, board))) throw new BoardExistsError(`board ${board} already has records; import it under another id (--as)`);

  const entries = readBoardFile(lines());
  await entries.next(); // the header, checked above
  let files = 0;
  const pending: Promise<void>[] = [];
  async function* records(): AsyncIterable<BoardFileRecord> {
    for await (const entry of entries) {
      if ('format' in entry) continue;
      if (entry.t === 'rec') yield entry;
      else {
        // Copies come before their picture in the file, and are stored in that order.
        await Promise.all(pending.splice(0));
        pending.push(log.files.put(board, entry.info, Buffer.from(entry.data, 'base64')));
        files++;
      }
    }
  }
  const appended = await appendRecords(log, board, records(), options.onProgress ? { onProgress: options.onProgress } : {});
  await Promise.all(pending);
  if (header.status && options.status) await options.status.set(board, header.status);
  return { board, records: appended, files, header };
}
