/**
 * For tests of the tools that copy boards (export/import, migrate, backup):
 * realistic boards with pictures, what a person sees of a board at a
 * moment, its replay as a viewer gets it, and the tools run as an operator
 * runs them.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { applyRecord } from '../../server/board/fold.ts';
import { emptyBoard, visibleItems, type BoardState } from '../../server/board/state.ts';
import { intakeImage } from '../../server/files/image-intake.ts';
import { loadBoard } from '../../server/history/load-board.ts';
import { replayLines, type ReplayLine } from '../../server/history/replay.ts';
import type { BoardLog } from '../../server/log/board-log.ts';
import type { LogRecord } from '../../server/protocol/messages.ts';
import { seedBoard, type SeedOptions } from '../../scripts/seed/realistic-board.ts';
import { solidPicture } from './pictures.ts';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Seeds a realistic board (many small ink records, some element ops) whose
 * records carry their simulated times: through `at`, as an import would,
 * so that it works on either log.
 */
export async function seedTimedBoard(log: BoardLog, board: string, options: SeedOptions): Promise<void> {
  let simulated = 0;
  const timed = { append: (record: Parameters<BoardLog['append']>[0]) => log.append(record, { at: simulated }) } as BoardLog;
  await seedBoard(timed, board, { ...options, stamp: (ts) => (simulated = ts) });
}

/** Puts a picture on the board as an upload and a paste do: its file (and smaller copy), then an image element naming it. */
export async function addPicture(log: BoardLog, board: string, n: number, at?: number): Promise<string> {
  const upload = await solidPicture(700, 400, [40 * (n % 6), 90, 200 - 10 * (n % 10)]);
  const { info, data, variants } = await intakeImage(upload, { maxBytes: 2 ** 24, maxInputPixels: 1e8, maxSide: 4_096 });
  for (const variant of variants) await log.files.put(board, variant.info, variant.data);
  await log.files.put(board, info, data);
  const el = { id: `img${n}`, type: 'image', m: [1, 0, 0, 1, 100 * n, 50], color: '#000000', w: 350, h: 200, file: info.hash };
  await log.append({ board, user: 'pic', cid: `pic-${board}`, seq: n, op: { k: 'add', v: 1, els: [el] } as never }, at === undefined ? {} : { at });
  return info.hash;
}

/** What a person sees of a board: its visible items back to front (geometry, style, author), and its settings; no log positions. */
export function seen(state: BoardState): unknown {
  const items = visibleItems(state).map((item) => {
    const { pos: _pos, z: _z, ...rest } = item as typeof item & { z?: number };
    return rest;
  });
  return { items, settings: state.settings };
}

/** What a person sees of the board just before `t`, loaded as the server loads it (positionAt, stored state, records). */
export async function seenBefore(log: BoardLog, board: string, t: number): Promise<unknown> {
  const end = await log.positionAt(board, t);
  return seen((await loadBoard(log, board, { end })).state);
}

/** What was seen just before each of `times`, folding the records directly. */
export function seenFromRecords(records: LogRecord[], times: number[]): unknown[] {
  const state = emptyBoard();
  const out: unknown[] = [];
  let i = 0;
  for (const t of [...times].sort((a, b) => a - b)) {
    while (i < records.length && records[i]!.ts < t) applyRecord(state, records[i++]!);
    out.push(seen(structuredClone(state)));
  }
  return out;
}

/** `count` moments spread over the records' times, with the first, the last and just after it. */
export function momentsOf(records: LogRecord[], count: number): number[] {
  const times = [...new Set(records.map((r) => r.ts))];
  const picked = new Set<number>([times[0]!, times.at(-1)!, times.at(-1)! + 1]);
  for (let i = 0; i < count; i++) picked.add(times[Math.floor((i * times.length) / count)]! + (i % 2));
  return [...picked].sort((a, b) => a - b);
}

/** A board's replay from its start, as a viewer receives it: records with their times and authors (positions aside). */
export async function replayOf(log: BoardLog, board: string): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const chunk of replayLines(log, board, 0)) {
    for (const text of chunk.split('\n')) {
      if (!text) continue;
      const line = JSON.parse(text) as ReplayLine;
      if (line.t === 'rec') {
        const { pos: _pos, board: _board, ...rest } = line.r;
        out.push(rest);
      } else if (line.t === 'end') out.push(line);
    }
  }
  return out;
}

export type ToolRun = { code: number; stdout: string; stderr: string };

/** Runs one of the operator's tools (`scripts/<script>`) as `npm run` would, with the given environment. */
export function runScript(script: string, args: string[], env: Record<string, string>, timeout = 90_000): Promise<ToolRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', `scripts/${script}`, ...args], { cwd: repoRoot, env: { ...process.env, LOG_LEVEL: 'error', ...env }, timeout, maxBuffer: 2 ** 28 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Starts a tool without waiting for it: for killing it midway. */
export function startScript(script: string, args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', `scripts/${script}`, ...args], { cwd: repoRoot, env: { ...process.env, LOG_LEVEL: 'error', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The environment that points the tools at a Kafka topic like the test's. */
export function kafkaEnv(brokers: string, topic: string, partitions = 3): Record<string, string> {
  return { KAFKA_BROKERS: brokers, KAFKA_TOPIC: topic, KAFKA_PARTITIONS: String(partitions), KAFKA_REPLICATION_FACTOR: '1', KAFKA_GROUP_PREFIX: `tool-${topic}` };
}
