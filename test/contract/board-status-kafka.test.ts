import { randomBytes } from 'node:crypto';
import { Kafka } from 'kafkajs';
import { pino } from 'pino';
import { inject } from 'vitest';
import { KafkaBoardStatus, statusTopicOf } from '../../server/log/kafka/kafka-board-status.ts';
import { kafkaTestSettings } from '../support/server.ts';
import { registerBoardStatusContract } from './board-status-contract.ts';

const brokers = inject('kafkaBrokers');

registerBoardStatusContract('Kafka (compacted topic)', async () => {
  const topic = `status-contract-${randomBytes(6).toString('hex')}`;
  let instances = 0;
  return {
    open: () => KafkaBoardStatus.open(kafkaTestSettings(brokers, topic, `i${instances++}`), pino({ level: 'silent' })),
    dispose: async () => {
      const admin = new Kafka({ brokers: [brokers], clientId: 'status-contract-cleanup' }).admin();
      await admin.connect();
      await admin.deleteTopics({ topics: [statusTopicOf({ topic })] }).catch(() => undefined);
      await admin.disconnect();
    },
  };
});
