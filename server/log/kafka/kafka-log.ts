/**
 * The Kafka backend: one topic, records keyed by board (see record-format.ts).
 *
 * - Appends go through a few idempotent producers, by partition, and are
 *   batched while a request is in flight (appender.ts); an append resolves
 *   only when Kafka has acknowledged it.
 * - Fan-out: every instance consumes every partition in a consumer group of
 *   its own, starting at the end of the topic as it was when the log opened,
 *   and hands each record to the subscribers. The same consumer follows the
 *   index of stored board states from its start (kafka-snapshots.ts).
 * - Reads go through one long-lived, paused consumer (range-reader.ts);
 *   timestamp lookups through the admin client. No read joins a group.
 * - Stored board states bound every load to about `snapshotEvery` offsets
 *   of the board's partition (kafka-snapshots.ts).
 * - Files on boards live in two more compacted topics, followed the same way
 *   (kafka-files.ts).
 * - Readiness follows a probe of the cluster and the outcome of produces.
 */
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Admin, type LogEntry, type Producer } from 'kafkajs';
import type { LogRecord } from '../../protocol/messages.ts';
import type { Logger } from '../../logger.ts';
import { LogUnavailableError, type AppendOptions, type BoardLog, type NewRecord, type ReadyListener, type RecordListener } from '../board-log.ts';
import { KafkaFiles } from './kafka-files.ts';
import { KafkaSnapshots, type SnapshotTopics } from './kafka-snapshots.ts';
import { LastingConsumer } from './lasting-consumer.ts';
import { RangeReader } from './range-reader.ts';
import { Appender } from './appender.ts';
import { decodeMessage, partitionFinder } from './record-format.ts';
import { DEFAULT_FETCH_MAX_WAIT_MS, DEFAULT_HEARTBEAT_MS, DEFAULT_PRODUCERS, DEFAULT_SNAPSHOT_EVERY, erasureConfig, fileTopics, kafkaClientConfig, snapshotTopics, type KafkaSettings } from './settings.ts';
import { eraseBoard } from './kafka-erase.ts';
import { checkTopicSettings } from './topic-settings.ts';
import { noteLogTime } from '../../metrics/log-time.ts';

const PROBE_EVERY_MS = 1_000;
const COMMIT_EVERY_MS = 1_000;

function kafkaLogger(logger: Logger) {
  return () =>
    ({ level, log }: LogEntry) => {
      const { message, ...extra } = log;
      if (level <= logLevel.ERROR) logger.error({ kafka: extra }, message);
      else if (level === logLevel.WARN) logger.warn({ kafka: extra }, message);
    };
}

type TopicSpec = { topic: string; numPartitions: number; configEntries: { name: string; value: string }[] };

/** The log's topic and the compacted topics of stored states and files beside it. */
function topicSpecs(settings: KafkaSettings): TopicSpec[] {
  const topics = snapshotTopics(settings);
  const files = fileTopics(settings);
  const kept = [
    { name: 'cleanup.policy', value: 'compact' },
    { name: 'retention.ms', value: '-1' },
    // How soon erased bytes are really gone (settings.ts, ErasureSettings).
    ...erasureConfig(settings),
  ];
  return [
    {
      topic: settings.topic,
      numPartitions: settings.partitions,
      configEntries: [
        // The broker stamps each record as it appends it.
        { name: 'message.timestamp.type', value: 'LogAppendTime' },
        // Every record has a key of its own (record-format.ts): compaction
        // keeps them all, and removes those an erasure tombstones.
        // The topic is the boards' history: never delete it by age or size
        // (were the policy ever `compact,delete`).
        ...kept,
        { name: 'retention.bytes', value: '-1' },
      ],
    },
    // One partition each: read by offset (states) or whole (index), never by board.
    { topic: topics.states, numPartitions: 1, configEntries: kept },
    { topic: topics.index, numPartitions: 1, configEntries: kept },
    { topic: files.parts, numPartitions: 1, configEntries: kept },
    { topic: files.index, numPartitions: 1, configEntries: kept },
  ];
}

/**
 * Creates the topics when missing. Several instances may start at once: one
 * creates them, the others see them exist, and all wait until their
 * partitions have leaders.
 */
