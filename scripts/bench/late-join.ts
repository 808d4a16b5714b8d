/**
 * Late join of a board drawn as people draw it (npm run seed: a million
 * points are about 460,000 records of 2-4 points in about 8,900 strokes), on
 * the embedded log, timed over a real WebSocket from sending `hello` to the
 * board in hand as a page holds it (the welcome read into a board state,
 * the records sent after it folded, `synced`). Each cold join is the first in a freshly started server;
 * the scenarios take turns, round after round:
 *
 *   cold, full read        no stored state (the first load after upgrading): every record folded
 *   cold, stored state     the state stored at the board's last record: nothing folded
 *   cold, stored state before the tail
 *                          the state stored 20,000 records back (the most the keeper leaves
 *                          unstored): those folded
 *   warm                   the board loaded: a join after the cold one, several times
 *
 * Then, in this process, the welcome's state of the same board: its size and
 * what JSON.stringify, JSON.parse and fromSnapshot cost, as it is sent, as
 * it was before settled strokes were joined into one chunk (one chunk per
 * record), and in a leaner shape (an array per stroke); and fromSnapshot
 * with the structured clone it used to make.
 *
 *   npx tsx scripts/bench/late-join.ts [--points 1000000] [--elements 10000] [--rounds 5] [--warm 5] [--json file]
 */
import { deepStrictEqual } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { open } from 'lmdb';
import WebSocket from 'ws';
import { applyRecord } from '../../server/board/fold.ts';
import { fromSnapshot, sessionsFromSnapshot, sessionsToSnapshot, toSnapshot, type BoardSnapshot } from '../../server/board/snapshot.ts';
import type { Shape } from '../../server/board/elements.ts';
import { emptyBoard, type Action, type BoardState, type Stroke } from '../../server/board/state.ts';
import { EmbeddedLog } from '../../server/log/embedded-log.ts';
import { SNAPSHOTS_DB } from '../../server/log/snapshots/lmdb-snapshots.ts';
import { encodeState } from '../../server/log/snapshots/snapshot-codec.ts';
import { PROTOCOL_VERSION, type ServerMessage } from '../../server/protocol/messages.ts';
import { DownDecoder } from '../../server/protocol/wire.ts';
import { seedBoard } from '../seed/realistic-board.ts';
import { startTarget } from './targets.ts';

export type LateJoinSettings = { points: number; rounds: number; warm: number; tail: number; elements: number };
/** A million points of ink and 10,000 elements (shapes, arrows, notes, text): the board the element goals name. */
export const LATE_JOIN_DEFAULTS: LateJoinSettings = { points: 1_000_000, rounds: 5, warm: 5, tail: 20_000, elements: 10_000 };

const SCENARIOS = ['cold, full read', 'cold, stored state', 'cold, stored state before the tail', 'warm'] as const;
type Scenario = (typeof SCENARIOS)[number];
type Encoding = { name: string; bytes: number; stringifyMs: number; parseMs: number; rebuildMs: number };

export type LateJoinReport = {
  settings: LateJoinSettings;
  board: { records: number; strokes: number; points: number; authors: number; tailRecords: number; elements: number };
  joins: Record<Scenario, { ms: number[]; medianMs: number; bytes: number }>;
  encodings: Encoding[];
  /** fromSnapshot of the welcome's state, with the structured clone it used to make and without. */
  fromSnapshot: { withCloneMs: number; withoutCloneMs: number };
};

const BOARD = 'seeded';

export function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Milliseconds from sending hello to holding the board as a page does: the
 * welcome parsed and read into a board state, and any records sent after
 * it (a stored state is sent as stored, then the records after it) folded,
 * up to `synced`; and the welcome's size.
 */
export async function joinOnce(url: string, board = BOARD): Promise<{ ms: number; bytes: number }> {
  const socket = new WebSocket(`${url}/ws/${board}`, { perMessageDeflate: false });
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  const started = performance.now();
  const decoder = new DownDecoder(board);
  let state: BoardState | null = null;
  let bytes = 0;
  const figure = await new Promise<{ ms: number; bytes: number }>((resolve, reject) => {
    socket.once('error', reject);
    socket.on('message', (data, isBinary) => {
      const messages = isBinary ? decoder.decode(new Uint8Array(data as Buffer)) : [JSON.parse(data.toString()) as ServerMessage];
      for (const message of messages) {
        if (message.t === 'welcome') {
          if (!message.state) return reject(new Error('the welcome has no state'));
          bytes = (data as Buffer).length;
          state = fromSnapshot(message.state);
        } else if (message.t === 'rec' && state) {
          applyRecord(state, message.r);
        } else if (message.t === 'synced') {
          resolve({ ms: performance.now() - started, bytes });
        }
      }
    });
    socket.send(JSON.stringify({ t: 'hello', v: PROTOCOL_VERSION, user: 'late-joiner', cid: `late${Math.random().toString(36).slice(2)}`, name: 'Late' }));
  });
  socket.terminate();
  return figure;
}

