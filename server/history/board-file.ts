/**
 * A board's whole history as one file (npm run board -- export / import,
 * and the logical backup of a Kafka log): NDJSON, one JSON value a line,
 * UTF-8, versioned. Documented in the README ("Backups, moving boards,
 * migrating to Kafka"):
 *
 *   line 1     {"format":"logboard-board","v":1,"board","records","first",
 *              "last","files","exportedAt","status"?}: the board id, its
 *              record count, the times of its first and last record (null
 *              when it has none), how many file lines follow the records,
 *              and its deletion status when it is deleted (board-status.ts)
 *   records    {"t":"rec","ts","user","cid","seq","name"?,"op"}, one a
 *              record, in log order: its original time (epoch ms), author,
 *              client id and sequence number, name, operation. Positions
 *              are not kept: they belong to the log (Kafka's differ).
 *   files      {"t":"file","info":FileInfo,"data":"<base64>"}: the pictures
 *              on the board (put there, or named by its image elements),
 *              each picture's smaller copies before it
 *
 * A reader refuses another format or version, a file cut short (fewer
 * records or files than the header says) and a picture whose bytes do not
 * hash to its name, before anything is written (importBoardFile reads the
 * file twice).
 */
import { createHash } from 'node:crypto';
import { FILE_HASH_PATTERN, FILE_TYPES, type FileInfo } from '../files/file-store.ts';
import type { BoardLog, NewRecord } from '../log/board-log.ts';
import { parseStatus, type BoardStatus } from '../log/board-status.ts';
import { ID_PATTERN, type LogRecord, type Op } from '../protocol/messages.ts';
import { applyRecord } from '../board/fold.ts';
import { emptyBoard, type BoardState } from '../board/state.ts';
import { DEFAULT_KEEPER_SETTINGS } from '../log/snapshots/snapshot-keeper.ts';

export const BOARD_FILE_FORMAT = 'logboard-board';
export const BOARD_FILE_VERSION = 1;

export type BoardFileHeader = {
  format: typeof BOARD_FILE_FORMAT;
  v: number;
  board: string;
  records: number;
  first: number | null;
  last: number | null;
  files: number;
  exportedAt: number;
  status?: BoardStatus;
};
export type BoardFileRecord = { t: 'rec'; ts: number; user: string; cid: string; seq: number; name?: string; op: Op };
export type BoardFileFile = { t: 'file'; info: FileInfo; data: string };
export type BoardFileEntry = BoardFileRecord | BoardFileFile;

/** A board file that cannot be read: what is wrong, and where. */
export class BoardFileError extends Error {
  override name = 'BoardFileError';
}

/** What an export holds, found by one read of the board: records up to `end` (a position). */
export type BoardSummary = { records: number; first: number | null; last: number | null; end: number; pictures: string[] };

/** Counts a board's records and finds its pictures' hashes (the board's files and those its records name). */
export async function summarizeBoard(log: BoardLog, board: string): Promise<BoardSummary> {
  const summary: BoardSummary = { records: 0, first: null, last: null, end: 0, pictures: [] };
  const named = new Set<string>((await log.files.boardFiles(board)).keys());
  for await (const page of log.read(board, 0)) {
    for (const record of page) {
      summary.first ??= record.ts;
      summary.last = record.ts;
      summary.end = record.pos + 1;
      filesNamedBy(record.op, named);
    }
    summary.records += page.length;
  }
  summary.pictures = [...named];
  return summary;
}

/** Hashes of stored files an operation names (image elements: `file`). Ink never does. */
function filesNamedBy(op: Op, into: Set<string>): void {
  if (op.k !== 'add' && op.k !== 'set') return;
  for (const match of JSON.stringify(op).matchAll(/"file":"([0-9a-f]{64})"/g)) into.add(match[1]!);
}