async function ensureTopics(admin: Admin, settings: KafkaSettings, logger: Logger): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const existing = new Set(await admin.listTopics());
      const missing = topicSpecs(settings).filter((spec) => !existing.has(spec.topic));
      if (missing.length > 0) {
        const created = await admin.createTopics({
          waitForLeaders: true,
          topics: missing.map((spec) => ({ ...spec, replicationFactor: settings.replicationFactor })),
        });
        if (created) logger.info({ topics: missing.map((spec) => spec.topic) }, 'created topics');
      }
      for (const spec of topicSpecs(settings)) await admin.fetchTopicOffsets(spec.topic);
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

export class KafkaLog implements BoardLog {
  private readonly listeners = new Set<RecordListener>();
  private readonly readyListeners = new Set<ReadyListener>();
  private ready = false;
  private closed = false;
  private probeTimer: NodeJS.Timeout | null = null;
  private readonly partitionOf: (board: string) => number;
  /** Next offset the fan-out consumer will hand over, per partition, and what was last committed. */
  private readonly consumed = new Map<number, string>();
  private readonly committed = new Map<number, string>();
  /** Next offset of the index of stored states, and what was last committed. */
  private indexConsumed = '0';
  private indexCommitted = '';
  /** The same for the index of files. */
  private fileIndexConsumed = '0';
  private fileIndexCommitted = '';
  private commitTimer: NodeJS.Timeout | null = null;
  private committing = false;
  /** Produce requests sent and records they carried (batching at work); messages reads went through. */
  private scanned = 0;
  readonly snapshots: KafkaSnapshots;
  readonly files: KafkaFiles;
  private readonly topics: SnapshotTopics;
  private readonly fileTopics: { parts: string; index: string };
  /** False on a topic an older version made (cleanup.policy=delete): erasure cannot remove its records (topic-settings.ts). */
  private logCompacted = true;

  private constructor(
    /** Public for the stores kept beside the log (kafka-board-status.ts). */
    readonly settings: KafkaSettings,
    private readonly kafka: Kafka,
    private readonly admin: Admin,
    private readonly appender: Appender,
    private readonly fanout: LastingConsumer,
    private readonly fanoutGroup: string,
    private readonly reader: RangeReader,
    private readonly snapshotProducer: Producer,
    partitions: number,
    private readonly logger: Logger,
  ) {
    this.partitionOf = partitionFinder(settings.topic, partitions);
    this.topics = snapshotTopics(settings);
    const view = {
      partitionOf: this.partitionOf,
      covered: (partition: number) => Number(this.consumed.get(partition) ?? 0) - 1,
      bounds: (partition: number) => this.bounds(partition),
    };
    this.snapshots = new KafkaSnapshots(snapshotProducer, reader, this.topics, view, settings.snapshotEvery ?? DEFAULT_SNAPSHOT_EVERY, fanoutGroup, logger);
    this.fileTopics = fileTopics(settings);
    const fileIndexEnd = async () => Number((await admin.fetchTopicOffsets(this.fileTopics.index))[0]!.high);
    this.files = new KafkaFiles(snapshotProducer, reader, this.fileTopics, fileIndexEnd, logger);
  }

  /** Connects, creates the topic when missing, and starts the fan-out consumer. */
  static async open(settings: KafkaSettings, logger: Logger): Promise<KafkaLog> {
    const kafka = new Kafka({ ...kafkaClientConfig(settings), logLevel: logLevel.WARN, logCreator: kafkaLogger(logger) });
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, settings, logger);
    const { logCompacted } = await checkTopicSettings(admin, settings, logger);
    const topics = snapshotTopics(settings);
    const ends = await admin.fetchTopicOffsets(settings.topic);
    const [indexBounds] = await admin.fetchTopicOffsets(topics.index);
    const files = fileTopics(settings);
    const [fileIndexBounds] = await admin.fetchTopicOffsets(files.index);
    const appender = await Appender.open(kafka, settings.topic, settings.producers ?? DEFAULT_PRODUCERS, logger, settings.compression);
    const snapshotProducer = kafka.producer({ allowAutoTopicCreation: false, maxInFlightRequests: 1 });
    await snapshotProducer.connect();
    const reader = await RangeReader.open(kafka, admin, [settings.topic, topics.states, files.parts], settings.groupPrefix, logger);