/** Leaves exactly this stored state for the board (none with null), as the server will find it. */
async function storeState(dataDir: string, stored: { pos: number; bytes: Buffer } | null): Promise<void> {
  const root = open({ path: join(dataDir, 'log.lmdb') });
  const db = root.openDB<Buffer, [string, number]>({ name: SNAPSHOTS_DB, encoding: 'binary' });
  db.transactionSync(() => {
    for (const key of db.getKeys({ start: [BOARD, -1], end: [BOARD, Number.MAX_SAFE_INTEGER] })) db.removeSync(key);
    if (stored) db.putSync([BOARD, stored.pos], stored.bytes);
  });
  await root.close();
}

/** Placement, stack and place in its add, for ink moved or restacked (0 for none). */
type InkExtra = Pick<Stroke, 'm' | 'z' | 'i'> | 0;
type LeanStroke = [id: string, author: number, color: string, w: number, flags: number, q: number, n: number, pos: number, ts: number, hiddenBy: number[], extra: InkExtra, ...chunks: string[]];
type LeanAction = [pos: number, ts: number, author: number, kind: Action['kind'], ...targets: string[]];
/**
 * A leaner welcome state: one array per stroke and per ink action, authors
 * named once (user, name, user, name, …); elements and their actions as sent.
 */
type LeanState = Pick<BoardSnapshot, 'pos' | 'ts' | 'size' | 'editKey' | 'owner' | 'keyGen' | 'paused' | 'settings' | 'history' | 'seqs' | 'sessions'> & { shapes: Shape[]; authors: string[]; strokes: LeanStroke[]; actions: LeanAction[]; elementActions: Action[] };
const LEAN_KINDS: ReadonlySet<Action['kind']> = new Set(['stroke', 'erase', 'clear']);

function toLean(state: BoardState): LeanState {
  const authors: string[] = [];
  const index = new Map<string, number>();
  const author = (user: string, name: string) => {
    const key = `${user}\n${name}`;
    let i = index.get(key);
    if (i === undefined) index.set(key, (i = authors.push(user, name) / 2 - 1));
    return i;
  };
  const extra = (s: Stroke): InkExtra => (s.m || s.z !== undefined || s.i ? { ...(s.m ? { m: s.m } : {}), ...(s.z !== undefined ? { z: s.z } : {}), ...(s.i ? { i: s.i } : {}) } : 0);
  const strokes = [...state.strokes.values()].map((s): LeanStroke => [s.id, author(s.user, s.name), s.color, s.w, (s.pr ? 1 : 0) | (s.ended ? 2 : 0) | (s.undone ? 4 : 0), s.q ?? 0, s.n, s.pos, s.ts, s.hiddenBy, extra(s), ...s.chunks]);
  const all = [...state.actions.values()];
  const actions = all.filter((a) => LEAN_KINDS.has(a.kind)).map((a): LeanAction => [a.pos, a.ts, author(a.user, ''), a.kind, ...a.targets]);
  const elementActions = all.filter((a) => !LEAN_KINDS.has(a.kind));
  return { pos: state.pos, ts: state.ts, size: state.size, editKey: state.editKey, owner: state.owner, keyGen: state.keyGen, paused: state.paused, settings: state.settings, authors, strokes, shapes: [...state.shapes.values()], actions, elementActions, history: [...state.history], seqs: [...state.seqs], sessions: sessionsToSnapshot(state.sessions) };
}

function fromLean(lean: LeanState): BoardState {
  const { authors } = lean;
  const strokes = new Map<string, Stroke>();
  for (const [id, a, color, w, flags, q, n, pos, ts, hiddenBy, extra, ...chunks] of lean.strokes) {
    strokes.set(id, { id, user: authors[a * 2]!, name: authors[a * 2 + 1]!, color, w, pr: (flags & 1) === 1, ...(q ? { q } : {}), chunks, n, ended: (flags & 2) === 2, undone: (flags & 4) === 4, hiddenBy, pos, ts, ...(extra || {}) });
  }
  // Actions are kept in the order they were made, which is their positions' order.
  const inkActions = lean.actions.map(([pos, ts, a, kind, ...targets]): Action => ({ pos, ts, user: authors[a * 2]!, kind, targets }));
  const actions = new Map([...inkActions, ...lean.elementActions].sort((x, y) => x.pos - y.pos).map((x) => [x.pos, x]));
  return { pos: lean.pos, ts: lean.ts, size: lean.size, editKey: lean.editKey, owner: lean.owner, keyGen: lean.keyGen, paused: lean.paused, settings: lean.settings, strokes, shapes: new Map(lean.shapes.map((x) => [x.id, x])), actions, history: new Map(lean.history), seqs: new Map(lean.seqs), sessions: sessionsFromSnapshot(lean.sessions) };
}

