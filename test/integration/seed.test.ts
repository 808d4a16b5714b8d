/**
 * `npm run seed` writes a board as people draw it into the log `npm start`
 * uses: the real command into a fresh DATA_DIR, then the board as the real
 * server gives it to a late joiner and to a replay.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Kafka } from 'kafkajs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { applyRecord, foldRecords } from '../../server/board/fold.ts';
import { fromSnapshot, toSnapshot, type BoardSnapshot } from '../../server/board/snapshot.ts';
import { emptyBoard } from '../../server/board/state.ts';
import { loadBoard } from '../../server/history/load-board.ts';
import type { ReplayLine } from '../../server/history/replay.ts';
import { KafkaLog } from '../../server/log/kafka/kafka-log.ts';
import { DEFAULT_PARTITIONS } from '../../server/log/kafka/settings.ts';
import type { LogRecord } from '../../server/protocol/messages.ts';
import { countPoints } from '../../server/protocol/points.ts';
import { rawSocket } from '../support/board-client.ts';
import { freePort, kafkaTestSettings, ServerProcess, tempDir } from '../support/server.ts';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const POINTS = 30_000;
const START = Date.parse('2026-01-05T09:00:00Z');
const ARGS = ['--points', String(POINTS), '--seed', '7', '--minutes', '60', '--start', '2026-01-05T09:00:00Z'];

let dir: Awaited<ReturnType<typeof tempDir>>;
let server: ServerProcess;
let printed: string;

/** The real command, on the embedded log in `dir` (whatever Kafka the test run has). */
function seed(args: string[]) {
  return run('npm', ['run', '--silent', 'seed', '--', ...args], { cwd: repoRoot, env: { ...process.env, DATA_DIR: dir.path, KAFKA_BROKERS: '' } });
}

async function replayRecords(board: string): Promise<LogRecord[]> {
  const res = await fetch(`${server.http}/api/boards/${board}/replay?from=0`);
  const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l) as ReplayLine);
  return lines.filter((l) => l.t === 'rec').map((l) => (l as Extract<ReplayLine, { t: 'rec' }>).r);
}

beforeAll(async () => {
  dir = await tempDir('seed-');
  printed = (await seed(['--board', 'seeded', ...ARGS])).stdout;
  await seed(['--board', 'twin', ...ARGS]);
  await seed(['--board', 'with-elements', ...ARGS, '--elements', '400']);
  server = new ServerProcess(await freePort(), dir.path, { KAFKA_BROKERS: '' });
  await server.start();
}, 120_000);
afterAll(async () => {
  await server?.stop('SIGTERM');
  await dir?.remove();
});

