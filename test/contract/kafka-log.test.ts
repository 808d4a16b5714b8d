import { randomBytes } from 'node:crypto';
import { Kafka } from 'kafkajs';
import { describe, expect, inject, it } from 'vitest';
import { pino } from 'pino';
import { KafkaLog } from '../../server/log/kafka/kafka-log.ts';
import { INDEX_FORMAT_VERSION } from '../../server/log/kafka/kafka-snapshots.ts';
import { snapshotTopics } from '../../server/log/kafka/settings.ts';
import { openTestKafkaLog } from '../support/server.ts';
import { registerBoardLogContract } from './board-log-contract.ts';

const brokers = inject('kafkaBrokers');

registerBoardLogContract('Kafka', async () => {
  // A topic of its own per test: fresh storage that reopening sees again.
  const topic = `contract-${randomBytes(6).toString('hex')}`;
  const settings = {
    brokers: [brokers],
    clientId: 'contract-test',
    topic,
    partitions: 3,
    replicationFactor: 1,
    groupPrefix: `contract-${topic}`,
    ssl: false,
  };
  const topics = snapshotTopics(settings);
  return {
    open: () => KafkaLog.open(settings, pino({ level: 'silent' })),
    dispose: async () => {
      const admin = new Kafka({ brokers: [brokers], clientId: 'contract-cleanup' }).admin();
      await admin.connect();
      await admin.deleteTopics({ topics: [topic, topics.states, topics.index] }).catch(() => undefined);
      await admin.disconnect();
    },
    storeRawState: async (board, pos, bytes) => {
      const producer = new Kafka({ brokers: [brokers], clientId: 'contract-raw' }).producer();
      await producer.connect();
      const [part] = await producer.send({ topic: topics.states, messages: [{ key: `${board}@${pos}#0`, value: bytes, partition: 0 }] });
      const offset = Number(part!.baseOffset);
      const entry = { v: INDEX_FORMAT_VERSION, board, pos, through: pos, first: offset, last: offset, parts: 1, bytes: bytes.length };
      await producer.send({ topic: topics.index, messages: [{ key: `${board}@${pos}`, value: JSON.stringify(entry), partition: 0 }] });
      await producer.disconnect();
    },
  };
}, { snapshots: true });

describe('Kafka log batching', () => {
  it('sends appends made together in few produce requests, each acknowledged with its own offset', async () => {
    const log = await openTestKafkaLog(brokers, 'batching');
    try {
      // One animation frame's worth from 100 drawing clients on 20 boards.
      const stored = await Promise.all(
        Array.from({ length: 100 }, (_, i) => log.append({ board: `board${i % 20}`, user: 'u', cid: `c${i}`, seq: 1, op: { k: 'clear' } })),
      );
      expect(log.stats.records).toBe(100);
      expect(log.stats.produceRequests).toBeLessThanOrEqual(2);
      const positions = new Set(stored.map((r) => `${r.board}/${r.pos}`));
      expect(positions.size).toBe(100);
      for (let b = 0; b < 20; b++) {
        const read: number[] = [];
        for await (const page of log.read(`board${b}`, 0)) read.push(...page.map((r) => r.pos));
        expect(read).toEqual(stored.filter((r) => r.board === `board${b}`).map((r) => r.pos));
      }
    } finally {
      await log.close();
    }
  });
});

describe('Kafka log reads', () => {
  it('a reader that stops for longer than the session timeout still gets every record, in order', async () => {
    const log = await openTestKafkaLog(brokers, 'slow', 1);
    try {
      const p = 'A'.repeat(200); // 100 points at the origin: heavy records, many fetches
      const stored = await Promise.all(
        Array.from({ length: 30_000 }, (_, i) => log.append({ board: 'slow', user: 'u', cid: 'c', seq: i + 1, op: { k: 'ext', id: 's', p } })),
      );
      const read: number[] = [];
      let paused = false;
      for await (const page of log.read('slow', 0)) {
        read.push(...page.map((r) => r.pos));
        if (!paused) {
          paused = true;
          await new Promise((r) => setTimeout(r, 12_000)); // past the read consumer's 10 s session
        }
      }
      expect(read).toEqual(stored.map((r) => r.pos));
    } finally {
      await log.close();
    }
  }, 60_000);
});

describe('Kafka log housekeeping', () => {
  it('reads and timestamp lookups leave no consumer group behind; close removes the fan-out group', async () => {
    const topic = `housekeeping-${randomBytes(6).toString('hex')}`;
    const groupPrefix = `hk-${topic}`;
    const log = await KafkaLog.open(
      { brokers: [brokers], clientId: 'hk', topic, partitions: 2, replicationFactor: 1, groupPrefix, ssl: false },
      pino({ level: 'silent' }),
    );
    const admin = new Kafka({ brokers: [brokers], clientId: 'hk-admin' }).admin();
    await admin.connect();
    const ours = async () => (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(groupPrefix));
    try {
      const first = await log.append({ board: 'b', user: 'u', cid: 'c', seq: 1, op: { k: 'clear' } });
      await log.append({ board: 'b', user: 'u', cid: 'c', seq: 2, op: { k: 'clear' } });
      for await (const page of log.read('b', 0)) expect(page.length).toBeGreaterThan(0);
      expect(await log.positionAt('b', first.ts)).toBe(first.pos);
      expect((await ours()).filter((g) => g.includes('-read-'))).toEqual([]);
      expect((await ours()).filter((g) => g.includes('-fanout-'))).toHaveLength(1);
      await log.close();
      expect(await ours()).toEqual([]);
    } finally {
      await log.close();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  });
});