function timed(runs: number, fn: () => unknown): number {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    fn();
    ms.push(performance.now() - started);
  }
  return median(ms);
}

/** The welcome's state in three encodings: size, and the cost of each step, medians of `runs`. */
function encodings(state: BoardState, recordChunks: Map<string, string[]>, runs: number): { encodings: Encoding[]; fromSnapshot: LateJoinReport['fromSnapshot'] } {
  const asSent = toSnapshot(state);
  const perRecord: BoardSnapshot = { ...asSent, strokes: asSent.strokes.map((s) => ({ ...s, chunks: recordChunks.get(s.id)! })) };
  const lean = toLean(state);
  // The leaner shape must carry the same board, or its figures mean nothing.
  deepStrictEqual(toSnapshot(fromLean(JSON.parse(JSON.stringify(lean)) as LeanState)), JSON.parse(JSON.stringify(asSent)));
  function measure<T>(name: string, value: T, rebuild: (parsed: T) => BoardState): Encoding {
    const text = JSON.stringify(value);
    return {
      name,
      bytes: Buffer.byteLength(text),
      stringifyMs: timed(runs, () => JSON.stringify(value)),
      parseMs: timed(runs, () => JSON.parse(text)),
      rebuildMs: median(Array.from({ length: runs }, () => {
        const parsed = JSON.parse(text) as T;
        const started = performance.now();
        rebuild(parsed);
        return performance.now() - started;
      })),
    };
  }
  const sentText = JSON.stringify(asSent);
  const withClone = median(Array.from({ length: runs }, () => {
    const parsed = JSON.parse(sentText) as BoardSnapshot;
    const started = performance.now();
    fromSnapshot(structuredClone(parsed));
    return performance.now() - started;
  }));
  const sent = measure('as sent: a settled stroke is one chunk', asSent, fromSnapshot);
  return {
    encodings: [measure('one chunk per record (before strokes were joined)', perRecord, fromSnapshot), sent, measure('leaner: an array per stroke (not adopted)', lean, fromLean)],
    fromSnapshot: { withCloneMs: withClone, withoutCloneMs: sent.rebuildMs },
  };
}

