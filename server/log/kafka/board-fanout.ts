/**
 * The consumer of the boards' topic, in one of two placements:
 *
 * - ownership (default): one consumer group shared by every instance on the
 *   topic (`<topic>-owners`), whose assigner spreads partitions by
 *   rendezvous hashing of instance URLs (ownership/). An instance reads
 *   only the partitions it owns, and serves only their boards.
 * - broadcast: a group of this instance's own, reading every partition;
 *   every instance can serve every board.
 *
 * Either way, records reach the rooms through OrderedDelivery: this
 * instance's own appends on their produce acknowledgement, everything
 * else as consumed, each once and in offset order. Nothing is committed:
 * a partition this instance gains is read from its end at that moment
 * (its boards are not loaded here yet: a load reads the log up to its own
 * end, and takes the rest from here), and one it keeps through a rebalance
 * or a consumer restart is read on from where this instance was.
 */
import { randomBytes } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import type { Logger } from '../../logger.ts';
import type { LogRecord } from '../../protocol/messages.ts';
import { LastingConsumer } from './lasting-consumer.ts';
import { OrderedDelivery, type Via } from './ownership/ordered-delivery.ts';
import { ownerAssigner } from './ownership/owner-assigner.ts';
import type { PartitionOwners } from './ownership/partition-owners.ts';
import { decodeMessage } from './record-format.ts';
import type { KafkaSettings } from './settings.ts';
import { lastingConsumerConfig } from './client-config.ts';

/**
 * An owner's fetch waits for this much (or the fetch wait) before it
 * returns: its own appends reach the rooms on their acknowledgement, so
 * what the consumer brings is mostly those records coming back, and a
 * fetch per produce request would cost more than it carries. Records
 * written elsewhere wait at most the fetch wait.
 */
const OWNER_FETCH_MIN_BYTES = 64 * 1024;

/** The group every instance on the topic joins to share out its partitions. */
export function ownershipGroup(topic: string): string {
  return `${topic}-owners`;
}

export type FanoutHooks = {
  /** A record, handed over once and in order per partition. */
  deliver(record: LogRecord, via: Via): void;
  /** This instance follows `partitions` from now on, each from the given offset. */
  gained(from: ReadonlyMap<number, number>): void;
};

export class BoardFanout {
  readonly delivery: OrderedDelivery;
  private generation = 0;
  private settling: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly lasting: LastingConsumer,
    readonly groupId: string,
    private readonly topic: string,
    private readonly admin: Admin,
    /** Null in broadcast. */
    readonly owners: PartitionOwners | null,
    private readonly hooks: FanoutHooks,
    private readonly logger: Logger,
  ) {
    this.delivery = new OrderedDelivery((record, _partition, via) => hooks.deliver(record, via));
  }

  static async open(kafka: Kafka, admin: Admin, settings: KafkaSettings, owners: PartitionOwners | null, hooks: FanoutHooks, logger: Logger): Promise<BoardFanout> {
    const groupId = owners ? ownershipGroup(settings.topic) : `${settings.groupPrefix}-fanout-${randomBytes(6).toString('hex')}`;
    const consumer = kafka.consumer({
      ...lastingConsumerConfig(settings, groupId),
      ...(owners ? { partitionAssigners: [ownerAssigner(owners.publicUrl)], minBytes: OWNER_FETCH_MIN_BYTES } : {}),
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [settings.topic], fromBeginning: false });
    const fanout = new BoardFanout(new LastingConsumer(consumer, groupId, logger), groupId, settings.topic, admin, owners, hooks, logger);
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => fanout.joined(payload.memberAssignment[settings.topic] ?? []));
    consumer.on(consumer.events.REBALANCING, () => owners?.rebalancing());
    await fanout.lasting.run({
      autoCommit: false,
      // A batch at a time: kafkajs awaits each eachMessage call and checks
      // heartbeats between them, which is per-record overhead we do not need.
      eachBatch: async ({ batch }) => {
        const last = batch.messages.at(-1);
        if (!last) return;
        // Records before `next` went out already (this instance's own, on
        // their acknowledgement: most of what an owner reads back): not decoded.
        const next = fanout.delivery.next(batch.partition) ?? Infinity;
        const records: LogRecord[] = [];
        for (const message of batch.messages) {
          if (Number(message.offset) < next) continue;
          const record = decodeMessage(message);
          if (record) records.push(record);
        }
        fanout.delivery.consumed(batch.partition, records, Number(last.offset));
      },
    });
    // run() resolved after the first join; its partitions are followed once their ends are known.
    await fanout.settling;
    return fanout;
  }

  /** A record this instance appended, acknowledged by Kafka. */
  acked(partition: number, record: LogRecord): void {
    this.delivery.acked(partition, record);
  }

  /** The last offset of the partition handed over (-1: none, or not followed here). */
  covered(partition: number): number {
    return (this.delivery.next(partition) ?? 0) - 1;
  }

  /** Whether the consumer is in its group and fetching, or left it on purpose (a shutdown handing partitions over: appends still go on). */
  get up(): boolean {
    return this.lasting.up || this.closed;
  }

  /**
   * The group gave this instance `assigned` (a first join, a rebalance, a
   * restart of the consumer). Partitions it no longer has are dropped;
   * those it keeps are read on from where it was (the seek is set before
   * kafkajs's first fetch, which would otherwise start at the topic's end);
   * the others start at their end, once it is known.
   */
  private joined(assigned: number[]): void {
    const generation = ++this.generation;
    const now = new Set(assigned);
    for (const partition of this.delivery.followed()) if (!now.has(partition)) this.delivery.stop(partition);
    const gained: number[] = [];
    for (const partition of assigned) {
      const next = this.delivery.next(partition);
      if (next === undefined) gained.push(partition);
      else this.lasting.consumer.seek({ topic: this.topic, partition, offset: String(next) });
    }
    this.settling = this.follow(generation, gained, assigned).catch((err: unknown) => this.logger.error({ err }, 'following newly assigned partitions failed'));
  }

  private async follow(generation: number, gained: number[], assigned: number[]): Promise<void> {
    if (gained.length > 0) {
      const ends = await this.endsOf(generation);
      if (!ends || generation !== this.generation) return;
      const from = new Map<number, number>();
      for (const partition of gained) {
        const end = ends.get(partition) ?? 0;
        from.set(partition, end);
        this.delivery.start(partition, end);
        // Set with the start: a batch fetched before it is dropped by kafkajs (a seek is pending) or here (not followed yet).
        this.lasting.consumer.seek({ topic: this.topic, partition, offset: String(end) });
      }
      this.hooks.gained(from);
    }
    await this.owners?.joined(assigned);
  }

  /** The topic's ends, asked until answered or a newer join made them moot. */
  private async endsOf(generation: number): Promise<Map<number, number> | null> {
    for (;;) {
      try {
        const offsets = await this.admin.fetchTopicOffsets(this.topic);
        return new Map(offsets.map((o) => [o.partition, Number(o.high)]));
      } catch (err) {
        if (this.closed || generation !== this.generation) return null;
        this.logger.warn({ err }, 'reading the ends of newly assigned partitions failed; trying again');
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  /** Leaves the group: in ownership, the others take this instance's partitions over at once. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.generation++;
    this.owners?.left();
    await this.lasting.disconnect();
  }
}
