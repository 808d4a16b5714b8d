/**
 * The baseline of scripts/bench/kafka-readers.ts: how the Kafka log read a
 * board before server/log/kafka/range-reader.ts, kept as it was.
 *
 * Reads one board's records from its partition, between two offsets, with a
 * short-lived consumer. kafkajs cannot assign partitions by hand, so the
 * consumer joins a throwaway group of its own, seeks, reads up to the end
 * offset fixed at the start, and the group is deleted afterwards.
 *
 * Backpressure: the consumer's batch handler waits while the reader has
 * pages it has not taken, so a slow reader never makes us hold a board's
 * whole history in memory.
 */
import { randomBytes } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import type { LogRecord } from '../../server/protocol/messages.ts';
import type { Logger } from '../../server/logger.ts';
import { decodeMessage } from '../../server/log/kafka/record-format.ts';

const MAX_PENDING_PAGES = 4;
/** A read that makes no progress for this long has lost its broker or its group. */
const STALL_MS = 30_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export type PartitionRead = {
  topic: string;
  partition: number;
  board: string;
  /** First offset to read. */
  from: number;
  /** Stop before this offset (the high watermark when the read began). */
  end: number;
  groupPrefix: string;
};

export async function* readPartition(kafka: Kafka, admin: Admin, logger: Logger, read: PartitionRead): AsyncIterable<LogRecord[]> {
  if (read.from >= read.end) return;
  const groupId = `${read.groupPrefix}-read-${randomBytes(6).toString('hex')}`;
  const consumer = kafka.consumer({
    groupId,
    maxWaitTimeInMs: 100,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
    retry: { retries: 2, restartOnFailure: async () => false },
  });

  const pages: LogRecord[][] = [];
  let done = false;
  let stopped = false;
  let failure: Error | null = null;
  /** Last time the consumer handed over a batch or the reader took a page. */
  let activeAt = Date.now();
  let wakeReader: (() => void) | null = null;
  let wakeConsumer: (() => void) | null = null;
  const signalReader = () => {
    wakeReader?.();
    wakeReader = null;
  };
  const signalConsumer = () => {
    wakeConsumer?.();
    wakeConsumer = null;
  };

  try {
    await consumer.connect();
    consumer.on(consumer.events.CRASH, (event) => {
      failure = event.payload.error;
      signalReader();
    });
    // Joining again means the group forgot our position (nothing is
    // committed): the read would go on from the wrong offset, so it fails.
    let joins = 0;
    consumer.on(consumer.events.GROUP_JOIN, () => {
      if (++joins > 1) {
        failure = new Error(`replay read lost its consumer group ${groupId}`);
        signalReader();
      }
    });
    await consumer.subscribe({ topics: [read.topic], fromBeginning: false });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch, heartbeat }) => {
        if (batch.partition !== read.partition || done) return;
        activeAt = Date.now();
        const page: LogRecord[] = [];
        for (const message of batch.messages) {
          const offset = Number(message.offset);
          if (offset < read.from) continue;
          if (offset >= read.end) {
            done = true;
            break;
          }
          const record = decodeMessage(message, read.board);
          if (record) page.push(record);
          if (offset === read.end - 1) done = true;
        }
        if (page.length > 0) pages.push(page);
        signalReader();
        // Waiting for a slow reader: keep the group membership alive meanwhile.
        while (pages.length >= MAX_PENDING_PAGES && !stopped) {
          await Promise.race([new Promise<void>((resolve) => (wakeConsumer = resolve)), sleep(1_000)]);
          await heartbeat();
        }
      },
    });
    consumer.seek({ topic: read.topic, partition: read.partition, offset: String(read.from) });

    for (;;) {
      const page = pages.shift();
      if (page) {
        signalConsumer();
        yield page;
        activeAt = Date.now();
        continue;
      }
      if (failure) throw failure;
      if (done) return;
      if (Date.now() - activeAt > STALL_MS) throw new Error(`replay read of ${read.board} made no progress for ${STALL_MS} ms`);
      await Promise.race([new Promise<void>((resolve) => (wakeReader = resolve)), sleep(1_000)]);
    }
  } finally {
    stopped = true;
    signalConsumer();
    await consumer.disconnect().catch((err: unknown) => logger.warn({ err, groupId }, 'read consumer disconnect failed'));
    await admin.deleteGroups([groupId]).catch((err: unknown) => logger.warn({ err, groupId }, 'read group not deleted'));
  }
}
