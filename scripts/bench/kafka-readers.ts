/**
 * How to read a range of one partition without a throwaway consumer group
 * (issue 11, point 2). On a local broker of its own (scripts/kafka-local.ts,
 * free ports), a 64-partition topic with LogAppendTime like the one
 * kafka-log.ts creates, filled with the app's records (JSON values keyed by
 * a board id, scripts/bench/fill.ts's frames): one partition holds one
 * board's 100,000 records, the 63 others a small board each.
 *
 * Readers, each long-lived except the first; every one decodes with
 * decodeMessage, as the log does:
 *   throwaway group    scripts/bench/throwaway-group-reader.ts (the log's reader before the range reader): a consumer in a group of
 *                      its own per read, seek, read, delete the group
 *   range reader       server/log/kafka/range-reader.ts, the log's reader: one kafkajs consumer in one
 *                      group per process, subscribed once, every partition paused (by name); a read is
 *                      seek + resume of its partition, batches taken up to the end offset, then pause;
 *                      backpressure by pausing the partition; fetch loop sleeping 25 ms while all is paused
 *   platformatic fetch @platformatic/kafka's Consumer#fetch: Fetch requests to the partition's
 *                      leader from an offset, no group (skipped when the package is not
 *                      installed: `npm install --no-save @platformatic/kafka@1.35.0`)
 *
 * Every round, in turns (the order rotates): a small read (a small board's
 * 1,000 records, another partition each round), the 100,000-record range, and
 * 20 concurrent small reads on 20 partitions. Each read is checked: every
 * record of the range, in order, once. Then, once each:
 *   - a read started while another read on the same reader is held by a
 *     caller that stopped taking pages (head-of-line blocking), and the big
 *     range again after that held read was abandoned;
 *   - a read after the readers sat idle past the session timeout, and how
 *     often each client wakes up meanwhile;
 *   - two reads of one partition at once;
 *   - a read under way while the process stalls past the session timeout (a
 *     blocked event loop: the broker evicts group members), and the next read;
 *   - the consumer groups listed (admin.listGroups) with the readers open and
 *     after they closed;
 *   - decodeMessage alone over the big range in memory: the part of every
 *     read that is not the client's.
 * Group joins and idle wake-ups are counted on the kafkajs consumers the
 * readers create (GROUP_JOIN and FETCH_START events).
 *
 * Before the range reader, this script measured two prototypes of it, paused
 * kafkajs consumers of its own. With maxWaitTimeInMs 100 (the throwaway
 * reader's) and a slow caller's backpressure waiting inside eachBatch, a small
 * read was slower than with a throwaway group (medians 32 ms against 20 ms
 * in one run on 2 cores: a resume waits for the fetch loop, which sleeps
 * maxWaitTimeInMs while every partition is paused), and a read behind a
 * caller that stopped taking pages got no record in 3 s (kafkajs fetches
 * again only once every batch of a fetch is handled). With 10 ms and
 * backpressure by pausing, a small read took 6 ms and nothing was held up,
 * but the idle consumer woke up ~100 times a second. The range reader keeps
 * the pausing and sleeps 25 ms; its column stands for both. Its reads start
 * wherever that sleep stands, 3-25 ms after they are asked for, so its small
 * read's median moves between runs more than the other columns' do.
 *
 * Other pitfalls of a paused kafkajs consumer the range reader handles (see
 * its code), which the stall above exercises: pause({ topic }) followed by a
 * pause of named partitions resumes all the others; a restart after a crash
 * forgets what was paused, and a rejoin forgets the seeks (a read under way
 * would go on from the latest offset, so a batch is only taken if it goes
 * on from where the read stands).
 *
 *   npx tsx scripts/bench/kafka-readers.ts [--rounds 7] [--big 100000] [--small 1000] [--concurrent 20] [--json file]
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Kafka, logLevel, Partitioners, type Admin, type LogEntry } from 'kafkajs';
import { pino } from 'pino';
import type { LogRecord } from '../../server/protocol/messages.ts';
import { readPartition, type PartitionRead } from './throwaway-group-reader.ts';
import { decodeMessage, encodeValue, partitionFinder } from '../../server/log/kafka/record-format.ts';
import { RangeReader } from '../../server/log/kafka/range-reader.ts';
import { type KafkaSettings } from '../../server/log/kafka/settings.ts';
import { kafkaClientConfig } from '../../server/log/kafka/client-config.ts';
import { KAFKA_VERSION, LocalKafka } from '../kafka-local.ts';
import { frameRecord } from './fill.ts';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '7' },
    big: { type: 'string', default: '100000' },
    small: { type: 'string', default: '1000' },
    concurrent: { type: 'string', default: '20' },
    json: { type: 'string' },
    'timeout-s': { type: 'string', default: '900' },
  },
});
const ROUNDS = Number(args.rounds);
const BIG = Number(args.big);
const SMALL = Number(args.small);
const CONCURRENT = Number(args.concurrent);
const PARTITIONS = 64;
const TOPIC = 'bench-readers';
const GROUP_PREFIX = `bench-readers-${randomBytes(3).toString('hex')}`;
/** A read that takes longer than this fails the benchmark. */
const READ_TIMEOUT_MS = 60_000;
/** How long the head-of-line check waits for a read behind a stalled one. */
const HOL_WAIT_MS = 3_000;
/** The session timeout of both kafkajs readers' consumers. */
const SESSION_TIMEOUT_MS = 10_000;
const PLATFORMATIC = '@platformatic/kafka';