/** The board's pictures and their smaller copies, copies first; hashes the store lacks are left out. */
export async function* boardPictures(log: BoardLog, hashes: Iterable<string>): AsyncIterable<{ info: FileInfo; data: Buffer }> {
  const sent = new Set<string>();
  for (const hash of hashes) {
    const file = await log.files.get(hash);
    if (!file || sent.has(hash)) continue;
    for (const variant of Object.values(file.info.variants ?? {})) {
      if (sent.has(variant)) continue;
      const copy = await log.files.get(variant);
      if (copy) yield copy;
      sent.add(variant);
    }
    sent.add(hash);
    yield file;
  }
}

/**
 * The board file's lines (each ending in a newline), a page of records at a
 * time. Records appended while it is written are left out: the header's
 * count holds.
 */
export async function* boardFileLines(log: BoardLog, board: string, options: { status?: BoardStatus | null } = {}): AsyncIterable<string> {
  const summary = await summarizeBoard(log, board);
  const pictures: { info: FileInfo; data: Buffer }[] = [];
  for await (const file of boardPictures(log, summary.pictures)) pictures.push(file);
  const header: BoardFileHeader = {
    format: BOARD_FILE_FORMAT,
    v: BOARD_FILE_VERSION,
    board,
    records: summary.records,
    first: summary.first,
    last: summary.last,
    files: pictures.length,
    exportedAt: Date.now(),
    ...(options.status ? { status: options.status } : {}),
  };
  yield `${JSON.stringify(header)}\n`;
  let written = 0;
  for await (const page of log.read(board, 0, summary.end)) {
    let chunk = '';
    for (const record of page) chunk += `${JSON.stringify(toFileRecord(record))}\n`;
    written += page.length;
    yield chunk;
  }
  if (written !== summary.records) throw new Error(`board ${board} changed while it was exported (${summary.records} records, then ${written}); export it again`);
  for (const { info, data } of pictures) yield `${JSON.stringify({ t: 'file', info, data: data.toString('base64') } satisfies BoardFileFile)}\n`;
}

function toFileRecord(record: LogRecord): BoardFileRecord {
  const { ts, user, cid, seq, name, op } = record;
  return { t: 'rec', ts, user, cid, seq, ...(name !== undefined ? { name } : {}), op };
}

/**
 * Reads a board file's lines: its header first, then every record and
 * file, checked. Throws BoardFileError at the first thing wrong, including
 * a file that ends before the header's counts.
 */