export async function lateJoinBench(settings: LateJoinSettings, progress: (line: string) => void = () => undefined): Promise<LateJoinReport> {
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-late-join-'));
  try {
    // The board, then a tail drawn after it by others, on a simulated clock.
    let simulated = Date.now();
    const log = new EmbeddedLog(dataDir, { now: () => simulated });
    const stamp = (ts: number) => (simulated = ts);
    const start = Date.now() - 2 * 3_600_000;
    progress(`seeding ${settings.points.toLocaleString('en')} points`);
    // A seeded board has about 2.2 points a record; the tail is part of the board's points.
    const tailPoints = Math.min(Math.round(settings.tail * 2.2), Math.floor(settings.points / 2));
    const main = await seedBoard(log, BOARD, { points: settings.points - tailPoints, seed: 1, start, stamp, elements: settings.elements });
    const tail = await seedBoard(log, BOARD, { points: tailPoints, seed: 2, minutes: 10, start: main.lastTs + 60_000, stamp });

    // The stored states the server would have written: at the last record, and before the tail.
    const state = emptyBoard();
    const recordChunks = new Map<string, string[]>();
    let behind: { pos: number; bytes: Buffer } | null = null;
    let lastPos = -1;
    for await (const page of log.read(BOARD, 0)) {
      for (const rec of page) {
        if (rec.op.k === 'begin') recordChunks.set(rec.op.id, [rec.op.p]);
        else if (rec.op.k === 'ext') recordChunks.get(rec.op.id)?.push(rec.op.p);
        applyRecord(state, rec);
        // The embedded log numbers a new board's records from 0, without gaps.
        if (rec.pos === main.records - 1) behind = { pos: rec.pos, bytes: encodeState(state) };
        lastPos = rec.pos;
      }
    }
    const atHead = { pos: lastPos, bytes: encodeState(state) };
    await log.close();
    progress('welcome encodings, in process');
    const inProcess = encodings(state, recordChunks, settings.rounds * 2 + 1);

    const joins = Object.fromEntries(SCENARIOS.map((s) => [s, { ms: [] as number[], medianMs: 0, bytes: 0 }])) as LateJoinReport['joins'];
    const stored: Record<Exclude<Scenario, 'warm'>, { pos: number; bytes: Buffer } | null> = {
      'cold, full read': null,
      'cold, stored state': atHead,
      'cold, stored state before the tail': behind,
    };
    for (let round = 1; round <= settings.rounds; round++) {
      for (const scenario of Object.keys(stored) as (keyof typeof stored)[]) {
        await storeState(dataDir, stored[scenario]);
        const target = await startTarget('embedded', { dataDir });
        try {
          const cold = await joinOnce(target.url);
          joins[scenario].ms.push(cold.ms);
          joins[scenario].bytes = cold.bytes;
          if (scenario === 'cold, stored state') {
            for (let i = 0; i < settings.warm; i++) {
              const warm = await joinOnce(target.url);
              joins.warm.ms.push(warm.ms);
              joins.warm.bytes = warm.bytes;
            }
          }
          progress(`round ${round}: ${scenario} ${cold.ms.toFixed(0)} ms`);
        } finally {
          await target.stop();
        }
      }
    }
    for (const s of SCENARIOS) joins[s].medianMs = median(joins[s].ms);
    return {
      settings,
      board: { records: main.records + tail.records, strokes: main.strokes + tail.strokes, points: main.points + tail.points, authors: main.authors.length + tail.authors.length, tailRecords: tail.records, elements: main.elements },
      joins,
      ...inProcess,
    };
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

export function printLateJoin(report: LateJoinReport): void {
  const b = report.board;
  const f = (x: number, digits = 1) => x.toFixed(digits);
  const full = report.joins['cold, full read'].medianMs;
  console.log(
    `\nLate join of a seeded board (npm run seed): ${b.points.toLocaleString('en')} points, ${b.records.toLocaleString('en')} records, ${b.strokes.toLocaleString('en')} strokes, ${(b.elements ?? 0).toLocaleString('en')} element operations, ${b.authors} authors; ` +
      `the last ${b.tailRecords.toLocaleString('en')} records (the tail) drawn after the rest. Embedded log; hello to the board in hand (the welcome read, the records after it folded, synced) over a WebSocket, ms; ` +
      `each cold join in a fresh server, medians of ${report.settings.rounds} round(s) (warm: ${report.settings.warm} joins a round)\n`,
  );
  console.log('| join | median ms | min | max | welcome bytes | ÷ cold full read |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const [name, j] of Object.entries(report.joins)) {
    console.log(`| ${name} | ${f(j.medianMs)} | ${f(Math.min(...j.ms))} | ${f(Math.max(...j.ms))} | ${j.bytes.toLocaleString('en')} | ${f(j.medianMs / full, 2)}× |`);
  }
  console.log(`\nThe welcome's state of that board, in this process (ms, medians)\n`);
  console.log('| state | bytes | JSON.stringify | JSON.parse | to a board state |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const e of report.encodings) console.log(`| ${e.name} | ${e.bytes.toLocaleString('en')} | ${f(e.stringifyMs)} | ${f(e.parseMs)} | ${f(e.rebuildMs)} |`);
  console.log(`\nfromSnapshot of the parsed welcome: ${f(report.fromSnapshot.withCloneMs)} ms with the structured clone it made before, ${f(report.fromSnapshot.withoutCloneMs)} ms without`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values: args } = parseArgs({
    options: {
      points: { type: 'string', default: String(LATE_JOIN_DEFAULTS.points) },
      rounds: { type: 'string', default: String(LATE_JOIN_DEFAULTS.rounds) },
      warm: { type: 'string', default: String(LATE_JOIN_DEFAULTS.warm) },
      elements: { type: 'string', default: String(LATE_JOIN_DEFAULTS.elements) },
      json: { type: 'string' },
    },
  });
  const int = (raw: string, name: string) => {
    const n = Number(raw);
    if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${raw}`);
    return n;
  };
  const settings = { ...LATE_JOIN_DEFAULTS, points: int(args.points, 'points'), rounds: int(args.rounds, 'rounds'), warm: int(args.warm, 'warm'), elements: Number(args.elements) };
  const report = await lateJoinBench(settings, (line) => process.stderr.write(`  ${line}\n`));
  printLateJoin(report);
  if (args.json) writeFileSync(args.json, JSON.stringify(report, null, 2));
}
