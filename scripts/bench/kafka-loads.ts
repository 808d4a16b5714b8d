/**
 * Loads on Kafka when a board's partition is full of other boards' records:
 *
 *   npx tsx scripts/bench/kafka-loads.ts [--foreign 500000,2000000] [--points 1000000] [--rounds 3]
 *
 * Uses KAFKA_BROKERS when set, else starts a local broker (scripts/kafka-local.ts).
 * One 64-partition topic; every board below lives on one partition, which
 * then receives the other records (written straight to it, keyed by boards
 * that hash there, shaped like strokes of 3 points). A real server
 * (server/main.ts) watches the topic throughout, as a running instance would.
 *
 * Figures (ms; medians of --rounds):
 *   - cold join of a small board (450 records) with a stored state, against
 *     the same join of a board never stored (the baseline: a full read of
 *     the partition, what every load did before stored states on Kafka),
 *     after each amount of other records;
 *   - cold join of a board of --points drawn as people draw (npm run seed),
 *     right after a server restart;
 *   - replay seek of that board to moments spread over its history: time to
 *     the state line, and to the first record;
 *   - its drawing sessions (the replay page's first request).
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { pino } from 'pino';
import { KafkaLog } from '../../server/log/kafka/kafka-log.ts';
import { encodeValue, partitionFinder } from '../../server/log/kafka/record-format.ts';
import { DEFAULT_PARTITIONS, type KafkaSettings } from '../../server/log/kafka/settings.ts';
import { encodePoints } from '../../server/protocol/points.ts';
import { LocalKafka } from '../kafka-local.ts';
import { seedBoard } from '../seed/realistic-board.ts';
import { storeBoardState } from '../seed/store-state.ts';
import { joinOnce, median } from './late-join.ts';
import { startTarget, type Target } from './targets.ts';
import { timeToFirst } from './time-to-first.ts';

const { values: args } = parseArgs({
  options: {
    foreign: { type: 'string', default: '500000,2000000' },
    points: { type: 'string', default: '1000000' },
    rounds: { type: 'string', default: '3' },
  },
});
const foreignSteps = args.foreign.split(',').map(Number);
const points = Number(args.points);
const rounds = Number(args.rounds);

const local = process.env.KAFKA_BROKERS ? null : await LocalKafka.create();
await local?.start();
const brokers = process.env.KAFKA_BROKERS ?? local!.brokers;
const topic = `loads-${randomBytes(4).toString('hex')}`;
const settings: KafkaSettings = {
  brokers: [brokers],
  clientId: 'bench-loads',
  topic,
  partitions: DEFAULT_PARTITIONS,
  replicationFactor: 1,
  groupPrefix: `bench-${topic}`,
  ssl: false,
};
const partitionOf = partitionFinder(topic, DEFAULT_PARTITIONS);
const kafka = new Kafka({ brokers: [brokers], clientId: 'bench-loads', logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();

/** Board ids with `prefix` that live on the partition of `seeded`. */
const P = partitionOf('seeded');
function boardsOnP(prefix: string, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) if (partitionOf(`${prefix}${i}`) === P) out.push(`${prefix}${i}`);
  return out;
}

const steps = foreignSteps.length;
const stored = boardsOnP('small', rounds * steps);
const bare = boardsOnP('bare', rounds * steps);

// The boards, written and stored as the server would have (npm run seed).
const writer = await KafkaLog.open(settings, pino({ level: 'silent' }));
const seeded = await seedBoard(writer, 'seeded', { points, seed: 1 });
console.error(`seeded ${seeded.records.toLocaleString('en')} records: ${await storeBoardState(writer, 'seeded')}`);
for (const [i, board] of [...stored, ...bare].entries()) await seedBoard(writer, board, { points: 1_000, seed: 10 + i, minutes: 5 });
for (const board of stored) await storeBoardState(writer, board);
await writer.close();

/** Other boards' records, `n` of them, straight onto partition P. */
async function writeForeign(n: number): Promise<void> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const others = boardsOnP('other', 200);
  const p = encodePoints(
    [
      { x: 10, y: 20, p: 0.5 },
      { x: 12, y: 21, p: 0.5 },
      { x: 15, y: 23, p: 0.5 },
    ],
    true,
  );
  const batch = 5_000;
  for (let done = 0; done < n; ) {
    const sends = [];
    for (let k = 0; k < 4 && done < n; k++) {
      const size = Math.min(batch, n - done);
      const base = done;
      sends.push(
        producer.send({
          topic,
          acks: 1,
          messages: Array.from({ length: size }, (_, i) => {
            const board = others[(base + i) % others.length]!;
            return { key: board, partition: P, value: encodeValue({ board, user: 'u', cid: 'c', seq: base + i + 1, op: { k: 'ext', id: 's', p } }) };
          }),
        }),
      );
      done += size;
    }
    await Promise.all(sends);
  }
  await producer.disconnect();
}

