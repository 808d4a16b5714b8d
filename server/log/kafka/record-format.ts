/**
 * How a board record is stored in Kafka (documented in the README so any
 * Kafka client can read a board's history):
 *
 *   key        `<board>/<suffix>`, UTF-8, unique per record (recordKeys):
 *              the topic is compacted, and compaction keeps every record
 *              whose key is unique, until erasure (kafka-erase.ts) writes a
 *              tombstone for it. Topics written before hold the board id
 *              alone as key; both are read.
 *   value      JSON {"v":1,"user","cid","seq","name"?,"at"?,"op"}; null: a
 *              tombstone (an erased record), skipped. `at`: the record's
 *              original time in epoch ms, for a record brought in from
 *              elsewhere (import, migrate: BoardLog.append's `at`); it is
 *              the record's timestamp then, never after its append time
 *   timestamp  append time in epoch ms (the topic uses LogAppendTime): the
 *              record's timestamp unless the value has `at`
 *   partition  murmur2(board id) % partitions, as Java clients compute it
 *              (set explicitly: the key is not the board id)
 *   position   the record's offset in its partition
 */
import { randomBytes } from 'node:crypto';
import { Partitioners, type PartitionMetadata } from 'kafkajs';
import type { LogRecord } from '../../protocol/messages.ts';
import type { NewRecord } from '../board-log.ts';

export const RECORD_FORMAT_VERSION = 1;

type StoredValue = Omit<LogRecord, 'board' | 'pos' | 'ts'> & { v: number; at?: number };

/** The value of a record; `at`, its original time (see above), when it has one. */
export function encodeValue(record: NewRecord, at?: number): string {
  const { board: _board, ...body } = record;
  return JSON.stringify({ v: RECORD_FORMAT_VERSION, ...body, ...(at === undefined ? {} : { at }) } satisfies StoredValue);
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
  if (board !== undefined && !keyOfBoard(message.key, board)) return null;
  try {
    const { v, at, ...body } = JSON.parse(message.value.toString('utf8')) as StoredValue;
    if (v !== RECORD_FORMAT_VERSION) return null;
    return { board: boardOfKey(message.key), pos: Number(message.offset), ts: at ?? Number(message.timestamp), ...body };
  } catch {
    return null;
  }
}

const SLASH = 0x2f;

/**
 * Keys of new records: `<board>/<instance><counter>`, the instance 13
 * base36 characters drawn once per process (64 random bits: two processes
 * sharing one is out of reach), the counter in base36. Unique per record,
 * so compaction keeps every record; short, and alike within a batch.
 */
export function recordKeys(): (board: string) => string {
  const instance = randomBytes(8).readBigUInt64BE().toString(36).padStart(13, '0');
  let counter = 0;
  return (board) => `${board}/${instance}${(counter++).toString(36)}`;
}

/** The board a record's key names: up to its first '/', or the whole key (topics written before). */
export function boardOfKey(key: Buffer): string {
  const slash = key.indexOf(SLASH);
  return key.toString('utf8', 0, slash < 0 ? key.length : slash);
}

let matched = { board: '', bytes: Buffer.alloc(0) };

/**
 * Whether a key is one of the board's: the board id, then '/' or nothing.
 * Compared as bytes, without decoding the key (a read of a board tests
 * every key of its partition).
 */
export function keyOfBoard(key: Buffer, board: string): boolean {
  if (matched.board !== board) matched = { board, bytes: Buffer.from(board, 'utf8') };
  const { bytes } = matched;
  if (key.length < bytes.length || (key.length > bytes.length && key[bytes.length] !== SLASH)) return false;
  return key.compare(bytes, 0, bytes.length, 0, bytes.length) === 0;
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
  // Every append asks (murmur2 over the id each time was 1% of an owner's
  // main thread); the boards in use are few, but ids come from clients, so
  // the memo is bounded.
  const known = new Map<string, number>();
  return (board) => {
    let partition = known.get(board);
    if (partition === undefined) {
      partition = partitioner({ topic, partitionMetadata, message: { key: board, value: null } });
      if (known.size >= MEMO_BOARDS) known.clear();
      known.set(board, partition);
    }
    return partition;
  };
}

/** Boards whose partition partitionFinder remembers. */
const MEMO_BOARDS = 4_096;
