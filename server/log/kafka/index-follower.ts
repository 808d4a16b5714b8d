/**
 * Follows the one-partition topics every instance reads whole, from their
 * start: the index of stored states and the index of files. A consumer
 * group of this instance's own, never committed: it starts at the topics'
 * low watermarks, and after a restart of the consumer (a broker outage,
 * LastingConsumer) it resumes where it was, by seeking there again.
 */
import { randomBytes } from 'node:crypto';
import type { Admin, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from '../../logger.ts';
import { LastingConsumer } from './lasting-consumer.ts';
import { QUIET_FETCH_MAX_WAIT_MS, type KafkaSettings } from './settings.ts';
import { lastingConsumerConfig } from './client-config.ts';

export type FollowedTopic = {
  topic: string;
  /** A batch of its messages, and the offset after them. */
  onBatch(messages: KafkaMessage[], next: number): void;
};

/** Within this, at open, every followed topic is read to the end it had. */
const CATCH_UP_MS = 60_000;

export class IndexFollower {
  /** Next offset to read, per topic. */
  private readonly next = new Map<string, number>();

  private constructor(
    private readonly lasting: LastingConsumer,
    readonly groupId: string,
  ) {}

  static async open(kafka: Kafka, admin: Admin, settings: KafkaSettings, topics: FollowedTopic[], logger: Logger): Promise<IndexFollower> {
    const groupId = `${settings.groupPrefix}-indexes-${randomBytes(6).toString('hex')}`;
    const consumer = kafka.consumer({ ...lastingConsumerConfig(settings, groupId), maxWaitTimeInMs: QUIET_FETCH_MAX_WAIT_MS });
    await consumer.connect();
    await consumer.subscribe({ topics: topics.map((t) => t.topic), fromBeginning: true });
    const follower = new IndexFollower(new LastingConsumer(consumer, groupId, logger), groupId);
    const ends = new Map<string, number>();
    for (const { topic } of topics) {
      const [bounds] = await admin.fetchTopicOffsets(topic);
      follower.next.set(topic, Number(bounds!.low));
      ends.set(topic, Number(bounds!.high));
    }
    let caughtUp: () => void = () => undefined;
    const isCaughtUp = () => [...ends].every(([topic, end]) => follower.next.get(topic)! >= end);
    const read = new Promise<void>((resolve, reject) => {
      caughtUp = resolve;
      setTimeout(() => reject(new Error(`reading ${topics.map((t) => t.topic).join(' and ')} took over ${CATCH_UP_MS / 1000} s`)), CATCH_UP_MS).unref();
    });
    // Every (re)join starts where this instance was.
    consumer.on(consumer.events.GROUP_JOIN, () => {
      for (const [topic, offset] of follower.next) consumer.seek({ topic, partition: 0, offset: String(offset) });
    });
    await follower.lasting.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const followed = topics.find((t) => t.topic === batch.topic);
        const last = batch.messages.at(-1);
        if (!followed || !last || Number(last.offset) < follower.next.get(batch.topic)!) return;
        const next = Number(last.offset) + 1;
        followed.onBatch(batch.messages, next);
        follower.next.set(batch.topic, next);
        if (isCaughtUp()) caughtUp();
      },
    });
    if (isCaughtUp()) caughtUp();
    await read;
    return follower;
  }

  get up(): boolean {
    return this.lasting.up;
  }

  disconnect(): Promise<void> {
    return this.lasting.disconnect();
  }
}
