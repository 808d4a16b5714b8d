/**
 * The presence bus on Kafka: a topic of its own (`<KAFKA_TOPIC>-presence`
 * unless KAFKA_PRESENCE_TOPIC names another), never the boards' history.
 *
 * - The topic keeps about a minute: frames are worth something for a few
 *   seconds, and small segments let retention actually delete them (Kafka
 *   only deletes closed segments).
 * - Frames are keyed by board, so one board's frames stay in order on one
 *   partition: a person's cursor never arrives before the list naming them.
 * - Every instance reads every partition from its end, in a consumer group
 *   of its own (deleted on close), and skips its own frames. Nothing is
 *   committed: after a restart only what is new matters.
 * - Sends are best effort (acks from the leader alone, nothing retried
 *   beyond the client's own retries): a lost frame is repaired by the next
 *   heartbeat. While one send is in flight the next frames wait and go
 *   together, as the log's appends do.
 */
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, Partitioners, type Admin, type LogEntry, type Producer } from 'kafkajs';
import type { Logger } from '../logger.ts';
import { LastingConsumer } from '../log/kafka/lasting-consumer.ts';
import { presenceTopicOf, type KafkaSettings } from '../log/kafka/settings.ts';
import { kafkaClientConfig } from '../log/kafka/client-config.ts';
import { encodePresenceFrame, parsePresenceFrame, type PresenceBus, type PresenceFrame, type PresenceListener } from './presence-bus.ts';

/** Partitions when the topic is created: frames are few and small; boards spread over them. */
const PARTITIONS = 8;
const TOPIC_CONFIG = [
  { name: 'cleanup.policy', value: 'delete' },
  { name: 'retention.ms', value: '60000' },
  { name: 'segment.ms', value: '60000' },
  { name: 'segment.bytes', value: String(8 * 2 ** 20) },
];
/** Frames waiting while the broker is slow; past this the oldest are dropped (the next heartbeat repairs them). */
const MAX_QUEUED = 5_000;

type Queued = { key: string; value: string };

/** Creates the presence topic when missing; several instances may race to, which is fine. */
async function ensurePresenceTopic(admin: Admin, settings: KafkaSettings, logger: Logger): Promise<void> {
  const topic = presenceTopicOf(settings);
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if (!(await admin.listTopics()).includes(topic)) {
        const created = await admin.createTopics({
          waitForLeaders: true,
          topics: [{ topic, numPartitions: PARTITIONS, replicationFactor: settings.replicationFactor, configEntries: TOPIC_CONFIG }],
        });
        if (created) logger.info({ topic, partitions: PARTITIONS }, 'created presence topic');
      }
      await admin.fetchTopicOffsets(topic);
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

export class KafkaPresenceBus implements PresenceBus {
  private readonly listeners = new Set<PresenceListener>();
  private queue: Queued[] = [];
  private sending: Promise<void> | null = null;
  private closed = false;
  /** Failed sends are logged once until one succeeds: an outage is reported by the log already. */
  private failing = false;

  private constructor(
    /** This instance's id on the bus: random per process, so a restart is a new instance. */
    readonly instance: string,
    private readonly topic: string,
    private readonly admin: Admin,
    private readonly producer: Producer,
    private readonly consumer: LastingConsumer,
    private readonly group: string,
    private readonly logger: Logger,
  ) {}

  /** Connects, creates the topic when missing, and reads it from its end. */
  static async open(settings: KafkaSettings, logger: Logger): Promise<KafkaPresenceBus> {
    const topic = presenceTopicOf(settings);
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
    await ensurePresenceTopic(admin, settings, logger);
    const producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const instance = randomBytes(8).toString('hex');
    const group = `${settings.groupPrefix}-presence-${instance}`;
    const consumer = kafka.consumer({
      groupId: group,
      maxWaitTimeInMs: 100,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      // Back with the broker however long it was away; it starts again from the end.
      retry: { ...kafkaClientConfig(settings).retry, restartOnFailure: async () => true },
    });
    const lasting = new LastingConsumer(consumer, group, logger);
    const bus = new KafkaPresenceBus(instance, topic, admin, producer, lasting, group, logger);
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: false });
    // Other instances' lists are heard from the moment this one serves: wait until it holds its partitions.
    const joined = new Promise<void>((resolve) => {
      const stop = consumer.on(consumer.events.GROUP_JOIN, () => (stop(), resolve()));
      setTimeout(resolve, 10_000).unref();
    });
    await lasting.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) if (message.value) bus.deliver(message.value.toString('utf8'));
      },
    });
    await joined;
    return bus;
  }

  publish(frame: PresenceFrame): void {
    if (this.closed) return;
    if (this.queue.length >= MAX_QUEUED) this.queue.shift();
    this.queue.push({ key: frame.board, value: encodePresenceFrame(this.instance, frame) });
    if (!this.sending) this.sending = this.flush();
  }

  subscribe(listener: PresenceListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Checks a frame at the edge; malformed ones and our own go no further. */
  private deliver(text: string): void {
    const parsed = parsePresenceFrame(text);
    if (!parsed) {
      this.logger.debug({ topic: this.topic }, 'malformed presence frame dropped');
      return;
    }
    if (parsed.from === this.instance) return;
    for (const listener of this.listeners) listener(parsed.from, parsed.frame);
  }

  /** Sends everything queued, one request at a time (so one board's frames keep their order). */
  private async flush(): Promise<void> {
    // Frames published in the same event-loop turn go out together.
    await new Promise((r) => setImmediate(r));
    while (this.queue.length > 0) {
      const messages = this.queue.splice(0);
      try {
        await this.producer.send({ topic: this.topic, acks: 1, messages });
        this.failing = false;
      } catch (err) {
        if (!this.failing) this.logger.warn({ err, topic: this.topic, frames: messages.length }, 'presence frames not sent');
        this.failing = true;
      }
    }
    this.sending = null;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Goodbyes published just before close go out first.
    await this.sending;
    const quietly = (what: string) => (err: unknown) => this.logger.warn({ err }, `${what} failed during close`);
    this.listeners.clear();
    await this.consumer.disconnect().catch(quietly('presence consumer disconnect'));
    await this.admin.deleteGroups([this.group]).catch(quietly('deleting the presence group'));
    await this.producer.disconnect().catch(quietly('presence producer disconnect'));
    await this.admin.disconnect().catch(quietly('presence admin disconnect'));
  }
}
