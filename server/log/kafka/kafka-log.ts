/**
 * The Kafka backend: one topic, records keyed by board (see record-format.ts).
 *
 * - Appends go through a few idempotent producers, by partition, and are
 *   batched while a request is in flight (appender.ts); an append resolves
 *   only when Kafka has acknowledged it.
 * - Fan-out (board-fanout.ts): in ownership, the instances share the
 *   topic's partitions out in one consumer group, and each hands the
 *   records of its own partitions to its subscribers; in broadcast, every
 *   instance reads every partition. Its own appends are handed over on
 *   their acknowledgement. Another consumer follows the indexes of stored
 *   states and files from their start (index-follower.ts).
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
import { BoardFanout, ownershipGroup } from './board-fanout.ts';
import { IndexFollower } from './index-follower.ts';
import { PartitionOwners } from './ownership/partition-owners.ts';
import { RangeReader } from './range-reader.ts';
import { Appender } from './appender.ts';
import { decodeMessage, partitionFinder } from './record-format.ts';
import { DEFAULT_PRODUCERS, DEFAULT_SNAPSHOT_EVERY, BROADCAST, erasureConfig, fileTopics, snapshotTopics, type KafkaSettings, type Placement } from './settings.ts';
import { kafkaClientConfig } from './client-config.ts';
import { eraseBoard } from './kafka-erase.ts';
import { checkTopicSettings } from './topic-settings.ts';
import { noteLogTime } from '../../metrics/log-time.ts';

const PROBE_EVERY_MS = 1_000;
/** kafkajs's text for REBALANCE_IN_PROGRESS. */
const REBALANCING = 'The group is rebalancing, so a rejoin is needed';

