/**
 * How a board record is stored in Kafka (documented in the README so any
 * Kafka client can read a board's history):
 *
 *   key        the board id, UTF-8
 *   value      JSON {"v":1,"user","cid","seq","name"?,"op"}
 *   timestamp  append time in epoch ms (the topic uses LogAppendTime)
 *   partition  murmur2(key) % partitions, as Java clients compute it
 *   position   the record's offset in its partition
 */
import { Partitioners, type PartitionMetadata } from 'kafkajs';
import type { LogRecord } from '../../protocol/messages.ts';
import type { NewRecord } from '../board-log.ts';

export const RECORD_FORMAT_VERSION = 1;

type StoredValue = Omit<LogRecord, 'board' | 'pos' | 'ts'> & { v: number };

export function encodeValue(record: NewRecord): string {
  const { board: _board, ...body } = record;
  return JSON.stringify({ v: RECORD_FORMAT_VERSION, ...body } satisfies StoredValue);
}

/**
 * Decodes a Kafka message into a record, or null if it is not one of ours
 * (or, given `board`, not of that board: checked on the key, before any
 * JSON is parsed, since a board's partition is shared with other boards).
 */
export function decodeMessage(
  message: { key: Buffer | null; value: Buffer | null; offset: string; timestamp: string },
  board?: string,
): LogRecord | null {
  if (!message.key || !message.value) return null;
  if (board !== undefined && (message.key.length !== Buffer.byteLength(board) || message.key.toString('utf8') !== board)) return null;
  try {
    const { v, ...body } = JSON.parse(message.value.toString('utf8')) as StoredValue;
    if (v !== RECORD_FORMAT_VERSION) return null;
    return { board: message.key.toString('utf8'), pos: Number(message.offset), ts: Number(message.timestamp), ...body };
  } catch {
    return null;
  }
}

/** The partition a board's records live on: Java's default partitioner, via kafkajs. */
export function partitionFinder(topic: string, partitions: number): (board: string) => number {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata: PartitionMetadata[] = Array.from({ length: partitions }, (_, partitionId) => ({
    partitionErrorCode: 0,
    partitionId,
    leader: 0,
    replicas: [0],
    isr: [0],
  }));
  return (board) => partitioner({ topic, partitionMetadata, message: { key: board, value: null } });
}