    const fanoutGroup = `${settings.groupPrefix}-fanout-${randomBytes(6).toString('hex')}`;
    const fanout = kafka.consumer({
      groupId: fanoutGroup,
      maxWaitTimeInMs: settings.fetchMaxWaitMs ?? DEFAULT_FETCH_MAX_WAIT_MS,
      sessionTimeout: 10_000,
      heartbeatInterval: settings.heartbeatMs ?? DEFAULT_HEARTBEAT_MS,
      // kafkajs gives up on a broker that stays away past its retries; the
      // fan-out must come back with it (from its committed offsets), however
      // long the outage.
      retry: { ...kafkaClientConfig(settings).retry, restartOnFailure: async () => true },
    });
    await fanout.connect();
    await fanout.subscribe({ topics: [settings.topic, topics.index, files.index], fromBeginning: false });
    const lasting = new LastingConsumer(fanout, fanoutGroup, logger);
    const log = new KafkaLog(settings, kafka, admin, appender, lasting, fanoutGroup, reader, snapshotProducer, ends.length, logger);
    log.logCompacted = logCompacted;
    let indexed = Number(indexBounds!.low);
    let indexCaughtUp: (() => void) | null = null;
    let fileIndexCaughtUp: (() => void) | null = null;
    await lasting.run({
      // kafkajs's auto-commit commits after every partition's batch: a
      // round trip to the broker each time, which held the fan-out to a few
      // thousand records a second and added 40-200 ms of lag at standard
      // load. Offsets are committed once a second instead (see commitConsumed), so a
      // consumer that restarts after a broker outage resumes about where it
      // was; records it sees twice are dropped by the rooms by position.
      autoCommit: false,
      // A batch at a time: kafkajs awaits each eachMessage call and checks
      // heartbeats between them, which is per-record overhead we do not need.
      eachBatch: async ({ batch }) => {
        if (batch.topic === topics.index) {
          for (const message of batch.messages) log.snapshots.indexed(message);
          indexed = Number(batch.lastOffset()) + 1;
          log.indexConsumed = String(indexed);
          if (indexed >= Number(indexBounds!.high)) indexCaughtUp?.();
          return;
        }
        if (batch.topic === files.index) {
          const next = Number(batch.lastOffset()) + 1;
          log.files.indexedBatch(batch.messages, next);
          log.fileIndexConsumed = String(next);
          if (next >= Number(fileIndexBounds!.high)) fileIndexCaughtUp?.();
          return;
        }
        for (const message of batch.messages) {
          const record = decodeMessage(message);
          if (!record) continue;
          noteLogTime(record, Number(message.timestamp));
          log.snapshots.observed(record);
          log.deliver(record);
        }
        log.consumed.set(batch.partition, String(BigInt(batch.lastOffset()) + 1n));
      },
    });
    for (const { partition, high } of ends) {
      fanout.seek({ topic: settings.topic, partition, offset: high });
      log.consumed.set(partition, high);
      log.snapshots.watching(partition, Number(high));
    }
    // Every stored state is known before the first load.
    fanout.seek({ topic: topics.index, partition: 0, offset: indexBounds!.low });
    log.indexConsumed = indexBounds!.low;
    // So is every file: a page asks for its board's pictures as soon as it has the board.
    fanout.seek({ topic: files.index, partition: 0, offset: fileIndexBounds!.low });
    log.fileIndexConsumed = fileIndexBounds!.low;
    const fileIndexRead = Number(fileIndexBounds!.low) >= Number(fileIndexBounds!.high) ? Promise.resolve() : new Promise<void>((resolve, reject) => {
      fileIndexCaughtUp = resolve;
      setTimeout(() => reject(new Error(`reading the index of files (${files.index}) took over 60 s`)), 60_000).unref();
    });
    if (indexed < Number(indexBounds!.high)) {
      await new Promise<void>((resolve, reject) => {
        indexCaughtUp = resolve;
        setTimeout(() => reject(new Error(`reading the index of stored states (${topics.index}) took over 60 s`)), 60_000).unref();
      });
    }
    await fileIndexRead;
    void log.snapshots.catchUp().catch((err: unknown) => logger.warn({ err }, 'catching up on stored board states failed'));
    // Committed now, so that a consumer restarting before its first records
    // resumes here rather than at the end of the topic as it is by then.
    // Without this commit a restart could skip records, so opening fails.
    await log.commitConsumed();
    log.ready = true;
    log.probe();
    log.commitTimer = setInterval(() => log.commitInBackground(), COMMIT_EVERY_MS);
    log.commitTimer.unref();
    return log;
  }

  /**
   * `at` (an original time, import and migrate) travels in the record's
   * value (record-format.ts): the topic's timestamps are the broker's. It is
   * kept as given: callers append a board's records in time order.
   */
  append(record: NewRecord, options: AppendOptions = {}): Promise<LogRecord> {
    if (this.closed) return Promise.reject(new LogUnavailableError('log is closed'));
    if (!this.ready) return Promise.reject(new LogUnavailableError('Kafka is not reachable'));
    return this.appender.append(record, this.partitionOf(record.board), options.at).catch((err: unknown) => {
      // A failed produce: not ready (clients go back to reconnecting) until
      // the probe has replaced the producer.
      if (this.appender.failed) this.setReady(false);
      throw err;
    });
  }

  /** Produce requests sent and records they carried (batching at work); messages reads went through. */
  get stats(): { produceRequests: number; records: number; scanned: number } {
    return { ...this.appender.stats, scanned: this.scanned };
  }

  async *read(board: string, from: number, to = Infinity): AsyncIterable<LogRecord[]> {
    const partition = this.partitionOf(board);
    const { low, high } = await this.bounds(partition);
    // An erased board's records stay in the topic until the log cleaner removes them (kafka-erase.ts).
    const start = Math.max(from, low, this.snapshots.erasedAt(board) + 1);
    for await (const messages of this.reader.read(this.settings.topic, partition, start, Math.min(to, high))) {
      this.scanned += messages.length;
      const page: LogRecord[] = [];
      for (const message of messages) {
        const record = decodeMessage(message, board);
        if (record) page.push(record);
      }
      if (page.length > 0) yield page;
    }
  }

  /** Offsets of each partition of the boards' topic the fan-out has yet to hand over: its end minus the next offset to consume. */
  async fanoutLag(): Promise<ReadonlyMap<number, number>> {
    const ends = await this.admin.fetchTopicOffsets(this.settings.topic);
    return new Map(ends.map(({ partition, high }) => [partition, Math.max(0, Number(high) - Number(this.consumed.get(partition) ?? high))]));
  }

  private async bounds(partition: number): Promise<{ low: number; high: number }> {
    const offsets = await this.admin.fetchTopicOffsets(this.settings.topic);
    const bounds = offsets.find((o) => o.partition === partition);
    if (!bounds) throw new LogUnavailableError(`partition ${partition} of ${this.settings.topic} is missing`);
    return { low: Number(bounds.low), high: Number(bounds.high) };
  }

  /**
   * The offset of the board's first record at or after `ts`, or the end of
   * its partition. The broker's time lookup (append times) gives where to
   * start: a record's original time (`at`) is never after its append time,
   * so no record of the board before that offset is at or after `ts`. From
   * there the board's records are read until one is: for a board of
   * ordinary records the first one found, for an imported board perhaps a
   * few more. A board with nothing after `ts` costs a read of its
   * partition's records since then (keys only).
   */
  async positionAt(board: string, ts: number): Promise<number> {
    const partition = this.partitionOf(board);
    const { high } = await this.bounds(partition);
    const atTime = await this.admin.fetchTopicOffsetsByTimestamp(this.settings.topic, ts);
    const from = Number(atTime.find((o) => o.partition === partition)!.offset);
    if (from >= high) return from;
    for await (const page of this.read(board, from, high)) {
      for (const record of page) if (record.ts >= ts) return record.pos;
    }
    return high;
  }

  /** Tombstones the board's records, stored states and pictures no other board has (kafka-erase.ts). */
  async erase(board: string): Promise<void> {
    if (this.closed) throw new LogUnavailableError('log is closed');
    await eraseBoard(
      {
        topics: { ...this.topics, fileParts: this.fileTopics.parts, fileIndex: this.fileTopics.index },
        logCompacted: this.logCompacted,
        partitionOf: this.partitionOf,
        bounds: (partition) => this.bounds(partition),
        admin: this.admin,
        reader: this.reader,
        producer: this.snapshotProducer,
        snapshots: this.snapshots,
        files: this.files,
        logger: this.logger,
      },
      board,
    );
  }

  subscribe(listener: RecordListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  isReady(): boolean {
    return this.ready && !this.closed;
  }

  onReadyChange(listener: ReadyListener): () => void {
    this.readyListeners.add(listener);
    return () => this.readyListeners.delete(listener);
  }

  private setReady(ready: boolean): void {
    if (this.ready === ready) return;
    this.ready = ready;
    this.logger.warn({ ready }, ready ? 'Kafka is reachable again' : 'Kafka is not reachable');
    for (const listener of this.readyListeners) listener(ready);
  }

  /** Asks the cluster for the topic's offsets every second: our heartbeat. */
  private probe(): void {
    if (this.closed) return;
    this.probeTimer = setTimeout(async () => {
      try {
        await this.admin.fetchTopicOffsets(this.settings.topic);
        if (this.appender.failed) await this.appender.recover();
        // Without its fan-out nothing reaches the rooms; without its reader
        // no board loads. Both come back with the broker (LastingConsumer),
        // each once it has joined its group again.
        this.setReady(this.fanout.up && this.reader.healthy);
      } catch {
        this.setReady(false);
      }
      this.probe();
    }, PROBE_EVERY_MS);
    this.probeTimer.unref();
  }

  /** Hands a fanned-out record to every subscriber; one failing does not stop the others. */
  private deliver(record: LogRecord): void {
    for (const listener of this.listeners) {
      try {
        listener(record);
      } catch (err) {
        this.logger.error({ err, board: record.board, pos: record.pos }, 'record listener failed');
      }
    }
  }

  /**
   * A commit can wait a long time while the broker is away; one at a time,
   * apart from the probe, and a failed one is simply tried again later.
   */
  private commitInBackground(): void {
    if (this.committing || this.closed) return;
    this.committing = true;
    this.commitConsumed()
      .catch((err: unknown) => this.logger.debug({ err }, 'committing fan-out offsets failed'))
      .finally(() => (this.committing = false));
  }

  /** Commits the fan-out consumer's progress (the next offset to read, per partition). */
  private async commitConsumed(): Promise<void> {
    const changed = [...this.consumed].filter(([partition, offset]) => this.committed.get(partition) !== offset);
    const index = this.indexConsumed;
    const offsets = changed.map(([partition, offset]) => ({ topic: this.settings.topic, partition, offset }));
    if (index !== this.indexCommitted) offsets.push({ topic: this.topics.index, partition: 0, offset: index });
    const fileIndex = this.fileIndexConsumed;
    if (fileIndex !== this.fileIndexCommitted) offsets.push({ topic: this.fileTopics.index, partition: 0, offset: fileIndex });
    if (offsets.length === 0) return;
    await this.fanout.consumer.commitOffsets(offsets);
    for (const [partition, offset] of changed) this.committed.set(partition, offset);
    this.indexCommitted = index;
    this.fileIndexCommitted = fileIndex;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.probeTimer) clearTimeout(this.probeTimer);
    if (this.commitTimer) clearInterval(this.commitTimer);
    this.listeners.clear();
    const quietly = (what: string) => (err: unknown) => this.logger.warn({ err }, `${what} failed during close`);
    await this.snapshots.close();
    this.files.close();
    await this.fanout.disconnect().catch(quietly('fan-out disconnect'));
    await this.admin.deleteGroups([this.fanoutGroup]).catch(quietly('deleting the fan-out group'));
    await this.reader.close();
    await this.snapshotProducer.disconnect().catch(quietly('snapshot producer disconnect'));
    await this.appender.close();
    await this.admin.disconnect().catch(quietly('admin disconnect'));
    for (const listener of this.readyListeners) listener(false);
    this.readyListeners.clear();
  }
}
