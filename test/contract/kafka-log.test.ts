import { randomBytes } from 'node:crypto';
import { Kafka } from 'kafkajs';
import { describe, expect, inject, it } from 'vitest';
import { pino } from 'pino';
import { KafkaLog } from '../../server/log/kafka/kafka-log.ts';
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
  return {
    open: () => KafkaLog.open(settings, pino({ level: 'silent' })),
    dispose: async () => {
      const admin = new Kafka({ brokers: [brokers], clientId: 'contract-cleanup' }).admin();
      await admin.connect();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    },
  };
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