export async function* readBoardFile(lines: AsyncIterable<string>): AsyncGenerator<BoardFileHeader | BoardFileEntry> {
  let header: BoardFileHeader | null = null;
  let records = 0;
  let files = 0;
  let n = 0;
  for await (const text of lines) {
    n++;
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new BoardFileError(`line ${n}: not JSON`);
    }
    if (!header) {
      header = checkHeader(value, n);
      yield header;
      continue;
    }
    const entry = checkEntry(value, n);
    if (entry.t === 'rec') {
      if (files > 0) throw new BoardFileError(`line ${n}: a record after the files`);
      if (++records > header.records) throw new BoardFileError(`line ${n}: more records than the header's ${header.records}`);
    } else if (++files > header.files) throw new BoardFileError(`line ${n}: more files than the header's ${header.files}`);
    yield entry;
  }
  if (!header) throw new BoardFileError('the file is empty');
  if (records !== header.records || files !== header.files) {
    throw new BoardFileError(`the file is cut short: ${records} of ${header.records} records, ${files} of ${header.files} files`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function checkHeader(value: unknown, n: number): BoardFileHeader {
  if (!isObject(value) || value.format !== BOARD_FILE_FORMAT) throw new BoardFileError(`line ${n}: not a board file (no "format":"${BOARD_FILE_FORMAT}" header)`);
  if (value.v !== BOARD_FILE_VERSION) throw new BoardFileError(`line ${n}: board file version ${String(value.v)}; this version reads ${BOARD_FILE_VERSION}`);
  const { board, records, first, last, files, exportedAt } = value;
  if (typeof board !== 'string' || !ID_PATTERN.test(board)) throw new BoardFileError(`line ${n}: the board id is not one`);
  if (!isTime(records) || !isTime(files) || !isTime(exportedAt)) throw new BoardFileError(`line ${n}: records, files and exportedAt must be counts and a time`);
  if (!(first === null || isTime(first)) || !(last === null || isTime(last))) throw new BoardFileError(`line ${n}: first and last must be times or null`);
  const header: BoardFileHeader = { format: BOARD_FILE_FORMAT, v: BOARD_FILE_VERSION, board, records, first, last, files, exportedAt };
  if (value.status !== undefined) {
    const status = parseStatus(value.status);
    if (!status) throw new BoardFileError(`line ${n}: the board's status is malformed`);
    header.status = status;
  }
  return header;
}

function checkEntry(value: unknown, n: number): BoardFileEntry {
  if (!isObject(value)) throw new BoardFileError(`line ${n}: not an object`);
  if (value.t === 'rec') {
    const { ts, user, cid, seq, name, op } = value;
    if (!isTime(ts) || typeof user !== 'string' || typeof cid !== 'string' || !Number.isSafeInteger(seq)) throw new BoardFileError(`line ${n}: a record needs ts, user, cid and seq`);
    if (name !== undefined && typeof name !== 'string') throw new BoardFileError(`line ${n}: a record's name must be a string`);
    if (!isObject(op) || typeof op.k !== 'string') throw new BoardFileError(`line ${n}: a record's op must be an operation`);
    return { t: 'rec', ts, user, cid, seq: seq as number, ...(name !== undefined ? { name } : {}), op: op as Op };
  }
  if (value.t === 'file') {
    const { info, data } = value;
    if (!isObject(info) || typeof info.hash !== 'string' || !FILE_HASH_PATTERN.test(info.hash) || !FILE_TYPES.includes(info.type as never) || typeof data !== 'string') {
      throw new BoardFileError(`line ${n}: a file needs its info (hash, type) and its bytes`);
    }
    const bytes = Buffer.from(data, 'base64');
    if (createHash('sha256').update(bytes).digest('hex') !== info.hash) throw new BoardFileError(`line ${n}: the bytes of file ${info.hash} do not hash to its name`);
    return { t: 'file', info: info as FileInfo, data };
  }
  throw new BoardFileError(`line ${n}: unknown line type ${JSON.stringify(value.t)}`);
}

/** Appends kept in flight at once: positions follow call order, and the logs batch them. */
const IN_FLIGHT = 2_000;

export type AppendOptions = {
  onProgress?: (appended: number) => void;
  /** The board as of the records before these (a copy continued); default empty. */
  state?: BoardState;
};

/**
 * Appends records to `board` in the given order with their original times
 * (BoardLog.append's `at`) and authors, and stores the board's state along
 * the way as the server would have (every `every` positions and at the
 * end), so that the board loads, replays and forks as fast as one drawn
 * here. Resolves with the count once all are durable.
 */
export async function appendRecords(log: BoardLog, board: string, records: AsyncIterable<BoardFileRecord> | Iterable<BoardFileRecord>, options: AppendOptions = {}): Promise<number> {
  const state = options.state ?? emptyBoard();
  const every = log.snapshots?.policy?.every ?? DEFAULT_KEEPER_SETTINGS.every;
  let stored = state.pos;
  let pending: Promise<LogRecord>[] = [];
  let appended = 0;
  const settle = async () => {
    for (const record of await Promise.all(pending)) {
      applyRecord(state, record);
      if (log.snapshots && state.pos - stored >= every) {
        await log.snapshots.save(board, state);
        stored = state.pos;
      }
    }
    appended += pending.length;
    pending = [];
    options.onProgress?.(appended);
  };
  for await (const { ts, user, cid, seq, name, op } of records) {
    const record: NewRecord = { board, user, cid, seq, ...(name !== undefined ? { name } : {}), op };
    pending.push(log.append(record, { at: ts }));
    if (pending.length >= IN_FLIGHT) await settle();
  }
  await settle();
  if (log.snapshots && appended > 0 && state.pos !== stored) await log.snapshots.save(board, state);
  return appended;
}

/** Whether a board has any record (import, migrate and restore refuse or skip those). */
export async function hasRecords(log: BoardLog, board: string): Promise<boolean> {
  for await (const page of log.read(board, 0)) if (page.length > 0) return true;
  return false;
}
