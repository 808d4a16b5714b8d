/**
 * Stored board states on Kafka through the app: a board people drew on and
 * left is stored when its room unloads, stays stored while other boards
 * fill its partition, and a cold load on another instance reads only a
 * short stretch of the partition. Records read are counted, not timed.
 */
import { randomBytes } from 'node:crypto';
import { Kafka } from 'kafkajs';
import { pino } from 'pino';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { listSessions } from '../../server/board/sessions.ts';
import { KafkaLog } from '../../server/log/kafka/kafka-log.ts';
import { snapshotTopics, type KafkaSettings } from '../../server/log/kafka/settings.ts';
import { webClient, converged } from '../support/board-client.ts';
import { kafkaTestSettings, startServer } from '../support/server.ts';

const brokers = inject('kafkaBrokers');
const EVERY = 2_000;
const topic = `stored-${randomBytes(6).toString('hex')}`;
const settings = (instance: string): KafkaSettings => ({ ...kafkaTestSettings(brokers, topic, instance, 1), snapshotEvery: EVERY });

afterAll(async () => {
  const admin = new Kafka({ brokers: [brokers], clientId: 'stored-cleanup' }).admin();
  await admin.connect();
  const t = snapshotTopics({ topic });
  await admin.deleteTopics({ topics: [t.log, t.states, t.index, `${topic}-presence`] }).catch(() => undefined);
  await admin.disconnect();
});

describe('stored board states on Kafka, through the app', () => {
  it('a board drawn on and left is stored; a cold load elsewhere reads a short stretch however full its partition', { timeout: 120_000 }, async () => {
    const a = await startServer(await KafkaLog.open(settings('a'), pino({ level: 'silent' })), { roomIdleMs: 200 });
    const log = a.log as KafkaLog;
    try {
      // Two visits: the room unloads 200 ms after its last client left, and
      // stores the board each time, however little was drawn since.
      let drawn: unknown;
      let last = -1;
      for (const strokes of [5, 1]) {
        const ann = webClient(a.ws, 'drawn', 'ann', 'Ann');
        await ann.live();
        for (let i = 0; i < strokes; i++) ann.stroke();
        await converged([ann]);
        drawn = ann.snapshot();
        last = ann.state.pos;
        ann.close();
        await expect.poll(async () => (await log.snapshots.load('drawn'))?.state.pos, { timeout: 10_000 }).toBe(last);
      }

      // Other boards fill the partition; instance A moves the quiet board's state along.
      for (let done = 0; done < 12_000; done += 1_000) {
        await Promise.all(Array.from({ length: 1_000 }, (_, i) => log.append({ board: `other${i % 20}`, user: 'u', cid: 'c', seq: done + i + 1, op: { k: 'clear' } })));
      }
      await expect.poll(async () => (await log.snapshots.load('drawn'))!.through, { timeout: 20_000 }).toBeGreaterThan(last + 12_000 - EVERY);

      const b = await startServer(await KafkaLog.open(settings('b'), pino({ level: 'silent' })));
      try {
        // The replay page's list of sessions comes with the stored state: Ann drew, in one session.
        const sessions = (await (await fetch(`${b.http}/api/boards/drawn/sessions`)).json()) as { sessions: ReturnType<typeof listSessions> };
        expect(sessions.sessions.map((s) => s.participants.map((p) => p.name))).toEqual([['Ann']]);
        const bob = webClient(b.ws, 'drawn', 'bob', 'Bob');
        await bob.live();
        expect(bob.snapshot()).toEqual(drawn);
        // Both loads together read at most twice the stretch past the stored state.
        expect((b.log as KafkaLog).stats.scanned).toBeLessThanOrEqual(2 * EVERY);
        bob.close();
      } finally {
        await b.close();
      }
    } finally {
      await a.close();
    }
  });
});