function kafkaLogger(logger: Logger) {
  return () =>
    ({ level, log }: LogEntry) => {
      const { message, ...extra } = log;
      // A rebalance of the owners' group (an instance came or went) is routine: kafkajs logs every heartbeat it fails.
      if (extra.error === REBALANCING) return logger.debug({ kafka: extra }, message);
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
  /** Messages reads went through. */
  private scanned = 0;
  readonly snapshots: KafkaSnapshots;
  readonly files: KafkaFiles;
  private readonly topics: SnapshotTopics;
  private readonly fileTopics: { parts: string; index: string };
  /** False on a topic an older version made (cleanup.policy=delete): erasure cannot remove its records (topic-settings.ts). */
  private logCompacted = true;
  /** Set once open: the consumer of the boards' topic. */
  private fanout!: BoardFanout;
  private follower!: IndexFollower;
  /** Which instance serves which board (partition ownership); undefined in broadcast. */
  placement?: PartitionOwners;

  private constructor(
    /** Public for the stores kept beside the log (kafka-board-status.ts). */
    readonly settings: KafkaSettings,
    private readonly kafka: Kafka,
    private readonly admin: Admin,
    private readonly appender: Appender,
    private readonly reader: RangeReader,
    private readonly snapshotProducer: Producer,
    partitions: number,
    private readonly logger: Logger,
  ) {
    this.partitionOf = partitionFinder(settings.topic, partitions);
    this.topics = snapshotTopics(settings);
    const view = {
      partitionOf: this.partitionOf,
      covered: (partition: number) => this.fanout?.covered(partition) ?? -1,
      bounds: (partition: number) => this.bounds(partition),
    };
    this.snapshots = new KafkaSnapshots(snapshotProducer, reader, this.topics, view, settings.snapshotEvery ?? DEFAULT_SNAPSHOT_EVERY, `${settings.groupPrefix}-${randomBytes(4).toString('hex')}`, logger);
    this.fileTopics = fileTopics(settings);
    const fileIndexEnd = async () => Number((await admin.fetchTopicOffsets(this.fileTopics.index))[0]!.high);
    this.files = new KafkaFiles(snapshotProducer, reader, this.fileTopics, fileIndexEnd, logger);
  }

  /**
   * Connects, creates the topics when missing, reads the indexes of stored
   * states and files, and starts the consumer of the boards' topic (in
   * ownership, joining the instances' group). Only a server serving
   * boards passes its placement; tools read and append in broadcast.
   */
  static async open(settings: KafkaSettings, logger: Logger, placement: Placement = BROADCAST): Promise<KafkaLog> {
    const kafka = new Kafka({ ...kafkaClientConfig(settings), logLevel: logLevel.WARN, logCreator: kafkaLogger(logger) });
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, settings, logger);
    const { logCompacted } = await checkTopicSettings(admin, settings, logger);
    const topics = snapshotTopics(settings);
    const ends = await admin.fetchTopicOffsets(settings.topic);
    const files = fileTopics(settings);
    const appender = await Appender.open(kafka, settings.topic, settings.producers ?? DEFAULT_PRODUCERS, logger, { compression: settings.compression, lingerMs: settings.lingerMs });
    const snapshotProducer = kafka.producer({ allowAutoTopicCreation: false, maxInFlightRequests: 1 });
    await snapshotProducer.connect();
    const reader = await RangeReader.open(kafka, admin, [settings.topic, topics.states, files.parts], settings.groupPrefix, logger);
    const log = new KafkaLog(settings, kafka, admin, appender, reader, snapshotProducer, ends.length, logger);
    log.logCompacted = logCompacted;
    // Every stored state is known before the first load, and so is every
    // file: a page asks for its board's pictures as soon as it has the board.
    log.follower = await IndexFollower.open(
      kafka,
      admin,
      settings,
      [
        { topic: topics.index, onBatch: (messages) => messages.forEach((m) => log.snapshots.indexed(m)) },
        { topic: files.index, onBatch: (messages, next) => log.files.indexedBatch(messages, next) },
      ],
      logger,
    );
    if (placement.mode === 'ownership') {
      log.placement = new PartitionOwners(placement.publicUrl, settings.topic, log.partitionOf, async () => (await admin.describeGroups([ownershipGroup(settings.topic)])).groups[0], () => log.fanout.close(), logger);
    }
    let opened = false;
    log.fanout = await BoardFanout.open(
      kafka,
      admin,
      settings,
      log.placement ?? null,
      {
        deliver: (record) => {
          noteLogTime(record, record.ts);
          log.snapshots.observed(record);
          log.deliver(record);
        },
        gained: (from) => {
          for (const [partition, offset] of from) log.snapshots.watching(partition, offset);
          // At open the catch-up below covers them all.
          if (opened) void log.snapshots.catchUp(new Set(from.keys())).catch((err: unknown) => logger.warn({ err }, 'catching up on stored board states failed'));
        },
      },
      logger,
    );
    opened = true;
    void log.snapshots.catchUp().catch((err: unknown) => logger.warn({ err }, 'catching up on stored board states failed'));
    log.ready = true;
    log.probe();
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
    const partition = this.partitionOf(record.board);
    return this.appender.append(record, partition, options.at).then(
      (written) => {
        // Handed to the rooms now rather than once consumed back (board-fanout.ts).
        this.fanout.acked(partition, written);
        return written;
      },
      (err: unknown) => {
        // A failed produce: not ready (clients go back to reconnecting) until
        // the probe has replaced the producer.
        if (this.appender.failed) this.setReady(false);
        throw err;
      },
    );
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

  /** Offsets of each partition of the boards' topic followed here that the fan-out has yet to hand over: its end minus the next offset. */
  async fanoutLag(): Promise<ReadonlyMap<number, number>> {
    const ends = await this.admin.fetchTopicOffsets(this.settings.topic);
    const lag = new Map<number, number>();
    for (const { partition, high } of ends) {
      const next = this.fanout.delivery.next(partition);
      if (next !== undefined) lag.set(partition, Math.max(0, Number(high) - next));
    }
    return lag;
  }

  produceRequests(): number {
    return this.appender.stats.produceRequests;
  }

  /** Records of the boards' topic handed to the rooms, by the consumer and on acknowledgement (metrics). */
  fanoutCounts(): Readonly<Record<'consumer' | 'ack', number>> {
    return this.fanout.delivery.counts;
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
        this.setReady(this.fanout.up && this.follower.up && this.reader.healthy);
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

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.listeners.clear();
    const quietly = (what: string) => (err: unknown) => this.logger.warn({ err }, `${what} failed during close`);
    await this.snapshots.close();
    this.files.close();
    // First: in ownership the other instances take this one's partitions over now, not after the session timeout.
    await this.fanout.close().catch(quietly('fan-out disconnect'));
    await this.follower.disconnect().catch(quietly('index follower disconnect'));
    const ownGroups = [this.follower.groupId, ...(this.placement ? [] : [this.fanout.groupId])];
    await this.admin.deleteGroups(ownGroups).catch(quietly('deleting consumer groups'));
    await this.reader.close();
    await this.snapshotProducer.disconnect().catch(quietly('snapshot producer disconnect'));
    await this.appender.close();
    await this.admin.disconnect().catch(quietly('admin disconnect'));
    for (const listener of this.readyListeners) listener(false);
    this.readyListeners.clear();
  }
}
