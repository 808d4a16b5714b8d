/** Record keys on Kafka (record-format.ts): unique per record, read back to their board by bytes, old keys too; a board's partition. */
import { Partitioners } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { boardOfKey, keyOfBoard, partitionFinder, recordKeys } from '../../server/log/kafka/record-format.ts';

describe('Kafka record keys', () => {
  it('are the board id, a slash and a suffix unique per record and per process', () => {
    const [a, b] = [recordKeys(), recordKeys()];
    const keys = [...Array.from({ length: 1_000 }, () => a('board-1')), ...Array.from({ length: 1_000 }, () => b('board-1'))];
    expect(new Set(keys).size).toBe(2_000);
    for (const key of keys) expect(key).toMatch(/^board-1\/[0-9a-z]{14,}$/);
  });

  it('name their board up to the first slash; a key without one (topics written before) is the board itself', () => {
    expect(boardOfKey(Buffer.from('b_9/0123456789abcz'))).toBe('b_9');
    expect(boardOfKey(Buffer.from('b_9'))).toBe('b_9');
  });

  it('match only their own board, never one whose id the board id begins', () => {
    const match = (key: string, board: string) => keyOfBoard(Buffer.from(key), board);
    expect(match('ab/x1', 'ab')).toBe(true);
    expect(match('ab', 'ab')).toBe(true);
    expect(match('abc/x1', 'ab')).toBe(false);
    expect(match('abc', 'ab')).toBe(false);
    expect(match('a', 'ab')).toBe(false);
    expect(match('ab/x1', 'abc')).toBe(false);
    expect(match('xb/x1', 'ab')).toBe(false);
  });

  it("put a board on Java's default partition for its id, asked once or again, past what the memo holds", () => {
    const partitions = 12;
    const partitionOf = partitionFinder('boards', partitions);
    const java = Partitioners.DefaultPartitioner();
    const metadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionErrorCode: 0, partitionId, leader: 0, replicas: [0], isr: [0] }));
    const boards = Array.from({ length: 10_000 }, (_, i) => `board-${i}`);
    const expected = boards.map((board) => java({ topic: 'boards', partitionMetadata: metadata, message: { key: board, value: null } }));
    expect(boards.map(partitionOf)).toEqual(expected);
    expect(boards.map(partitionOf)).toEqual(expected);
    expect([...boards].reverse().map(partitionOf)).toEqual([...expected].reverse());
    // Spread over every partition, as murmur2 does.
    expect(new Set(expected).size).toBe(partitions);
  });
});
