/**
 * Board statuses on Kafka: a compacted topic `<KAFKA_TOPIC>-status`, one
 * partition, keyed by board id, a JSON BoardStatus as value and a tombstone
 * when the board is live again (restored). Every instance reads it from its
 * start at open and follows it (a consumer group of its own, deleted on
 * close, as the presence bus does), so each knows of a deletion made
 * anywhere within about a second (a fetch returns as soon as a value is there).
 *
 * `set` resolves once this instance's consumer has read the value back, so
 * the instance that deleted a board answers 410 for it at once, and values
 * are applied in the topic's order only.
 */
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Admin, type KafkaMessage, type LogEntry, type Producer } from 'kafkajs';
import type { Logger } from '../../logger.ts';
import { LogUnavailableError } from '../board-log.ts';
import { notify, parseStatus, sameStatus, type BoardStatus, type BoardStatusStore, type StatusListener } from '../board-status.ts';
import { LastingConsumer } from './lasting-consumer.ts';
import { QUIET_FETCH_MAX_WAIT_MS, type KafkaSettings } from './settings.ts';
import { kafkaClientConfig } from './client-config.ts';

export function statusTopicOf(settings: Pick<KafkaSettings, 'topic'>): string {
  return `${settings.topic}-status`;
}

/** How long `set` waits to read its value back before it applies it itself. */
const READ_BACK_MS = 10_000;
const OPEN_TIMEOUT_MS = 60_000;

async function ensureStatusTopic(admin: Admin, settings: KafkaSettings, logger: Logger): Promise<void> {
  const topic = statusTopicOf(settings);
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if (!(await admin.listTopics()).includes(topic)) {
        const created = await admin.createTopics({
          waitForLeaders: true,
          topics: [
            {
              topic,
              numPartitions: 1,
              replicationFactor: settings.replicationFactor,
              configEntries: [
                { name: 'cleanup.policy', value: 'compact' },
                { name: 'retention.ms', value: '-1' },
              ],
            },
          ],
        });
        if (created) logger.info({ topic }, 'created board status topic');
      }
      await admin.fetchTopicOffsets(topic);
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

export class KafkaBoardStatus implements BoardStatusStore {
  private readonly known = new Map<string, BoardStatus>();
  private readonly listeners = new Set<StatusListener>();
  /** Next offset the consumer will hand over, and writes waiting for it to pass theirs. */
  private consumed = 0;
  private readonly waiting: { offset: number; wake: () => void }[] = [];
  private closed = false;

  private constructor(
    private readonly topic: string,
    private readonly admin: Admin,
    private readonly producer: Producer,
    private readonly consumer: LastingConsumer,
    private readonly group: string,
    private readonly logger: Logger,
  ) {}

  /** Connects, creates the topic when missing, and reads it whole before resolving. */
  static async open(settings: KafkaSettings, logger: Logger): Promise<KafkaBoardStatus> {
    const topic = statusTopicOf(settings);
    const kafka = new Kafka({
      ...kafkaClientConfig(settings),
      logLevel: logLevel.WARN,
      logCreator:
        () =>
        ({ level, log: { message, ...extra } }: LogEntry) => {
          if (level <= logLevel.WARN) logger.warn({ kafka: extra, topic }, message);
        },
    });
    const admin = kafka.admin();
    await admin.connect();
    await ensureStatusTopic(admin, settings, logger);
    const producer = kafka.producer({ allowAutoTopicCreation: false, maxInFlightRequests: 1 });
    await producer.connect();
    const group = `${settings.groupPrefix}-status-${randomBytes(6).toString('hex')}`;
    const consumer = kafka.consumer({
      groupId: group,
      maxWaitTimeInMs: QUIET_FETCH_MAX_WAIT_MS,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      retry: { ...kafkaClientConfig(settings).retry, restartOnFailure: async () => true },
    });
    const lasting = new LastingConsumer(consumer, group, logger);
    const store = new KafkaBoardStatus(topic, admin, producer, lasting, group, logger);
    const [bounds] = await admin.fetchTopicOffsets(topic);
    await consumer.connect();
    // Nothing is committed: a consumer that starts over reads the (compacted) topic whole again.
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await lasting.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => store.took(batch.messages, Number(batch.lastOffset()) + 1),
    });
    consumer.seek({ topic, partition: 0, offset: bounds!.low });
    // Every deletion made so far is known before the first request.
    const high = Number(bounds!.high);
    if (high > Number(bounds!.low)) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`reading the board statuses (${topic}) took over ${OPEN_TIMEOUT_MS / 1000} s`)), OPEN_TIMEOUT_MS);
        timer.unref();
        store.waitFor(high, () => (clearTimeout(timer), resolve()));
      });
    }
    return store;
  }

  /** A batch from the topic: ours or another instance's or the CLI's values, in the topic's order. */
  private took(messages: KafkaMessage[], next: number): void {
    for (const message of messages) {
      const board = message.key?.toString('utf8');
      if (!board) continue;
      let status: BoardStatus | null = null;
      if (message.value) {
        try {
          status = parseStatus(JSON.parse(message.value.toString('utf8')));
        } catch {
          status = null;
        }
        // Malformed: ignored, rather than taken as a restore.
        if (!status) continue;
      }
      this.apply(board, status);
    }
    this.consumed = Math.max(this.consumed, next);
    for (let i = this.waiting.length - 1; i >= 0; i--) {
      if (this.waiting[i]!.offset <= this.consumed) this.waiting.splice(i, 1)[0]!.wake();
    }
  }

  private apply(board: string, status: BoardStatus | null): void {
    const before = this.known.get(board) ?? null;
    if (sameStatus(before, status)) return;
    if (status) this.known.set(board, status);
    else this.known.delete(board);
    notify(this.listeners, board, status, (err) => this.logger.error({ err, board }, 'board status listener failed'));
  }

  private waitFor(offset: number, wake: () => void): void {
    if (this.consumed >= offset) return wake();
    this.waiting.push({ offset, wake });
  }

  get(board: string): BoardStatus | null {
    return this.known.get(board) ?? null;
  }

  async set(board: string, status: BoardStatus | null): Promise<void> {
    if (this.closed) throw new LogUnavailableError('log is closed');
    const [meta] = await this.producer.send({
      topic: this.topic,
      acks: -1,
      messages: [{ key: board, value: status ? JSON.stringify(status) : null, partition: 0 }],
    });
    const next = Number(meta!.baseOffset) + 1;
    const readBack = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), READ_BACK_MS);
      timer.unref();
      this.waitFor(next, () => (clearTimeout(timer), resolve(true)));
    });
    // Durable already; the consumer is behind (an outage): answer it here meanwhile.
    if (!readBack) this.apply(board, status);
  }

  all(): ReadonlyMap<string, BoardStatus> {
    return this.known;
  }

  onChange(listener: StatusListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    for (const waiter of this.waiting.splice(0)) waiter.wake();
    const quietly = (what: string) => (err: unknown) => this.logger.warn({ err }, `${what} failed during close`);
    await this.consumer.disconnect().catch(quietly('status consumer disconnect'));
    await this.admin.deleteGroups([this.group]).catch(quietly('deleting the status group'));
    await this.producer.disconnect().catch(quietly('status producer disconnect'));
    await this.admin.disconnect().catch(quietly('status admin disconnect'));
  }
}
