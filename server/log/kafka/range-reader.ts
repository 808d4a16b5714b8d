/**
 * Reads ranges of partitions (a board's records, a stored state's parts)
 * with one long-lived consumer per process instead of a consumer group per
 * read. kafkajs cannot assign partitions by hand, so the consumer joins one
 * group of its own at open (deleted at close), keeps every partition of its
 * topics paused, and a read seeks one partition, resumes it, takes batches
 * up to the end offset and pauses it again. Against a throwaway group per
 * read: 20 concurrent reads done in a quarter of the time, a 100,000-record
 * range in three quarters, no group joined per read (on hosted brokers each
 * join also waits group.initial.rebalance.delay.ms), and a read survives its
 * group being rebalanced (scripts/bench/kafka-readers.ts, BENCHMARKS.md).
 *
 * - One read per partition at a time (a consumer has one position per
 *   partition); reads of different partitions share fetches. A caller that
 *   stops pulling (a replay streamed to a slow client) gives its turn up
 *   to the next read of the partition after a second, and takes it back,
 *   where it was, when it pulls again.
 * - Backpressure: a partition whose reader has pages it has not taken is
 *   paused until it takes them, so a slow reader holds no history in memory
 *   and never stalls other partitions' reads.
 * - kafkajs drops batches fetched before a seek; batches it had already
 *   handed over are recognised by `isStale()`, by the offset they were
 *   fetched from and by their own offsets.
 * - While the consumer is away (a broker outage, a rejoin), reads wait:
 *   kafkajs refuses seeks and pauses then, and forgets them when it joins
 *   again, so the reader sets everything up again on each join.
 */
