/**
 * Appends to the log's topic through a few producers ("lanes"), each owning
 * the partitions `p % lanes`, each with one produce request in flight.
 *
 * - Order: a board lives in one partition, so in one lane, whose requests go
 *   out one after another; within one request a partition's records get
 *   consecutive offsets in order.
 * - Batching: appends made while a lane's request is in flight go out
 *   together in its next one; and a request waits, from its oldest record,
 *   up to the linger (KAFKA_LINGER_MS, as Kafka's `linger.ms`; kafkajs has
 *   none) for others to go with it. Under load each instance then makes
 *   fewer, fuller requests; records that came during a request have waited
 *   already and go at once.
 * - Several lanes (KAFKA_PRODUCERS): with one, every record waits for the
 *   request before it, whatever its partition; lanes let boards in
 *   different partitions be written at the same time. On a local broker
 *   that gained nothing and cost CPU (BENCHMARKS.md), so one is the
 *   default; with a broker many milliseconds away it may pay.
 * - Idempotent producers, acks from all in-sync replicas: an append resolves
 *   only when Kafka has acknowledged it.
 */
import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import type { LogRecord } from '../../protocol/messages.ts';
import type { Logger } from '../../logger.ts';
import { appended, LogUnavailableError, type NewRecord } from '../board-log.ts';
import { encodeValue, recordKeys } from './record-format.ts';
import { DEFAULT_LINGER_MS, type KafkaCompression } from './settings.ts';

/**
 * kafkajs's CompressionTypes by number (its enums do not import by name
 * everywhere we run). GZIP is the codec kafkajs carries itself: the others
 * need a codec package, native or slow in JavaScript.
 */
const COMPRESSION_CODES: Record<KafkaCompression, number> = { none: 0, gzip: 1 };

const MAX_BATCH = 1_000;
/** Stay under the broker's default 1 MB request limit, whatever the records weigh. */
const MAX_BATCH_BYTES = 900_000;

type Pending = {
  record: NewRecord;
  value: string;
  partition: number;
  at: number | undefined;
  /** When it was queued (performance.now()): the linger counts from the oldest record waiting. */
  queuedAt: number;
  resolve(r: LogRecord): void;
  reject(e: Error): void;
};

type Lane = { producer: Producer; queue: Pending[]; sending: boolean; failed: boolean };

/** Idempotent, one request in flight (keeps order), acks from all in-sync replicas per send. */
function newProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
}

export class Appender {
  /** Produce requests sent and records they carried (batching at work). */
  readonly stats = { produceRequests: 0, records: 0 };
  /** A key of its own for every record (record-format.ts), so that compaction keeps them all. */
  private readonly keyOf = recordKeys();

