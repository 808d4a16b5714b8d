/**
 * A Kafka client of ours, connected and idle, leaves the event loop alone.
 * kafkajs 2.2.4 re-armed a 1 ms timer per broker connection for as long
 * as it was open (request-queue-fix.ts): about 1,000 timers a second per
 * connection, 5% of a core for an idle instance.
 */
import { createHook } from 'node:async_hooks';
import { Kafka, logLevel } from 'kafkajs';
import { expect, inject, it } from 'vitest';
import { kafkaClientConfig } from '../../server/log/kafka/client-config.ts';

it('an idle connected client sets (almost) no timers', async () => {
  const settings = { brokers: [inject('kafkaBrokers')], topic: 'idle', clientId: 'idle-test', groupPrefix: 'idle', partitions: 1, replicationFactor: 1, ssl: false };
  const kafka = new Kafka({ ...kafkaClientConfig(settings), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const producer = kafka.producer();
  await admin.connect();
  await producer.connect();
  try {
    // A request on each connection, answered: where kafkajs armed its loop.
    await admin.listTopics();
    await admin.fetchTopicMetadata({ topics: [] });
    let timers = 0;
    const hook = createHook({ init: (_id, type) => { if (type === 'Timeout') timers++; } }).enable();
    await new Promise((r) => setTimeout(r, 1_000));
    hook.disable();
    expect(timers).toBeLessThan(20);
  } finally {
    await producer.disconnect();
    await admin.disconnect();
  }
});
