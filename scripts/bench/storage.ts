/**
 * Storage: bytes on disk per point of a board drawn as people draw it, and
 * what a load and a replay seek cost from what is stored.
 *
 *   npx tsx scripts/bench/storage.ts [--points 3000000] [--seeks 15] [--kafka]
 *
 * Seeds one board (scripts/seed/realistic-board.ts: records of 2-4 points,
 * states stored along its history as the server stores them) into a fresh
 * embedded log, and reports the log's file, what its parts use, and the
 * file a compacting backup writes. Then it times a cold load (newest stored
 * state + the records after it) and seeks to evenly spread moments of the
 * history (the state before each moment + the records up to it), against
 * folding the whole log from its start in the same run. With --kafka it
 * seeds the same board into a fresh topic of a broker it starts, and
 * reports the bytes of the topics on the broker's disk.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { open, type RootDatabase } from 'lmdb';
import { pino } from 'pino';
import { applyRecord } from '../../server/board/fold.ts';
import { emptyBoard } from '../../server/board/state.ts';
import { loadBoard } from '../../server/history/load-board.ts';
import { EmbeddedLog } from '../../server/log/embedded-log.ts';
import { KafkaLog } from '../../server/log/kafka/kafka-log.ts';
import { kafkaSettingsFromEnv } from '../../server/log/kafka/settings.ts';
import { LocalKafka } from '../kafka-local.ts';
import { seedBoard } from '../seed/realistic-board.ts';
import { storeBoardState } from '../seed/store-state.ts';

const { values } = parseArgs({
  options: {
    points: { type: 'string', default: '3000000' },
    seeks: { type: 'string', default: '15' },
    kafka: { type: 'boolean', default: false },
  },
  // Also imported by npm run bench, whose arguments these are not.
  strict: false,
});
const POINTS = Number(values.points ?? 3_000_000);
const SEEKS = Number(values.seeks ?? 15);
const BOARD = 'storage-bench';
const START = Date.parse('2026-12-01T09:00:00Z');
const MB = 2 ** 20;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const fmt = (n: number, digits = 1) => n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function timed<T>(run: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await run();
  return [result, performance.now() - started];
}

type DbStats = { treeBranchPageCount: number; treeLeafPageCount: number; overflowPages: number; pageSize: number; entryCount: number };

function parts(root: RootDatabase): { name: string; entries: number; bytes: number }[] {
  return ['records', 'by-time', 'blocks', 'snapshots', 'state-parts', 'files'].map((name) => {
    const s = root.openDB({ name, encoding: 'binary' }).getStats() as DbStats;
    return { name, entries: s.entryCount, bytes: (s.treeBranchPageCount + s.treeLeafPageCount + s.overflowPages) * s.pageSize };
  });
}

/**
 * Bytes on disk per point of a board of `points` drawn as people draw, on
 * the embedded log (its file), and on Kafka when the broker's data
 * directory is at hand (`npm run bench` reports both).
 */
