/**
 * Replay seek benchmark: time from the HTTP request to the first replayed
 * record when seeking into the middle of a board, with RECORDS records
 * spread over BOARDS boards, on the embedded log and on Kafka.
 *
 *   npx tsx scripts/bench-replay.ts [--records 1000000] [--boards 100] [--trials 21] [--skip-kafka]
 *
 * Kafka: KAFKA_BROKERS, or a broker started by scripts/kafka-local.ts.
 * Baselines measured in the same run, on the same server: `GET /healthz`
 * (the HTTP floor) and a replay from the board's start (no fold before it).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { buildApp } from '../server/app.ts';
import type { BoardLog } from '../server/log/board-log.ts';
import { EmbeddedLog } from '../server/log/embedded-log.ts';
import { KafkaLog } from '../server/log/kafka/kafka-log.ts';
import { DEFAULT_PARTITIONS } from '../server/log/kafka/settings.ts';
import { fillBoards } from './bench/fill.ts';
import { timeToFirst } from './bench/time-to-first.ts';
import { LocalKafka } from './kafka-local.ts';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '1000000' },
    boards: { type: 'string', default: '100' },
    trials: { type: 'string', default: '21' },
    'skip-kafka': { type: 'boolean', default: false },
  },
});
const RECORDS = Number(values.records);
const BOARDS = Number(values.boards);
const TRIALS = Number(values.trials);
const logger = pino({ level: 'warn' });
const webRoot = fileURLToPath(new URL('../web/dist', import.meta.url));

/** Writes the records round-robin over boards; returns each board's first and last timestamp. */
async function fill(log: BoardLog): Promise<{ first: number; last: number }[]> {
  const started = Date.now();
  const bounds = await fillBoards(log, RECORDS, Array.from({ length: BOARDS }, (_, b) => `board-${b}`), true);
  const seconds = (Date.now() - started) / 1000;
  process.stderr.write(`  wrote ${RECORDS} records (${Math.ceil(RECORDS / BOARDS)} per board) in ${seconds.toFixed(1)} s, ${Math.round(RECORDS / seconds)} records/s\n`);
  return bounds;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p90 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)]!;

async function measure(name: string, log: BoardLog, bounds: { first: number; last: number }[]) {
  const app = await buildApp({ log, logger, webRoot });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const isRecord = (line: string) => line.startsWith('{"t":"rec"');
  const results = { healthz: [] as number[], fromStart: [] as number[], middle: [] as number[] };
  for (let t = 0; t < TRIALS + 1; t++) {
    const board = (t * 37) % BOARDS;
    const { first, last } = bounds[board]!;
    const h0 = performance.now();
    await (await fetch(`${base}/healthz`)).text();
    const healthz = performance.now() - h0;
    const fromStart = await timeToFirst(`${base}/api/boards/board-${board}/replay?from=0`, isRecord);
    const middle = await timeToFirst(`${base}/api/boards/board-${board}/replay?from=${Math.floor((first + last) / 2)}`, isRecord);
    if (t === 0) continue; // warm-up
    results.healthz.push(healthz);
    results.fromStart.push(fromStart);
    results.middle.push(middle);
  }
  await app.close();
  return { name, ...results };
}

const rows: Awaited<ReturnType<typeof measure>>[] = [];

const dir = await mkdtemp(join(tmpdir(), 'bench-replay-'));
const embedded = new EmbeddedLog(dir);
console.error('embedded log:');
rows.push(await measure('embedded (LMDB)', embedded, await fill(embedded)));
await embedded.close();
await rm(dir, { recursive: true, force: true });

if (!values['skip-kafka']) {
  let local: LocalKafka | null = null;
  let brokers = process.env.KAFKA_BROKERS;
  if (!brokers) {
    local = await LocalKafka.create();
    await local.start();
    brokers = local.brokers;
  }
  const topic = `bench-replay-${randomBytes(4).toString('hex')}`;
  const kafka = await KafkaLog.open(
    { brokers: brokers.split(','), clientId: 'bench', topic, partitions: DEFAULT_PARTITIONS, replicationFactor: 1, groupPrefix: `bench-${topic}`, ssl: false },
    logger,
  );
  console.error('Kafka:');
  rows.push(await measure('Kafka', kafka, await fill(kafka)));
  await kafka.close();
  await local?.stop();
}

const f = (x: number) => x.toFixed(1);
console.log(`\nReplay seek, ${RECORDS.toLocaleString('en')} records over ${BOARDS} boards (Kafka: ${DEFAULT_PARTITIONS} partitions), ${TRIALS} trials (ms, median / p90)\n`);
console.log('| log | GET /healthz (baseline) | replay from board start | replay seeking mid-board | mid-board ÷ healthz |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  console.log(
    `| ${r.name} | ${f(median(r.healthz))} / ${f(p90(r.healthz))} | ${f(median(r.fromStart))} / ${f(p90(r.fromStart))} | ${f(median(r.middle))} / ${f(p90(r.middle))} | ${(median(r.middle) / median(r.healthz)).toFixed(1)}× |`,
  );
}