  private constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
    private readonly lanes: Lane[],
    private readonly logger: Logger,
    /** kafkajs's code of the batch compression produce requests use. */
    private readonly compression: number,
    /** How long a request waits for more records after its oldest was queued (KafkaSettings.lingerMs). */
    private readonly lingerMs: number,
  ) {}

  static async open(kafka: Kafka, topic: string, lanes: number, logger: Logger, options: { compression?: KafkaCompression; lingerMs?: number } = {}): Promise<Appender> {
    const producers = Array.from({ length: lanes }, () => newProducer(kafka));
    await Promise.all(producers.map((p) => p.connect()));
    const laneOf = (producer: Producer): Lane => ({ producer, queue: [], sending: false, failed: false });
    return new Appender(kafka, topic, producers.map(laneOf), logger, COMPRESSION_CODES[options.compression ?? 'gzip'], options.lingerMs ?? DEFAULT_LINGER_MS);
  }

  /**
   * `at`: the record's original time (record-format.ts), kept only when
   * before now, so that it is never after the time the broker stamps.
   */
  append(record: NewRecord, partition: number, at?: number): Promise<LogRecord> {
    const lane = this.lanes[partition % this.lanes.length]!;
    const original = at !== undefined && at < Date.now() ? at : undefined;
    return new Promise((resolve, reject) => {
      lane.queue.push({ record, value: encodeValue(record, original), partition, at: original, queuedAt: performance.now(), resolve, reject });
      if (!lane.sending) setImmediate(() => void this.flush(lane));
    });
  }

  /** Whether a produce failed since the last `recover()` (the lane's appends were refused: LogUnavailableError). */
  get failed(): boolean {
    return this.lanes.some((lane) => lane.failed);
  }

  /** Sends everything queued in a lane, one produce request at a time. */
  private async flush(lane: Lane): Promise<void> {
    if (lane.sending) return;
    lane.sending = true;
    while (lane.queue.length > 0) {
      // Records that came while the last request was out have waited already; a first one waits for company.
      const linger = lane.queue[0]!.queuedAt + this.lingerMs - performance.now();
      if (linger > 0 && lane.queue.length < MAX_BATCH) {
        await new Promise((r) => setTimeout(r, linger));
        // Closed meanwhile: its records were refused already.
        if (lane.queue.length === 0) break;
      }
      let count = 0;
      let bytes = 0;
      while (count < lane.queue.length && count < MAX_BATCH && (count === 0 || bytes + lane.queue[count]!.value.length <= MAX_BATCH_BYTES)) {
        bytes += lane.queue[count++]!.value.length;
      }
      const batch = lane.queue.splice(0, count);
      const sentAt = Date.now();
      this.stats.produceRequests++;
      this.stats.records += batch.length;
      try {
        const metadata = await lane.producer.send({
          topic: this.topic,
          acks: -1,
          compression: this.compression,
          messages: batch.map((p) => ({ key: this.keyOf(p.record.board), value: p.value, partition: p.partition, timestamp: String(sentAt) })),
        });
        // Within one request, a partition's records get consecutive offsets in order.
        const next = new Map<number, { offset: number; ts: number }>();
        for (const m of metadata) {
          const appendTime = Number(m.logAppendTime ?? -1);
          next.set(m.partition, { offset: Number(m.baseOffset), ts: appendTime > 0 ? appendTime : sentAt });
        }
        for (const p of batch) {
          const slot = next.get(p.partition)!;
          p.resolve(appended(p.record, slot.offset++, p.at ?? slot.ts));
        }
      } catch (err) {
        // Nothing queued behind a failed batch may go out before it: a
        // client's later op landing first would make its resend of this one
        // look like a duplicate. So everything in the lane is refused
        // (clients keep the ops and resend them in order), and appends wait
        // for recovery.
        this.logger.warn({ err, records: batch.length, queued: lane.queue.length }, 'produce failed');
        lane.failed = true;
        const failure = new LogUnavailableError(`Kafka did not take the record: ${(err as Error).message}`);
        for (const p of [...batch, ...lane.queue.splice(0)]) p.reject(failure);
      }
    }
    lane.sending = false;
  }

  /**
   * After a failed send the idempotent producer may have written the batch
   * (only the answer was lost) yet rewinds its sequence numbers, so its next
   * batch could be taken for a duplicate and silently dropped. A new
   * producer (a new producer id) starts clean; resent ops are deduplicated
   * by the fold, per client and sequence number.
   */
  async recover(): Promise<void> {
    for (const lane of this.lanes) {
      if (!lane.failed) continue;
      const old = lane.producer;
      const fresh = newProducer(this.kafka);
      await fresh.connect();
      lane.producer = fresh;
      lane.failed = false;
      await old.disconnect().catch((err: unknown) => this.logger.warn({ err }, 'old producer disconnect failed'));
    }
  }

  async close(): Promise<void> {
    for (const lane of this.lanes) {
      for (const p of lane.queue.splice(0)) p.reject(new LogUnavailableError('log is closed'));
    }
    await Promise.all(
      this.lanes.map((lane) => lane.producer.disconnect().catch((err: unknown) => this.logger.warn({ err }, 'producer disconnect failed during close'))),
    );
  }
}