const root = fileURLToPath(new URL('../..', import.meta.url));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const median = (xs: number[]): number => {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const fmt = (n: number) => (Number.isFinite(n) ? (n >= 100 ? n.toFixed(0) : n.toFixed(1)) : '-');
const logger = pino({ level: 'warn' }, pino.destination(2));

function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} took more than ${ms} ms`)), ms))),
  ]).finally(() => clearTimeout(timer));
}

function packageVersion(name: string): string | null {
  try {
    return (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return null;
  }
}

type Range = Omit<PartitionRead, 'groupPrefix'>;

type Reader = {
  name: string;
  read(range: Range): AsyncIterable<LogRecord[]>;
  close(): Promise<void>;
  /** Consumer group joins so far. */
  joins?(): number;
  /** Turns of the client's fetch loop so far (kafkajs FETCH_START: a fetch, or a sleep when all is paused). */
  fetchLoops?(): number;
  groupPrefix: string;
};

type ConsumerCounts = { joins: number; fetchLoops: number };

/** The same client, counting what the consumers it creates do: group joins and turns of their fetch loops. */
function countingKafka(kafka: Kafka): { kafka: Kafka; counts: ConsumerCounts } {
  const counts: ConsumerCounts = { joins: 0, fetchLoops: 0 };
  const counting = Object.create(kafka) as Kafka;
  counting.consumer = (config) => {
    const consumer = kafka.consumer(config);
    consumer.on(consumer.events.GROUP_JOIN, () => counts.joins++);
    consumer.on(consumer.events.FETCH_START, () => counts.fetchLoops++);
    return consumer;
  };
  return { kafka: counting, counts };
}

// ---------------------------------------------------------------------------
// 1. The old reader: a throwaway group per read.

function throwawayReader(kafka: Kafka, admin: Admin): Reader {
  const groupPrefix = `${GROUP_PREFIX}-throwaway`;
  const counting = countingKafka(kafka);
  return {
    name: 'throwaway group',
    groupPrefix,
    read: (range) => readPartition(counting.kafka, admin, logger, { ...range, groupPrefix }),
    close: async () => {},
    joins: () => counting.counts.joins,
    fetchLoops: () => counting.counts.fetchLoops,
  };
}

// ---------------------------------------------------------------------------
// 2. The server's reader: one long-lived consumer, every partition paused between reads.

async function openRangeReader(kafka: Kafka, admin: Admin): Promise<Reader> {
  const groupPrefix = `${GROUP_PREFIX}-range`;
  const counting = countingKafka(kafka);
  const reader = await RangeReader.open(counting.kafka, admin, [TOPIC], groupPrefix, logger);
  return {
    name: 'range reader',
    groupPrefix,
    // Decoded as KafkaLog#read does.
    read: async function* (range) {
      for await (const messages of reader.read(range.topic, range.partition, range.from, range.end)) {
        const page: LogRecord[] = [];
        for (const message of messages) {
          const record = decodeMessage(message, range.board);
          if (record) page.push(record);
        }
        if (page.length > 0) yield page;
      }
    },
    close: () => reader.close(),
    joins: () => counting.counts.joins,
    fetchLoops: () => counting.counts.fetchLoops,
  };
}

// ---------------------------------------------------------------------------
// 3. @platformatic/kafka: Fetch requests from an offset, no group. Typed by
// what we use, so that this script typechecks without the package.

type PlatformaticRecord = { offsetDelta: number; timestampDelta: bigint; key: Buffer | null; value: Buffer | null };
type PlatformaticBatch = {
  firstOffset: bigint;
  lastOffsetDelta: number;
  attributes: number;
  firstTimestamp: bigint;
  maxTimestamp: bigint;
  records: PlatformaticRecord[];
};
type PlatformaticFetchResponse = {
  responses: { topicId: string; partitions: { partitionIndex: number; errorCode: number; highWatermark: bigint; records?: PlatformaticBatch[] }[] }[];
};
type PlatformaticConsumer = {
  metadata(options: { topics: string[] }): Promise<{ topics: Map<string, { id: string; partitions: { leader: number; leaderEpoch: number }[] }> }>;
  fetch(options: {
    node: number;
    maxWaitTime?: number;
    minBytes?: number;
    maxBytes?: number;
    topics: {
      topicId: string;
      partitions: { partition: number; currentLeaderEpoch: number; fetchOffset: bigint; lastFetchedEpoch: number; partitionMaxBytes: number }[];
    }[];
  }): Promise<PlatformaticFetchResponse>;
  close(force?: boolean): Promise<void>;
};
type PlatformaticModule = {
  Consumer: new (options: { clientId: string; bootstrapBrokers: string[]; groupId: string; maxWaitTime?: number; timeout?: number; retries?: number }) => PlatformaticConsumer;
};

/** Record batch attributes (Kafka's RecordBatch format v2). */
const LOG_APPEND_TIME = 0x08;
const CONTROL_BATCH = 0x20;
/** As kafkajs's default maxBytesPerPartition, so both fetch the same amount at a time. */
const PARTITION_MAX_BYTES = 1_048_576;

class PlatformaticReader implements Reader {
  readonly name = 'platformatic fetch';
  readonly groupPrefix: string;
  private consumer!: PlatformaticConsumer;
  private topicId = '';
  private leaders: number[] = [];

  constructor(
    private readonly module: PlatformaticModule,
    private readonly brokers: string,
  ) {
    this.groupPrefix = `${GROUP_PREFIX}-platformatic`;
  }

  async open(): Promise<void> {
    this.consumer = new this.module.Consumer({
      clientId: 'bench-readers',
      bootstrapBrokers: [this.brokers],
      // Required by the constructor; fetch never joins it.
      groupId: `${this.groupPrefix}-unused`,
      maxWaitTime: 100,
      timeout: 10_000,
      retries: 3,
    });
    const metadata = await this.consumer.metadata({ topics: [TOPIC] });
    const topic = metadata.topics.get(TOPIC);
    if (!topic) throw new Error(`${TOPIC} has no metadata`);
    this.topicId = topic.id;
    this.leaders = topic.partitions.map((p) => p.leader);
  }

  private fetchAt(partition: number, offset: bigint): Promise<PlatformaticFetchResponse> {
    return this.consumer.fetch({
      node: this.leaders[partition]!,
      maxWaitTime: 100,
      minBytes: 1,
      maxBytes: 10 * 1_048_576,
      topics: [
        {
          topicId: this.topicId,
          partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: offset, lastFetchedEpoch: -1, partitionMaxBytes: PARTITION_MAX_BYTES }],
        },
      ],
    });
  }

  async *read(range: Range): AsyncIterable<LogRecord[]> {
    if (range.from >= range.end) return;
    const end = BigInt(range.end);
    let next = BigInt(range.from);
    // One fetch ahead: the next request is on the wire while a page is decoded and taken.
    let pending: Promise<PlatformaticFetchResponse> | null = this.fetchAt(range.partition, next);
    try {
      while (pending) {
        const response: PlatformaticFetchResponse = await pending;
        pending = null;
        const data = response.responses[0]?.partitions.find((p) => p.partitionIndex === range.partition);
        if (!data) throw new Error(`fetch answered without partition ${range.partition}`);
        if (data.errorCode !== 0) throw new Error(`fetch of partition ${range.partition} at ${next} failed with error code ${data.errorCode}`);
        const before = next;
        const batches = data.records ?? [];
        const raw: { key: Buffer | null; value: Buffer | null; offset: bigint; ts: bigint }[] = [];
        for (const batch of batches) {
          const last = batch.firstOffset + BigInt(batch.lastOffsetDelta);
          if (batch.attributes & CONTROL_BATCH) {
            if (last >= next) next = last + 1n;
            continue;
          }
          const appendTime = (batch.attributes & LOG_APPEND_TIME) !== 0;
          for (const record of batch.records) {
            const offset = batch.firstOffset + BigInt(record.offsetDelta);
            if (offset < next) continue;
            if (offset >= end) break;
            next = offset + 1n;
            raw.push({ key: record.key, value: record.value, offset, ts: appendTime ? batch.maxTimestamp : batch.firstTimestamp + record.timestampDelta });
          }
        }
        if (next < end) {
          if (next === before) throw new Error(`fetch of partition ${range.partition} at ${next} returned nothing below ${end}`);
          pending = this.fetchAt(range.partition, next);
        }
        const page: LogRecord[] = [];
        for (const m of raw) {
          const record = decodeMessage({ key: m.key, value: m.value, offset: String(m.offset), timestamp: String(m.ts) }, range.board);
          if (record) page.push(record);
        }
        if (page.length > 0) yield page;
      }
    } finally {
      // An abandoned read leaves at most one fetch in flight: let it land.
      pending?.catch(() => {});
    }
  }

  async close(): Promise<void> {
    await this.consumer.close(true).catch((err: unknown) => logger.warn({ err }, 'platformatic consumer close failed'));
  }
}

// ---------------------------------------------------------------------------
// Measuring.

/** From the call: the first record, the last record, and the iterator done (the reader's cleanup included). */
type Timed = { firstMs: number; lastMs: number; doneMs: number; records: number };

/** Reads a range to its end and checks it: every offset of the range, in order, once. */
async function timedRead(reader: Reader, range: Range): Promise<Timed> {
  const started = performance.now();
  let firstMs = NaN;
  let lastMs = NaN;
  let expected = range.from;
  for await (const page of reader.read(range)) {
    if (Number.isNaN(firstMs)) firstMs = performance.now() - started;
    for (const record of page) {
      if (record.pos !== expected || record.board !== range.board || !(record.ts > 0)) {
        throw new Error(`${reader.name}: read of ${range.board} gave pos ${record.pos} (${record.board}, ts ${record.ts}) where ${expected} was due`);
      }
      expected++;
    }
    if (expected === range.end) lastMs = performance.now() - started;
  }
  if (expected !== range.end) throw new Error(`${reader.name}: read of ${range.board} ended at ${expected}, not ${range.end}`);
  return { firstMs, lastMs, doneMs: performance.now() - started, records: range.end - range.from };
}

/** As timedRead, but holds still after the first page until `gate` opens. */
async function gatedRead(reader: Reader, range: Range, onFirstPage: () => void, gate: Promise<void>): Promise<void> {
  let expected = range.from;
  let first = true;
  for await (const page of reader.read(range)) {
    for (const record of page) {
      if (record.pos !== expected || record.board !== range.board) throw new Error(`gave pos ${record.pos} where ${expected} was due`);
      expected++;
    }
    if (first) {
      first = false;
      onFirstPage();
      await gate;
    }
  }
  if (expected !== range.end) throw new Error(`ended at ${expected}, not ${range.end}`);
}

const readWithin = (reader: Reader, range: Range) => within(READ_TIMEOUT_MS, `${reader.name} reading ${range.board}`, timedRead(reader, range));

type Figures = {
  smallFirst: number[];
  smallLast: number[];
  bigFirst: number[];
  bigLast: number[];
  bigDone: number[];
  concurrentWall: number[];
  concurrentFirstMedian: number[];
  concurrentFirstMax: number[];
};
const emptyFigures = (): Figures => ({
  smallFirst: [],
  smallLast: [],
  bigFirst: [],
  bigLast: [],
  bigDone: [],
  concurrentWall: [],
  concurrentFirstMedian: [],
  concurrentFirstMax: [],
});

/** A read behind another read on the same reader whose consumer stopped taking pages. */
async function headOfLine(reader: Reader, stalled: Range, other: Range): Promise<{ otherFirstMs: number | null; otherAfterReleaseMs: number }> {
  const iterator = reader.read(stalled)[Symbol.asyncIterator]();
  await within(READ_TIMEOUT_MS, `${reader.name}: first page of the stalled read`, iterator.next());
  await sleep(500); // the reader's side fills its buffer
  const started = performance.now();
  let firstMs: number | null = null;
  const otherRead = (async () => {
    const result = await timedRead(reader, other);
    firstMs = result.firstMs;
    return result;
  })();
  otherRead.catch(() => {});
  await Promise.race([otherRead, sleep(HOL_WAIT_MS)]);
  const otherFirstMs = firstMs;
  await within(READ_TIMEOUT_MS, `${reader.name}: abandoning the stalled read`, Promise.resolve(iterator.return?.(undefined)).then(() => {}));
  await within(READ_TIMEOUT_MS, `${reader.name}: the read behind the stalled one`, otherRead);
  return { otherFirstMs, otherAfterReleaseMs: performance.now() - started };
}

let local: LocalKafka | null = null;

async function main(): Promise<void> {
  const watchdog = setTimeout(() => {
    console.error(`kafka-readers: still running after ${args['timeout-s']} s, giving up`);
    void (local?.stop(2_000) ?? Promise.resolve()).finally(() => process.exit(1));
  }, Number(args['timeout-s']) * 1_000);
  watchdog.unref();

  // @platformatic/kafka is optional: loaded by a name held in a variable, so
  // neither tsc nor tsx needs it.
  let platformatic: PlatformaticModule | null = null;
  let platformaticNote = '';
  const moduleName: string = PLATFORMATIC;
  try {
    platformatic = (await import(moduleName)) as PlatformaticModule;
  } catch (err) {
    platformaticNote = `${PLATFORMATIC} is not installed (${(err as Error).message.split('\n')[0]}): its column is skipped. ` +
      `Try it with: npm install --no-save ${PLATFORMATIC}@1.35.0 (then git checkout package.json package-lock.json if npm touched them)`;
    console.error(platformaticNote);
  }

  const broker = await LocalKafka.create();
  local = broker;
  const stopBroker = () => void broker.stop(2_000).finally(() => process.exit(130));
  process.once('SIGINT', stopBroker);
  process.once('SIGTERM', stopBroker);
  console.error(`starting Kafka ${KAFKA_VERSION} on ${broker.brokers}`);
  await broker.start();

  const settings: KafkaSettings = {
    brokers: [broker.brokers],
    clientId: 'bench-readers',
    topic: TOPIC,
    partitions: PARTITIONS,
    replicationFactor: -1,
    groupPrefix: GROUP_PREFIX,
    ssl: false,
  };
  const kafka = new Kafka({
    ...kafkaClientConfig(settings),
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ namespace, level, log }: LogEntry) => {
        if (level <= logLevel.WARN) console.error(`kafkajs ${namespace}: ${log.message}`);
      },
  });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      {
        topic: TOPIC,
        numPartitions: PARTITIONS,
        replicationFactor: -1,
        configEntries: [
          { name: 'message.timestamp.type', value: 'LogAppendTime' },
          { name: 'retention.ms', value: '-1' },
          { name: 'retention.bytes', value: '-1' },
        ],
      },
    ],
  });

  // One board per partition: the big one, and a small one on each other partition.
  const partitionOf = partitionFinder(TOPIC, PARTITIONS);
  const boardOn = new Map<number, string>();
  for (let i = 0; boardOn.size < PARTITIONS; i++) {
    const board = `board-${i}`;
    const p = partitionOf(board);
    if (!boardOn.has(p)) boardOn.set(p, board);
  }
  const bigPartition = partitionOf(boardOn.get(0)!);
  const bigBoard = boardOn.get(bigPartition)!;
  const smallPartitions = [...boardOn.keys()].filter((p) => p !== bigPartition).sort((a, b) => a - b);

  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const fillStarted = performance.now();
  let valueBytes = 0;
  let written = 0;
  const jobs: { board: string; partition: number; count: number }[] = [
    { board: bigBoard, partition: bigPartition, count: BIG },
    ...smallPartitions.map((p) => ({ board: boardOn.get(p)!, partition: p, count: SMALL })),
  ];
  let messages: { key: string; value: string; partition: number }[] = [];
  const flush = async () => {
    if (messages.length === 0) return;
    await producer.send({ topic: TOPIC, acks: -1, messages });
    messages = [];
  };
  for (const job of jobs) {
    for (let i = 0; i < job.count; i++) {
      const value = encodeValue(frameRecord(job.board, i));
      valueBytes += value.length;
      written++;
      messages.push({ key: job.board, value, partition: job.partition });
      if (messages.length >= 5_000) await flush();
    }
  }
  await flush();
  await producer.disconnect();
  const fillSeconds = (performance.now() - fillStarted) / 1_000;
  const bounds = new Map((await admin.fetchTopicOffsets(TOPIC)).map((o) => [o.partition, { low: Number(o.low), high: Number(o.high) }]));
  const rangeOf = (partition: number): Range => ({
    topic: TOPIC,
    partition,
    board: boardOn.get(partition)!,
    from: bounds.get(partition)!.low,
    end: bounds.get(partition)!.high,
  });
  const bigRange = rangeOf(bigPartition);
  if (bigRange.end - bigRange.from !== BIG) throw new Error(`the big partition holds ${bigRange.end - bigRange.from} records, not ${BIG}`);
  console.error(
    `filled ${written} records in ${fillSeconds.toFixed(1)} s (values ${(valueBytes / written).toFixed(0)} bytes on average); ` +
      `${BIG} of ${bigBoard} on partition ${bigPartition}, ${SMALL} on each of the ${smallPartitions.length} others`,
  );

  // What decoding costs by itself: decodeMessage (key check, JSON.parse) over
  // the big range's records, already in memory. Every reader pays it.
  const decodeMs: number[] = [];
  {
    const messages = Array.from({ length: BIG }, (_, i) => ({
      key: Buffer.from(bigBoard),
      value: Buffer.from(encodeValue(frameRecord(bigBoard, i))),
      offset: String(i),
      timestamp: String(Date.now()),
    }));
    for (let round = 0; round < 5; round++) {
      const started = performance.now();
      let decoded = 0;
      for (const message of messages) if (decodeMessage(message, bigBoard)) decoded++;
      decodeMs.push(performance.now() - started);
      if (decoded !== BIG) throw new Error(`decoded ${decoded} of ${BIG}`);
    }
  }

  const readers: Reader[] = [throwawayReader(kafka, admin), await openRangeReader(kafka, admin)];
  let platformaticReader: PlatformaticReader | null = null;
  if (platformatic) {
    platformaticReader = new PlatformaticReader(platformatic, broker.brokers);
    await platformaticReader.open();
    readers.push(platformaticReader);
  }

  const figures = new Map(readers.map((r) => [r.name, emptyFigures()]));
  // Warm-up: one small and one big read each, not counted.
  for (const reader of readers) {
    await readWithin(reader, rangeOf(smallPartitions[0]!));
    await readWithin(reader, bigRange);
  }
  for (let round = 0; round < ROUNDS; round++) {
    const order = readers.map((_, i) => readers[(i + round) % readers.length]!);
    for (const [turn, reader] of order.entries()) {
      const f = figures.get(reader.name)!;
      const small = await readWithin(reader, rangeOf(smallPartitions[(1 + round * readers.length + turn) % smallPartitions.length]!));
      f.smallFirst.push(small.firstMs);
      f.smallLast.push(small.lastMs);
      const big = await readWithin(reader, bigRange);
      f.bigFirst.push(big.firstMs);
      f.bigLast.push(big.lastMs);
      f.bigDone.push(big.doneMs);
      const offset = (round * 7 + turn * 13) % smallPartitions.length;
      const ranges = Array.from({ length: CONCURRENT }, (_, i) => rangeOf(smallPartitions[(offset + i) % smallPartitions.length]!));
      const started = performance.now();
      const results = await Promise.all(ranges.map((r) => readWithin(reader, r)));
      f.concurrentWall.push(Math.max(...results.map((r) => r.lastMs)));
      f.concurrentFirstMedian.push(median(results.map((r) => r.firstMs)));
      f.concurrentFirstMax.push(Math.max(...results.map((r) => r.firstMs)));
    }
    console.error(`round ${round + 1}/${ROUNDS} done`);
  }

  // Head-of-line blocking, then the big range again after the abandoned read.
  const hol = new Map<string, { otherFirstMs: number | null; otherAfterReleaseMs: number; rereadOk: boolean }>();
  for (const reader of readers) {
    const result = await headOfLine(reader, bigRange, rangeOf(smallPartitions[5]!));
    let rereadOk = true;
    try {
      await readWithin(reader, bigRange);
    } catch (err) {
      rereadOk = false;
      console.error(`${reader.name}: re-reading after an abandoned read failed: ${(err as Error).message}`);
    }
    hol.set(reader.name, { ...result, rereadOk });
  }

  // Idle past the session timeout, then a read each.
  console.error(`idle for ${SESSION_TIMEOUT_MS + 2_000} ms (past the session timeout)`);
  const loopsBefore = readers.map((r) => r.fetchLoops?.() ?? 0);
  await sleep(SESSION_TIMEOUT_MS + 2_000);
  const idleWakeups = new Map(readers.map((r, i) => [r.name, ((r.fetchLoops?.() ?? 0) - loopsBefore[i]!) / ((SESSION_TIMEOUT_MS + 2_000) / 1_000)]));
  const afterIdle = new Map<string, number>();
  for (const reader of readers) afterIdle.set(reader.name, (await readWithin(reader, rangeOf(smallPartitions[9]!))).firstMs);

  // Two reads of one partition at once (boards share partitions).
  const samePartition = new Map<string, boolean>();
  for (const reader of readers) {
    const range = rangeOf(smallPartitions[11]!);
    samePartition.set(
      reader.name,
      await Promise.all([readWithin(reader, range), readWithin(reader, { ...range, from: range.from + Math.floor((range.end - range.from) / 2) })]).then(
        () => true,
        (err: unknown) => {
          console.error(`${reader.name}: two reads of one partition: ${(err as Error).message}`);
          return false;
        },
      ),
    );
  }

  // The process stalls past the session timeout in the middle of a read on
  // every reader (a blocked event loop, a long pause): the broker evicts the
  // members of consumer groups. A read under way must then either finish
  // correctly or fail, never go on from a wrong offset; and the next read must work.
  console.error(`blocking the event loop for ${SESSION_TIMEOUT_MS + 3_000} ms in the middle of a read on each reader`);
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const started = readers.map(() => {
    let signal!: () => void;
    return { promise: new Promise<void>((resolve) => (signal = resolve)), signal };
  });
  const stalledReads = readers.map((reader, i) =>
    gatedRead(reader, bigRange, started[i]!.signal, gate).then(
      () => 'finished, correct',
      (err: unknown) => {
        started[i]!.signal();
        const message = (err as Error).message;
        return /rejoined|lost its consumer group/.test(message) ? 'failed (its group was rejoined)' : `failed: ${message}`;
      },
    ),
  );
  await within(READ_TIMEOUT_MS, 'first pages before the stall', Promise.all(started.map((s) => s.promise)));
  await sleep(500);
  const blockUntil = Date.now() + SESSION_TIMEOUT_MS + 3_000;
  while (Date.now() < blockUntil) {
    // The event loop stands still: no heartbeats, no fetches.
  }
  release();
  const duringStall = new Map<string, string>();
  const afterStall = new Map<string, string>();
  for (const [i, reader] of readers.entries()) {
    duringStall.set(reader.name, await within(READ_TIMEOUT_MS, `${reader.name}: the read across the stall`, stalledReads[i]!));
    console.error(`${reader.name}: read across the stall ${duringStall.get(reader.name)}`);
  }
  for (const reader of readers) {
    const began = performance.now();
    let outcome = '';
    for (let attempt = 1; !outcome; attempt++) {
      try {
        await within(15_000, `${reader.name} reading after the stall`, timedRead(reader, rangeOf(smallPartitions[13]!)));
        outcome = `correct${attempt > 1 ? ` at attempt ${attempt}` : ''}, ${fmt(performance.now() - began)} ms`;
      } catch (err) {
        console.error(`${reader.name}: read ${attempt} after the stall failed: ${(err as Error).message}`);
        if (performance.now() - began > 30_000) outcome = 'FAILED for 30 s';
        else await sleep(1_000);
      }
    }
    afterStall.set(reader.name, outcome);
  }

  const groupsNow = (await admin.listGroups()).groups.map((g) => g.groupId);
  const groupsOpen = new Map(readers.map((r) => [r.name, groupsNow.filter((g) => g.startsWith(`${r.groupPrefix}-`)).length]));
  const joins = new Map(readers.map((r) => [r.name, r.joins?.() ?? null]));
  for (const reader of readers) await reader.close();
  const groupsAfter = (await admin.listGroups()).groups.map((g) => g.groupId);
  const groupsClosed = new Map(readers.map((r) => [r.name, groupsAfter.filter((g) => g.startsWith(`${r.groupPrefix}-`)).length]));

  // The table.
  const baseline = figures.get(readers[0]!.name)!;
  const ratio = (xs: number[], base: number[]) => `${median(xs.map((x, i) => x / base[i]!)).toFixed(2)}×`;
  const rows: [string, (f: Figures, name: string) => string][] = [
    [`small read (${SMALL} records): first record ms`, (f) => fmt(median(f.smallFirst))],
    [`  ÷ throwaway group`, (f) => ratio(f.smallFirst, baseline.smallFirst)],
    [`small read: last record ms`, (f) => fmt(median(f.smallLast))],
    [`${BIG.toLocaleString('en')}-record range: first record ms`, (f) => fmt(median(f.bigFirst))],
    [`${BIG.toLocaleString('en')}-record range: last record ms`, (f) => fmt(median(f.bigLast))],
    [`  ÷ throwaway group`, (f) => ratio(f.bigLast, baseline.bigLast)],
    [`  records/s`, (f) => Math.round(BIG / (median(f.bigLast) / 1_000)).toLocaleString('en')],
    [`  iterator done (reader's cleanup included) ms`, (f) => fmt(median(f.bigDone))],
    [`${CONCURRENT} concurrent small reads: last record of all ms`, (f) => fmt(median(f.concurrentWall))],
    [`  ÷ throwaway group`, (f) => ratio(f.concurrentWall, baseline.concurrentWall)],
    [`  first record ms, median of the ${CONCURRENT}`, (f) => fmt(median(f.concurrentFirstMedian))],
    [`  first record ms, slowest of the ${CONCURRENT}`, (f) => fmt(median(f.concurrentFirstMax))],
    [
      `read behind a held read: first record ms`,
      (_, name) => {
        const h = hol.get(name)!;
        return h.otherFirstMs === null ? `blocked > ${HOL_WAIT_MS} ms` : fmt(h.otherFirstMs);
      },
    ],
    [`big range again after the held read was abandoned`, (_, name) => (hol.get(name)!.rereadOk ? 'correct' : 'FAILED')],
    [`first record after ${(SESSION_TIMEOUT_MS + 2_000) / 1_000} s idle ms`, (_, name) => fmt(afterIdle.get(name)!)],
    [`two reads of one partition at once`, (_, name) => (samePartition.get(name) ? 'correct' : 'FAILED')],
    [`a read across a ${(SESSION_TIMEOUT_MS + 3_000) / 1_000} s stall of the process`, (_, name) => duringStall.get(name)!],
    [`the next read after that stall`, (_, name) => afterStall.get(name)!],
    [`client wake-ups per s while idle (kafkajs fetch loop)`, (_, name) => idleWakeups.get(name)!.toFixed(1)],
    [`consumer group joins`, (_, name) => String(joins.get(name) ?? 0)],
    [`groups listed, readers open`, (_, name) => String(groupsOpen.get(name))],
    [`groups left after close`, (_, name) => String(groupsClosed.get(name))],
  ];
  const kafkajsVersion = packageVersion('kafkajs');
  const platformaticVersion = packageVersion(PLATFORMATIC);
  const lines = [
    `Node ${process.version}, kafkajs ${kafkajsVersion}, ${PLATFORMATIC} ${platformaticVersion ?? 'not installed'}, Kafka ${KAFKA_VERSION} (local, 1 broker)`,
    `${PARTITIONS} partitions, LogAppendTime; ${written.toLocaleString('en')} records, values ${(valueBytes / written).toFixed(0)} bytes on average; ` +
      `medians of ${ROUNDS} rounds after a warm-up; ratios are medians of per-round ratios`,
    '',
    `| | ${readers.map((r) => r.name).join(' | ')} |`,
    `| --- | ${readers.map(() => '---:').join(' | ')} |`,
    ...rows.map(([label, cell]) => `| ${label} | ${readers.map((r) => cell(figures.get(r.name)!, r.name)).join(' | ')} |`),
  ];
  lines.push(
    '',
    `decodeMessage alone over the ${BIG.toLocaleString('en')} records, in memory: ${fmt(median(decodeMs))} ms (median of ${decodeMs.length}); every reader pays it.`,
  );
  if (platformaticNote) lines.push('', platformaticNote);
  console.log(lines.join('\n'));
  if (args.json) {
    writeFileSync(
      args.json,
      JSON.stringify(
        {
          versions: { node: process.version, kafkajs: kafkajsVersion, platformatic: platformaticVersion, kafka: KAFKA_VERSION },
          settings: { rounds: ROUNDS, big: BIG, small: SMALL, concurrent: CONCURRENT, partitions: PARTITIONS },
          figures: Object.fromEntries(figures),
          headOfLine: Object.fromEntries(hol),
          afterIdle: Object.fromEntries(afterIdle),
          samePartition: Object.fromEntries(samePartition),
          duringStall: Object.fromEntries(duringStall),
          afterStall: Object.fromEntries(afterStall),
          joins: Object.fromEntries(joins),
          idleWakeupsPerS: Object.fromEntries(idleWakeups),
          decodeMs,
          groupsOpen: Object.fromEntries(groupsOpen),
          groupsClosed: Object.fromEntries(groupsClosed),
        },
        null,
        2,
      ),
    );
  }

  await admin.disconnect();
  await broker.stop();
  process.exit(0);
}

main().catch(async (err: unknown) => {
  console.error(err);
  await local?.stop(2_000).catch(() => {});
  process.exit(1);
});