import { randomBytes } from 'node:crypto';
import type { Admin, Batch, Consumer, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from '../../logger.ts';
import { LastingConsumer } from './lasting-consumer.ts';

const MAX_PENDING_PAGES = 4;
/** A read that makes no progress for this long has lost its broker. */
const STALL_MS = 30_000;
/**
 * How long a fetch with every partition paused sleeps: the latency of
 * starting a read, against idle wake-ups (10 ms: ~100 a second and 2-3% of
 * a core; 100 ms made a small read slower than a throwaway group).
 */
const IDLE_WAIT_MS = 25;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function splitKey(key: string): [topic: string, partition: number] {
  const slash = key.lastIndexOf('/');
  return [key.slice(0, slash), Number(key.slice(slash + 1))];
}

/** A read whose caller has not pulled for this long gives its partition up to a waiting read. */
const YIELD_AFTER_MS = 1_000;

type Lock = { waiters: (() => void)[] };

type ActiveRead = {
  next: number;
  end: number;
  pages: KafkaMessage[][];
  done: boolean;
  failure: Error | null;
  activeAt: number;
  paused: boolean;
  wake: (() => void) | null;
};

export class RangeReader {
  private readonly active = new Map<string, ActiveRead>();
  /** Partitions a read holds, and the reads waiting for each, in order. */
  private readonly locks = new Map<string, Lock>();
  private closed = false;
  /** Reads started and messages handed over (the tests count what a load reads). */
  readonly stats = { reads: 0, messages: 0 };

  private constructor(
    private readonly lasting: LastingConsumer,
    private readonly admin: Admin,
    private readonly groupId: string,
    /** Every partition of the topics read, named: kafkajs un-pauses the rest of a topic paused whole when one of its partitions is paused by name. */
    private readonly partitions: { topic: string; partitions: number[] }[],
    private readonly logger: Logger,
  ) {}

  static async open(kafka: Kafka, admin: Admin, topics: string[], groupPrefix: string, logger: Logger): Promise<RangeReader> {
    const groupId = `${groupPrefix}-reader-${randomBytes(6).toString('hex')}`;
    const consumer = kafka.consumer({
      groupId,
      maxWaitTimeInMs: IDLE_WAIT_MS,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
      retry: { retries: 5, restartOnFailure: async () => true },
    });
    const partitions = await Promise.all(
      topics.map(async (topic) => ({ topic, partitions: (await admin.fetchTopicOffsets(topic)).map((o) => o.partition) })),
    );
    const lasting = new LastingConsumer(consumer, groupId, logger);
    const reader = new RangeReader(lasting, admin, groupId, partitions, logger);
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: false });
    // After a rebalance or a restart kafkajs has forgotten our pauses and
    // seeks (and would read on from the latest offsets, nothing being
    // committed): pause everything again and put each read under way back
    // where it was. (Registered after LastingConsumer's own listener, so
    // the consumer counts as up here.)
    let joins = 0;
    consumer.on(consumer.events.GROUP_JOIN, () => {
      if (++joins === 1 || reader.closed) return;
      reader.logger.warn({ groupId, reads: reader.active.size }, 'reader rejoined its group; resuming its reads where they were');
      reader.pauseAll();
      for (const [key, read] of reader.active) {
        const [topic, partition] = splitKey(key);
        reader.control((c) => c.seek({ topic, partition, offset: String(read.next) }));
        if (!read.paused) reader.control((c) => c.resume([{ topic, partitions: [partition] }]));
      }
    });
    await lasting.run({
      autoCommit: false,
      // `fetchedOffset` is set by kafkajs's Batch but missing from its types.
      eachBatch: async ({ batch, isStale, heartbeat }) =>
        reader.take(batch, Number((batch as { fetchedOffset?: string }).fetchedOffset ?? -1), isStale, heartbeat),
    });
    // Nothing is read until a read resumes its partition.
    reader.pauseAll();
    return reader;
  }

  private pauseAll(): void {
    this.control((c) => c.pause(this.partitions));
  }

  /**
   * Pauses, resumes and seeks while the consumer is up. While it is away
   * kafkajs would throw (it has no group to apply them to) or forget them
   * at the next join; the join handler above sets everything up again.
   */
  private control(action: (consumer: Consumer) => void): void {
    if (!this.lasting.up) return;
    try {
      action(this.lasting.consumer);
    } catch (err) {
      this.logger.debug({ err, groupId: this.groupId }, 'reader consumer went away; its next join sets it up again');
    }
  }

  /** Whether boards can be read: the consumer holds its partitions (the log reports it unready otherwise). */
  get healthy(): boolean {
    return this.lasting.up;
  }

  private async acquire(key: string): Promise<void> {
    const lock = this.locks.get(key);
    if (!lock) {
      this.locks.set(key, { waiters: [] });
      return;
    }
    await new Promise<void>((resolve) => lock.waiters.push(resolve));
  }

  /** Hands the partition to the next waiting read, if any. */
  private release(key: string): void {
    const lock = this.locks.get(key)!;
    const next = lock.waiters.shift();
    if (next) next();
    else this.locks.delete(key);
  }

  /**
   * The messages of one partition with `from <= offset < end`, oldest first,
   * in pages. `end` is usually the partition's high watermark, read before.
   */
  async *read(topic: string, partition: number, from: number, end: number): AsyncIterable<KafkaMessage[]> {
    if (from >= end) return;
    if (this.closed) throw new Error('the reader is closed');
    const key = `${topic}/${partition}`;
    const read: ActiveRead = { next: from, end, pages: [], done: false, failure: null, activeAt: Date.now(), paused: false, wake: null };
    const resumeHere = () => {
      read.activeAt = Date.now();
      this.active.set(key, read);
      this.control((c) => c.seek({ topic, partition, offset: String(read.next) }));
      read.paused = read.pages.length >= MAX_PENDING_PAGES;
      if (!read.paused) this.control((c) => c.resume([{ topic, partitions: [partition] }]));
    };
    const giveUp = () => {
      this.active.delete(key);
      if (!this.closed) this.control((c) => c.pause([{ topic, partitions: [partition] }]));
      this.release(key);
    };
    await this.acquire(key);
    let holding = true;
    this.stats.reads++;
    try {
      if (this.closed) throw new Error('the reader is closed');
      resumeHere();
      for (;;) {
        const page = read.pages.shift();
        if (page) {
          if (holding && read.paused && read.pages.length < MAX_PENDING_PAGES) {
            read.paused = false;
            this.control((c) => c.resume([{ topic, partitions: [partition] }]));
          }
          this.stats.messages += page.length;
          // Also once everything is fetched (done): the pages left are in
          // memory, and a read whose caller stopped pulling must not keep
          // the partition from the next one (batch compression fetches a
          // read whole in a few large batches).
          const yieldTimer = setTimeout(() => {
            if (!holding || (this.locks.get(key)?.waiters.length ?? 0) === 0) return;
            holding = false;
            giveUp();
          }, YIELD_AFTER_MS);
          try {
            yield page;
          } finally {
            clearTimeout(yieldTimer);
          }
          if (!holding && !read.done) {
            await this.acquire(key);
            holding = true;
            resumeHere();
          }
          read.activeAt = Date.now();
          continue;
        }
        if (read.failure) throw read.failure;
        if (read.done) return;
        if (Date.now() - read.activeAt > STALL_MS) throw new Error(`reading ${key} from ${from} made no progress for ${STALL_MS} ms`);
        await Promise.race([new Promise<void>((resolve) => (read.wake = resolve)), sleep(1_000)]);
      }
    } finally {
      if (holding) giveUp();
    }
  }

  private async take(batch: Batch, fetchedOffset: number, isStale: () => boolean, heartbeat: () => Promise<void>): Promise<void> {
    const { topic, partition, messages } = batch;
    const key = `${topic}/${partition}`;
    const read = this.active.get(key);
    if (!read || read.done || isStale()) return;
    // Only a batch fetched from where the read stands, or one that takes it
    // on from there: one fetched from elsewhere (before a seek took effect,
    // after an eviction) would leave a hole.
    const fromHere = fetchedOffset === read.next;
    if (!fromHere && (messages.length === 0 || Number(messages[0]!.offset) > read.next)) return;
    const page: KafkaMessage[] = [];
    for (const message of messages) {
      const offset = Number(message.offset);
      if (offset < read.next) continue;
      if (offset >= read.end) break;
      page.push(message);
    }
    const lastOffset = Number(batch.lastOffset());
    read.next = Math.max(read.next, messages.length > 0 ? Number(messages.at(-1)!.offset) + 1 : read.next, Math.min(lastOffset + 1, read.end));
    if (read.next >= read.end) {
      read.done = true;
      this.control((c) => c.pause([{ topic, partitions: [partition] }]));
    } else if (read.pages.length + 1 >= MAX_PENDING_PAGES) {
      // Kafka resumes from `next` when the reader catches up (see read()).
      read.paused = true;
      this.control((c) => c.pause([{ topic, partitions: [partition] }]));
    }
    if (page.length > 0) read.pages.push(page);
    read.activeAt = Date.now();
    read.wake?.();
    read.wake = null;
    await heartbeat();
  }

  private fail(read: ActiveRead, error: Error): void {
    read.failure = error;
    read.wake?.();
    read.wake = null;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const read of this.active.values()) this.fail(read, new Error('the reader is closed'));
    await this.lasting.disconnect().catch((err: unknown) => this.logger.warn({ err }, 'reader disconnect failed'));
    await this.admin.deleteGroups([this.groupId]).catch((err: unknown) => this.logger.warn({ err, groupId: this.groupId }, 'reader group not deleted'));
  }
}
