/**
 * Copies every board of an embedded log into a Kafka log (npm run migrate):
 * records in order with their original times and authors, pictures, and
 * deleted boards' statuses. Resumable: what each board already has on Kafka
 * is counted first (one read of the topic's keys, topic-boards.ts), and a
 * board is continued after that many records. A run that was killed leaves
 * each board with a prefix of its records (a board's appends go out in
 * order, one request at a time), so a board is skipped when complete and
 * continued where it stopped otherwise. Before it goes on, the last record
 * on Kafka must be the embedded log's record at that place (same client,
 * sequence number and time): a board written on Kafka by someone else is
 * reported and left alone.
 */
import type { BoardLog } from '../../server/log/board-log.ts';
import type { BoardStatusStore } from '../../server/log/board-status.ts';
import type { EmbeddedLog } from '../../server/log/embedded-log.ts';
import type { BoardTally } from '../../server/log/kafka/topic-boards.ts';
import { loadBoard } from '../../server/history/load-board.ts';
import { appendRecords, boardPictures, summarizeBoard, type BoardFileRecord } from '../../server/history/board-file.ts';
import type { LogRecord } from '../../server/protocol/messages.ts';

export type MigrateProgress = { boards: number; total: number; skipped: number; records: number; failed: string[] };

export type MigrateOptions = {
  /** What each board has on the target already (tallyBoards). */
  present: ReadonlyMap<string, BoardTally>;
  sourceStatus?: BoardStatusStore;
  targetStatus?: BoardStatusStore;
  /** Called after each board, and as records are copied. */
  onProgress?: (progress: MigrateProgress) => void;
};

/** Refused: a board on the target is not a prefix of the source's. */
export class DivergedError extends Error {
  override name = 'DivergedError';
}

export async function migrateBoards(source: EmbeddedLog, target: BoardLog, options: MigrateOptions): Promise<MigrateProgress> {
  const boards = [...source.boards()];
  const progress: MigrateProgress = { boards: 0, total: boards.length, skipped: 0, records: 0, failed: [] };
  for (const board of boards) {
    try {
      const copied = await migrateBoard(source, target, board, options, (n) => options.onProgress?.({ ...progress, records: progress.records + n }));
      if (copied === 0) progress.skipped++;
      progress.records += copied;
    } catch (err) {
      if (!(err instanceof DivergedError)) throw err;
      progress.failed.push(err.message);
    }
    progress.boards++;
    options.onProgress?.(progress);
  }
  return progress;
}

/** Copies what the target lacks of one board; resolves with the records copied (0: it was complete). */
async function migrateBoard(source: EmbeddedLog, target: BoardLog, board: string, options: MigrateOptions, onRecords: (n: number) => void): Promise<number> {
  const have = options.present.get(board);
  const summary = await summarizeBoard(source, board);
  const done = have?.records ?? 0;
  if (done === summary.records) return 0;
  if (done > summary.records) throw new DivergedError(`board ${board}: Kafka has ${done} records, the embedded log ${summary.records}; left alone`);
  // Pictures and status first: a board whose records are all there is complete.
  for await (const { info, data } of boardPictures(source, summary.pictures)) await target.files.put(board, info, data);
  const status = options.sourceStatus?.get(board);
  if (status && options.targetStatus) await options.targetStatus.set(board, status);
  const state = done > 0 ? (await loadBoard(target, board)).state : undefined;
  async function* rest(): AsyncIterable<BoardFileRecord> {
    let index = 0;
    for await (const page of source.read(board, 0, summary.end)) {
      for (const record of page) {
        if (index === done - 1 && !sameRecord(record, have!.last)) {
          throw new DivergedError(`board ${board}: its record ${done} on Kafka is not the embedded log's; left alone`);
        }
        if (index++ < done) continue;
        const { ts, user, cid, seq, name, op } = record;
        yield { t: 'rec', ts, user, cid, seq, ...(name !== undefined ? { name } : {}), op };
      }
    }
  }
  return appendRecords(target, board, rest(), { onProgress: onRecords, ...(state ? { state } : {}) });
}

function sameRecord(a: LogRecord, b: LogRecord | null): boolean {
  return b !== null && a.cid === b.cid && a.seq === b.seq && a.ts === b.ts && a.user === b.user;
}