export async function bytesPerPoint(points: number, kafka?: { brokers: string; dataDir: string }): Promise<{ embedded: number; kafka: number | null }> {
  const dir = mkdtempSync(join(tmpdir(), 'storage-bench-'));
  let embedded: number;
  try {
    let simulated = START;
    const log = new EmbeddedLog(dir, { now: () => simulated });
    const summary = await seedBoard(log, BOARD, { points, seed: 1, start: START, stamp: (ts) => (simulated = ts) });
    await storeBoardState(log, BOARD);
    await log.close();
    embedded = statSync(join(dir, 'log.lmdb')).size / summary.points;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (!kafka) return { embedded, kafka: null };
  const topic = `storage-bench-${Date.now()}`;
  const log = await KafkaLog.open({ ...kafkaSettingsFromEnv({ KAFKA_BROKERS: kafka.brokers, KAFKA_TOPIC: topic })!, partitions: 1 }, pino({ level: 'warn' }));
  try {
    const summary = await seedBoard(log, BOARD, { points, seed: 1, start: START });
    await storeBoardState(log, BOARD);
    const bytes = Number(execFileSync('sh', ['-c', `du -sbc ${kafka.dataDir}/data/${topic}* | tail -1 | cut -f1`]).toString().trim());
    return { embedded, kafka: bytes / summary.points };
  } finally {
    await log.close();
  }
}

async function embedded(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'storage-bench-'));
  try {
    let simulated = START;
    let log = new EmbeddedLog(dir, { now: () => simulated });
    const [summary, seedMs] = await timed(() => seedBoard(log, BOARD, { points: POINTS, seed: 1, start: START, stamp: (ts) => (simulated = ts) }));
    await storeBoardState(log, BOARD);
    await log.close();
    const file = statSync(join(dir, 'log.lmdb')).size;
    const copy = join(dir, 'copy.lmdb');
    const root = open({ path: join(dir, 'log.lmdb') });
    const used = parts(root);
    await root.backup(copy, true);
    await root.close();
    const compacted = statSync(copy).size;

    console.log(`\nEmbedded log: a board of ${summary.points.toLocaleString('en')} points in ${summary.records.toLocaleString('en')} records (seeded in ${fmt(seedMs / 1000)} s)\n`);
    console.log('| what | entries | MB | bytes per point |');
    console.log('| --- | ---: | ---: | ---: |');
    for (const part of used) console.log(`| ${part.name} | ${part.entries.toLocaleString('en')} | ${fmt(part.bytes / MB)} | ${fmt(part.bytes / summary.points, 2)} |`);
    console.log(`| log.lmdb, the file | | ${fmt(file / MB)} | ${fmt(file / summary.points, 2)} |`);
    console.log(`| its compacting copy (npm run backup) | | ${fmt(compacted / MB)} | ${fmt(compacted / summary.points, 2)} |`);

    log = new EmbeddedLog(dir);
    const last = summary.records - 1;
    const full: number[] = [];
    const cold: number[] = [];
    for (let i = 0; i < 3; i++) {
      full.push(
        (
          await timed(async () => {
            const state = emptyBoard();
            for await (const page of log.read(BOARD, 0)) for (const rec of page) applyRecord(state, rec);
          })
        )[1],
      );
      cold.push((await timed(() => loadBoard(log, BOARD)))[1]);
    }
    const seek: number[] = [];
    const folded: number[] = [];
    for (let i = 1; i <= SEEKS; i++) {
      const at = summary.firstTs + ((summary.lastTs - summary.firstTs) * i) / (SEEKS + 1);
      const [loaded, ms] = await timed(async () => loadBoard(log, BOARD, { end: await log.positionAt(BOARD, at) }));
      seek.push(ms);
      folded.push(loaded.folded);
    }
    await log.close();
    console.log(`\nLoads of that board (${last + 1} records), ms:\n`);
    console.log('| load | median | max | records folded (median / max) |');
    console.log('| --- | ---: | ---: | ---: |');
    console.log(`| the whole log folded from its start (baseline) | ${fmt(median(full), 0)} | ${fmt(Math.max(...full), 0)} | ${(last + 1).toLocaleString('en')} |`);
    console.log(`| cold load: newest stored state + the records after it | ${fmt(median(cold), 0)} | ${fmt(Math.max(...cold), 0)} | 0 |`);
    console.log(`| replay seek to ${SEEKS} moments: state before + records up to it | ${fmt(median(seek), 0)} | ${fmt(Math.max(...seek), 0)} | ${median(folded).toLocaleString('en')} / ${Math.max(...folded).toLocaleString('en')} |`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function kafka(): Promise<void> {
  const broker = await LocalKafka.create();
  await broker.start();
  // Segments are on disk once written; du counts what the broker keeps.
  const du = (pattern: string) => Number(execFileSync('sh', ['-c', `du -sbc ${broker.dataDir}/data/${pattern} | tail -1 | cut -f1`]).toString().trim());
  const rows: string[] = [];
  try {
    for (const compression of ['none', 'gzip'] as const) {
      const topic = `storage-bench-${compression}-${Date.now()}`;
      const log = await KafkaLog.open({ ...kafkaSettingsFromEnv({ KAFKA_BROKERS: broker.brokers, KAFKA_TOPIC: topic, KAFKA_COMPRESSION: compression })!, partitions: 1 }, pino({ level: 'warn' }));
      try {
        const [summary, ms] = await timed(() => seedBoard(log, BOARD, { points: POINTS, seed: 1, start: START }));
        await storeBoardState(log, BOARD);
        const records = du(`${topic}-0`);
        const all = du(`${topic}*`);
        rows.push(`| ${compression} | ${fmt(records / MB)} | ${fmt(records / summary.points, 2)} | ${fmt(all / MB)} | ${fmt(all / summary.points, 2)} | ${Math.round(summary.records / (ms / 1000)).toLocaleString('en')} |`);
      } finally {
        await log.close();
      }
    }
  } finally {
    await broker.stop();
  }
  console.log(`\nKafka: the same board, one topic per batch compression (KAFKA_COMPRESSION)\n`);
  console.log('| compression | board topic, MB | bytes per point | all its topics (records, stored states, files), MB | bytes per point | records appended per s |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const row of rows) console.log(row);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await embedded();
  if (values.kafka) await kafka();
}