describe('npm run seed', () => {
  it('prints what it wrote', () => {
    expect(printed).toContain('Seeded board seeded in the embedded log');
    expect(printed).toMatch(/points +30,000/);
    expect(printed).toMatch(/records +[\d,]+/);
    expect(printed).toMatch(/authors +\d+: /);
    expect(printed).toMatch(/time span 2026-01-05T09:00/);
    expect(printed).toMatch(/written in [\d.]+ s/);
    expect(printed).toMatch(/stored +\d+ states of the board along its history, the last at position [\d,]+/);
  });

  it('a late joiner gets a board of that many points in strokes of 20-200 by several authors', async () => {
    const raw = await rawSocket(server.ws, 'seeded');
    await raw.hello();
    const welcome = raw.messages.find((m) => m.t === 'welcome');
    raw.socket.close();
    // Read as a page reads it (a snapshot leaves out fields at their usual value).
    const state = { strokes: [...fromSnapshot((welcome as { state: BoardSnapshot }).state).strokes.values()] };
    expect(state.strokes.reduce((sum, s) => sum + s.n, 0)).toBe(POINTS);
    for (const s of state.strokes) {
      expect(s.n).toBeGreaterThanOrEqual(20);
      expect(s.n).toBeLessThanOrEqual(200);
      expect(s.ended).toBe(true);
    }
    const authors = new Set(state.strokes.map((s) => s.user));
    expect(authors.size).toBeGreaterThanOrEqual(6);
    expect(new Set(state.strokes.map((s) => s.name)).size).toBe(authors.size);
    expect(new Set(state.strokes.map((s) => s.color)).size).toBeGreaterThan(2);
    expect(new Set(state.strokes.map((s) => s.w)).size).toBeGreaterThan(1);
    expect(state.strokes.some((s) => s.pr)).toBe(true);
    expect(state.strokes.some((s) => s.q)).toBe(true);
  });

  it('writes records of 2-4 points, each client in sequence, over the simulated hour, every one of which applies', async () => {
    const records = await replayRecords('seeded');
    const state = emptyBoard();
    const pressure = new Map<string, boolean>();
    const lastSeq = new Map<string, number>();
    const userOf = new Map<string, string>();
    for (const rec of records) {
      expect(applyRecord(state, rec)).toBeNull();
      if (rec.op.k === 'begin') pressure.set(rec.op.id, rec.op.pr === 1);
      if (rec.op.k === 'begin' || rec.op.k === 'ext') {
        const n = countPoints(rec.op.p, pressure.get(rec.op.id)!);
        expect(n).toBeGreaterThanOrEqual(2);
        expect(n).toBeLessThanOrEqual(4);
      }
      expect(rec.seq).toBeGreaterThan(lastSeq.get(rec.cid) ?? 0);
      lastSeq.set(rec.cid, rec.seq);
      expect(userOf.get(rec.cid) ?? rec.user).toBe(rec.user);
      userOf.set(rec.cid, rec.user);
    }
    expect(lastSeq.size).toBeGreaterThanOrEqual(6);
    expect(records.some((r) => r.op.k === 'undo' || r.op.k === 'erase')).toBe(true);
    // Spread over the session, as drawn: frames 16-17 ms apart, pauses between strokes.
    const first = records[0]!.ts;
    const last = records.at(-1)!.ts;
    expect(first).toBeGreaterThanOrEqual(START);
    expect(first).toBeLessThan(START + 15 * 60_000);
    expect(last - first).toBeGreaterThan(40 * 60_000);
    expect(last).toBeLessThanOrEqual(START + 62 * 60_000);
    for (let i = 1; i < records.length; i++) expect(records[i]!.ts).toBeGreaterThanOrEqual(records[i - 1]!.ts);
    expect(new Set(records.map((r) => r.ts)).size).toBeGreaterThan(records.length / 3);
    const sessions = (await (await fetch(`${server.http}/api/boards/seeded/sessions`)).json()) as { sessions: unknown[] };
    expect(sessions.sessions.length).toBeGreaterThanOrEqual(1);
  });

  it('--elements mixes shapes, arrows stuck to them, notes and text into the same ink, every record applying', async () => {
    const [plain, mixed] = await Promise.all([replayRecords('seeded'), replayRecords('with-elements')]);
    const state = emptyBoard();
    for (const rec of mixed) expect(applyRecord(state, rec)).toBeNull();
    const kinds = new Set([...state.shapes.values()].map((s) => s.type));
    expect([...kinds].sort()).toEqual(['arrow', 'diamond', 'ellipse', 'line', 'note', 'rect', 'text']);
    expect([...state.shapes.values()].some((s) => s.sb && s.eb)).toBe(true);
    expect(mixed.filter((r) => r.op.k === 'xf').length).toBeGreaterThan(0);
    expect(mixed.filter((r) => r.op.k === 'add' || r.op.k === 'set' || r.op.k === 'xf')).toHaveLength(400);
    // The ink is the board seeded without elements, record for record.
    const ink = (rs: LogRecord[]) => rs.filter((r) => r.op.k !== 'add' && r.op.k !== 'set' && r.op.k !== 'xf').map(({ board: _b, pos: _p, ...rest }) => rest);
    expect(ink(mixed)).toEqual(ink(plain));
  });

  it('the same seed writes the same board', async () => {
    const [a, b] = await Promise.all([replayRecords('seeded'), replayRecords('twin')]);
    const strip = (rs: LogRecord[]) => rs.map(({ board: _board, ...rest }) => rest);
    expect(strip(b)).toEqual(strip(a));
  });

  it('refuses a board that already has records, and leaves it as it was', async () => {
    const before = (await replayRecords('seeded')).length;
    const failed = await seed(['--board', 'seeded', ...ARGS]).then(
      () => null,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toContain('already has records');
    expect((await replayRecords('seeded')).length).toBe(before);
  });
});

describe('npm run seed on Kafka', () => {
  it('fills the topic and stores the board states along its history, from which any moment loads', { timeout: 120_000 }, async () => {
    const brokers = inject('kafkaBrokers');
    const topic = `seed-${randomBytes(6).toString('hex')}`;
    const env = { ...process.env, KAFKA_BROKERS: brokers, KAFKA_TOPIC: topic, KAFKA_REPLICATION_FACTOR: '1', KAFKA_SNAPSHOT_EVERY: '3000' };
    const { stdout } = await run('npm', ['run', '--silent', 'seed', '--', '--board', 'k', '--points', '20000', '--seed', '3'], { cwd: repoRoot, env });
    expect(stdout).toContain(`Seeded board k in the Kafka topic ${topic}`);
    const stored = Number(/stored +(\d+) states/.exec(stdout)?.[1]);
    expect(stored).toBeGreaterThanOrEqual(3);

    const log = await KafkaLog.open({ ...kafkaTestSettings(brokers, topic, 'seed-check'), partitions: DEFAULT_PARTITIONS, snapshotEvery: 3_000 }, pino({ level: 'silent' }));
    try {
      const records: LogRecord[] = [];
      for await (const page of log.read('k', 0)) records.push(...page);
      for (const end of [records[Math.floor(records.length / 3)]!.pos, records[Math.floor((2 * records.length) / 3)]!.pos, records.at(-1)!.pos + 1]) {
        const loaded = await loadBoard(log, 'k', { end });
        expect(toSnapshot(loaded.state)).toEqual(toSnapshot(foldRecords(records.filter((r) => r.pos < end))));
        expect(loaded.storedThrough).toBeGreaterThanOrEqual(0);
        expect(loaded.folded).toBeLessThanOrEqual(3_000);
      }
    } finally {
      await log.close();
      const admin = new Kafka({ brokers: [brokers], clientId: 'seed-cleanup' }).admin();
      await admin.connect();
      await admin.deleteTopics({ topics: [topic, `${topic}-states`, `${topic}-index`, `${topic}-presence`] }).catch(() => undefined);
      await admin.disconnect();
    }
  });
});