/** Waits until the server's fan-out has handed over partition P up to its end, and a refresh has passed. */
async function caughtUp(target: Target, a: Admin): Promise<void> {
  const high = Number((await a.fetchTopicOffsets(topic)).find((o) => o.partition === P)!.high);
  for (const deadline = Date.now() + 300_000; Date.now() < deadline; ) {
    const groups = (await a.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(target.env.KAFKA_GROUP_PREFIX!) && g.includes('-fanout-'));
    const committed = groups.length ? await a.fetchOffsets({ groupId: groups[0]!, topics: [topic] }) : [];
    const offset = Number(committed[0]?.partitions.find((p) => p.partition === P)?.offset ?? -1);
    if (offset >= high) {
      await new Promise((r) => setTimeout(r, 3_000)); // a refresh moves quiet boards along every second
      return;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('the server did not catch up with the partition');
}

const kafkaEnv = { KAFKA_GROUP_PREFIX: `bench-srv-${topic}` };
const start = () => startTarget('kafka', { brokers, topic, env: kafkaEnv });
let target = await start();
const small: { foreign: number; stored: number; bare: number }[] = [];
let written = 0;
for (const [s, total] of foreignSteps.entries()) {
  console.error(`writing ${(total - written).toLocaleString('en')} other records onto partition ${P}`);
  await writeForeign(total - written);
  written = total;
  await caughtUp(target, admin);
  const withState: number[] = [];
  const without: number[] = [];
  for (let r = 0; r < rounds; r++) {
    withState.push((await joinOnce(target.url, stored[s * rounds + r]!)).ms);
    without.push((await joinOnce(target.url, bare[s * rounds + r]!)).ms);
  }
  small.push({ foreign: total, stored: median(withState), bare: median(without) });
}

// The seeded board: cold join right after a restart, then replay seeks.
const colds: number[] = [];
for (let r = 0; r < rounds; r++) {
  await target.stop();
  target = await start();
  colds.push((await joinOnce(target.url, 'seeded')).ms);
}
const moments = Array.from({ length: 7 }, (_, i) => seeded.firstTs + ((i + 0.5) / 7) * (seeded.lastTs - seeded.firstTs));
const toState: number[] = [];
const toRecord: number[] = [];
for (const at of moments) {
  const url = `${target.http}/api/boards/seeded/replay?from=${Math.round(at)}`;
  toState.push(await timeToFirst(url, (l) => l.startsWith('{"t":"state"')));
  toRecord.push(await timeToFirst(url, (l) => l.startsWith('{"t":"rec"')));
}
// The drawing sessions the replay page lists first: part of the stored state (the board is not loaded here).
const sessionsStarted = performance.now();
await (await fetch(`${target.http}/api/boards/seeded/sessions`)).json();
const sessionsMs = performance.now() - sessionsStarted;
await target.stop();

console.log(`\nKafka loads with other boards' records in the board's partition (${DEFAULT_PARTITIONS} partitions; ms, medians of ${rounds})\n`);
console.log('| other records in the partition | cold join, small board with a stored state | cold join, small board without (full read: the baseline) | ÷ |');
console.log('| ---: | ---: | ---: | ---: |');
for (const row of small) {
  console.log(`| ${row.foreign.toLocaleString('en')} | ${row.stored.toFixed(0)} | ${row.bare.toFixed(0)} | ${(row.bare / row.stored).toFixed(0)}× |`);
}
console.log(`\nBoard of ${seeded.points.toLocaleString('en')} points in ${seeded.records.toLocaleString('en')} records drawn as people draw, in the same partition:\n`);
console.log('| figure | median | max |');
console.log('| --- | ---: | ---: |');
console.log(`| cold join right after a restart | ${median(colds).toFixed(0)} | ${Math.max(...colds).toFixed(0)} |`);
console.log(`| replay seek to 7 moments over its history: the state | ${median(toState).toFixed(0)} | ${Math.max(...toState).toFixed(0)} |`);
console.log(`| replay seek: first record | ${median(toRecord).toFixed(0)} | ${Math.max(...toRecord).toFixed(0)} |`);
console.log(`| its drawing sessions (what the replay page asks first), once | ${sessionsMs.toFixed(0)} | |`);

await admin.deleteTopics({ topics: [topic, `${topic}-states`, `${topic}-index`, `${topic}-presence`] }).catch(() => undefined);
await admin.disconnect();
await local?.stop();
