/**
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
import type { LogRecord } from '../../protocol/messages.ts';
import type { Logger } from '../../logger.ts';
import { decodeMessage } from './record-format.ts';

const MAX_PENDING_PAGES = 4;

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
    await consumer.subscribe({ topics: [read.topic], fromBeginning: false });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        if (batch.partition !== read.partition || done) return;
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
        while (pages.length >= MAX_PENDING_PAGES && !stopped) {
          await new Promise<void>((resolve) => (wakeConsumer = resolve));
        }
      },
    });
    consumer.seek({ topic: read.topic, partition: read.partition, offset: String(read.from) });

    for (;;) {
      const page = pages.shift();
      if (page) {
        signalConsumer();
        yield page;
        continue;
      }
      if (failure) throw failure;
      if (done) return;
      await new Promise<void>((resolve) => (wakeReader = resolve));
    }
  } finally {
    stopped = true;
    signalConsumer();
    await consumer.disconnect().catch((err: unknown) => logger.warn({ err, groupId }, 'read consumer disconnect failed'));
    await admin.deleteGroups([groupId]).catch((err: unknown) => logger.warn({ err, groupId }, 'read group not deleted'));
  }
}
