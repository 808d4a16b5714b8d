import { randomBytes } from 'node:crypto';
import { Kafka, KafkaJSNonRetriableError, logLevel } from 'kafkajs';
import { describe, expect, inject, it } from 'vitest';
import { pino } from 'pino';
import { KafkaLog } from '../../server/log/kafka/kafka-log.ts';
import { Appender } from '../../server/log/kafka/appender.ts';
import { LastingConsumer } from '../../server/log/kafka/lasting-consumer.ts';
import { INDEX_FORMAT_VERSION } from '../../server/log/kafka/kafka-snapshots.ts';
import { fileTopics, snapshotTopics } from '../../server/log/kafka/settings.ts';
import { kafkaTestSettings, openTestKafkaLog } from '../support/server.ts';
import { foldRecords } from '../../server/board/fold.ts';
import { toSnapshot } from '../../server/board/snapshot.ts';
import { loadBoard } from '../../server/history/load-board.ts';
import { replayLines } from '../../server/history/replay.ts';
import type { KafkaSettings } from '../../server/log/kafka/settings.ts';
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
      await admin.deleteTopics({ topics: [topic, topics.states, topics.index, fileTopics(settings).parts, fileTopics(settings).index] }).catch(() => undefined);
      await admin.disconnect();
    },
    storeRawState: async (board, pos, bytes) => {
      const producer = new Kafka({ brokers: [brokers], clientId: 'contract-raw' }).producer();
      await producer.connect();
      const [part] = await producer.send({ topic: topics.states, messages: [{ key: `${board}@${pos}~raw#0`, value: bytes, partition: 0 }] });
      const offset = Number(part!.baseOffset);
      const entry = { v: INDEX_FORMAT_VERSION, board, pos, through: pos, id: 'raw', first: offset, last: offset, parts: 1, bytes: bytes.length };
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
      // One request per producer in use (3 partitions, one producer each), and
      // at most one more each for appends that came in while it was in flight.
      expect(log.stats.produceRequests).toBeLessThanOrEqual(2 * 3);
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

describe('Kafka log linger', () => {
  const open = (lingerMs: number) => {
    const topic = `linger-${randomBytes(6).toString('hex')}`;
    return KafkaLog.open({ ...kafkaTestSettings(brokers, topic, 'linger', 1), lingerMs }, pino({ level: 'silent' }));
  };
  const clear = (seq: number) => ({ board: 'b', user: 'u', cid: 'c', seq, op: { k: 'clear' as const } });

  it('holds a lone append for the linger, and sends what comes meanwhile in the same request', async () => {
    const log = await open(300);
    try {
      const started = performance.now();
      const first = log.append(clear(1));
      await new Promise((r) => setTimeout(r, 20));
      const second = log.append(clear(2));
      await new Promise((r) => setTimeout(r, 20));
      const third = log.append(clear(3));
      const stored = await Promise.all([first, second, third]);
      expect(performance.now() - started).toBeGreaterThanOrEqual(295);
      expect(log.stats.produceRequests).toBe(1);
      expect(stored.map((r) => r.seq)).toEqual([1, 2, 3]);
      expect(stored.map((r) => r.pos)).toEqual([stored[0]!.pos, stored[0]!.pos + 1, stored[0]!.pos + 2]);
    } finally {
      await log.close();
    }
  });

  it('an appender closed while an append lingers refuses it and sends no request', async () => {
    const topic = `linger-close-${randomBytes(6).toString('hex')}`;
    const kafka = new Kafka({ brokers: [brokers], clientId: 'linger-close', logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    const warnings: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) });
    const appender = await Appender.open(kafka, topic, 1, logger, { lingerMs: 300 });
    try {
      const lingering = appender.append(clear(1), 0);
      await new Promise((r) => setTimeout(r, 20));
      await appender.close();
      await expect(lingering).rejects.toThrow(/closed/);
      await new Promise((r) => setTimeout(r, 400));
      expect(appender.stats.produceRequests).toBe(0);
      expect(warnings).toEqual([]);
    } finally {
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  });

  it('with a linger of 0, sends an append as soon as the lane is free', async () => {
    const log = await open(0);
    try {
      for (let seq = 1; seq <= 3; seq++) await log.append(clear(seq));
      expect(log.stats.produceRequests).toBe(3);
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

describe('Kafka log reads across a rejoin', () => {
  it('a read under way when the process stalls past the session timeout resumes where it was: nothing skipped, nothing twice', async () => {
    const log = await openTestKafkaLog(brokers, 'stall', 1);
    try {
      const p = 'A'.repeat(200);
      const stored = await Promise.all(
        Array.from({ length: 30_000 }, (_, i) => log.append({ board: 'stalled', user: 'u', cid: 'c', seq: i + 1, op: { k: 'ext', id: 's', p } })),
      );
      // Records past the read's end, so "the latest offset" is not where the read stands.
      await Promise.all(Array.from({ length: 100 }, (_, i) => log.append({ board: 'after', user: 'u', cid: 'c', seq: i + 1, op: { k: 'clear' } })));
      const read: number[] = [];
      let stalled = false;
      for await (const page of log.read('stalled', 0, stored.at(-1)!.pos + 1)) {
        read.push(...page.map((r) => r.pos));
        if (!stalled) {
          stalled = true;
          // The whole process stops (a long GC, a stopped VM): no heartbeats, the group evicts its members.
          const until = Date.now() + 12_000;
          while (Date.now() < until);
          await Promise.all(Array.from({ length: 100 }, (_, i) => log.append({ board: 'after', user: 'u', cid: 'c', seq: 101 + i, op: { k: 'clear' } })));
        }
      }
      expect(read).toEqual(stored.map((r) => r.pos));
    } finally {
      await log.close();
    }
  }, 90_000);
});

describe('Kafka log housekeeping', () => {
  it('reads, loads, replays and timestamp lookups leave no consumer group behind; close removes the fan-out, index and reader groups', async () => {
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
      // Loads, stored states, replays and timestamp lookups: none joins a group of its own.
      await log.snapshots.save('b', (await loadBoard(log, 'b')).state);
      for (let i = 0; i < 5; i++) {
        expect((await loadBoard(log, 'b')).storedThrough).toBeGreaterThanOrEqual(first.pos);
        let lines = 0;
        for await (const chunk of replayLines(log, 'b', first.ts)) lines += chunk.split('\n').length - 1;
        expect(lines).toBe(4); // state, two records, end
      }
      const groups = await ours();
      expect(groups.filter((g) => g.includes('-fanout-'))).toHaveLength(1);
      expect(groups.filter((g) => g.includes('-reader-'))).toHaveLength(1);
      expect(groups.filter((g) => g.includes('-indexes-'))).toHaveLength(1);
      expect(groups).toHaveLength(3);
      await log.close();
      expect(await ours()).toEqual([]);
    } finally {
      await log.close();
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  });
});

describe('Kafka consumers that come back', () => {
  it('a consumer stopped by an error kafkajs does not retry runs again, from where it was', async () => {
    const topic = `lasting-${randomBytes(6).toString('hex')}`;
    const kafka = new Kafka({ brokers: [brokers], clientId: 'lasting', logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    const producer = kafka.producer();
    await producer.connect();
    const groupId = `${topic}-group`;
    const lasting = new LastingConsumer(kafka.consumer({ groupId, retry: { retries: 1, initialRetryTime: 100 } }), groupId, pino({ level: 'silent' }));
    try {
      await lasting.consumer.connect();
      await lasting.consumer.subscribe({ topics: [topic], fromBeginning: true });
      const seen: string[] = [];
      let crashes = 0;
      const crashed = new Promise<boolean>((resolve) => lasting.consumer.on(lasting.consumer.events.CRASH, ({ payload }) => resolve(payload.restart)));
      await lasting.run({
        autoCommit: false,
        eachMessage: async ({ message }) => {
          // What a broker loading its groups answers ("Failed to find group coordinator") is of this kind.
          if (crashes++ === 0) throw new KafkaJSNonRetriableError('not retried by kafkajs');
          seen.push(message.value!.toString());
        },
      });
      expect(lasting.up).toBe(true);
      await producer.send({ topic, messages: [{ value: 'one' }, { value: 'two' }] });
      expect(await crashed).toBe(false); // kafkajs itself would leave it stopped
      await expect.poll(() => seen, { timeout: 20_000 }).toEqual(['one', 'two']);
      expect(lasting.up).toBe(true);
    } finally {
      await lasting.disconnect();
      await producer.disconnect();
      await admin.deleteGroups([groupId]).catch(() => undefined);
      await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
      await admin.disconnect();
    }
  }, 60_000);
});

describe('Kafka stored states bound every load in offsets of the partition', () => {
  const EVERY = 2_000;
  const silent = pino({ level: 'silent' });

  /** Appends `n` records of other boards, all on the board's partition (one partition). */
  async function foreign(log: KafkaLog, n: number): Promise<void> {
    for (let done = 0; done < n; done += 1_000) {
      await Promise.all(
        Array.from({ length: Math.min(1_000, n - done) }, (_, i) =>
          log.append({ board: `other${(done + i) % 50}`, user: 'u', cid: 'c', seq: done + i + 1, op: { k: 'clear' } }),
        ),
      );
    }
  }

  /** What a cold load (a fresh instance) of `board` reads of the partition, and the board it gets. */
  async function coldLoad(settings: KafkaSettings, board: string) {
    const log = await KafkaLog.open(settings, silent);
    try {
      const loaded = await loadBoard(log, board);
      return { scanned: log.stats.scanned, state: toSnapshot(loaded.state), storedThrough: loaded.storedThrough };
    } finally {
      await log.close();
    }
  }

  it('a quiet board loads from its stored state and reads no more of its partition with 10,000 or 30,000 other records after it', { timeout: 120_000 }, async () => {
    const topic = `bound-${randomBytes(6).toString('hex')}`;
    const settings: KafkaSettings = { ...kafkaTestSettings(brokers, topic, 'bound', 1), snapshotEvery: EVERY };
    const log = await KafkaLog.open(settings, silent);
    const admin = new Kafka({ brokers: [brokers], clientId: 'bound-admin' }).admin();
    await admin.connect();
    try {
      const records = await Promise.all(
        Array.from({ length: 40 }, (_, i) => log.append({ board: 'quiet', user: 'u', cid: 'c', seq: i + 1, op: { k: 'clear' } })),
      );
      await log.snapshots.save('quiet', foldRecords(records));
      const want = toSnapshot(foldRecords(records));
      const results = [];
      for (const more of [10_000, 20_000]) {
        await foreign(log, more);
        const { high } = (await admin.fetchTopicOffsets(topic))[0]!;
        // The instance that watched the partition moves the quiet board's stored state along.
        await expect.poll(async () => (await log.snapshots.load('quiet'))!.through, { timeout: 20_000 }).toBeGreaterThanOrEqual(Number(high) - EVERY);
        await foreign(log, 500); // not yet covered: the load reads them
        const cold = await coldLoad(settings, 'quiet');
        expect(cold.state).toEqual(want);
        results.push(cold.scanned);
      }
      // Records read, not milliseconds: at most `every` offsets past the stored state, however many came after it.
      for (const scanned of results) {
        expect(scanned).toBeGreaterThanOrEqual(500);
        expect(scanned).toBeLessThanOrEqual(EVERY);
      }
    } finally {
      await log.close();
      await admin.deleteTopics({ topics: [topic, `${topic}-states`, `${topic}-index`] }).catch(() => undefined);
      await admin.disconnect();
    }
  });

  it('a board that changed and was never stored again (its instance died) is stored by an instance that watched it, once twice `every` behind', { timeout: 120_000 }, async () => {
    const topic = `orphan-${randomBytes(6).toString('hex')}`;
    const settings: KafkaSettings = { ...kafkaTestSettings(brokers, topic, 'orphan', 1), snapshotEvery: EVERY };
    const log = await KafkaLog.open(settings, silent);
    const admin = new Kafka({ brokers: [brokers], clientId: 'orphan-admin' }).admin();
    await admin.connect();
    try {
      const first = await Promise.all(Array.from({ length: 10 }, (_, i) => log.append({ board: 'orphan', user: 'u', cid: 'c', seq: i + 1, op: { k: 'clear' } })));
      await log.snapshots.save('orphan', foldRecords(first));
      // Drawn on again by an instance that died before storing it.
      const more = await Promise.all(Array.from({ length: 10 }, (_, i) => log.append({ board: 'orphan', user: 'u', cid: 'c', seq: 11 + i, op: { k: 'clear' } })));
      await foreign(log, 3 * EVERY);
      await expect.poll(async () => (await log.snapshots.load('orphan'))?.state.pos, { timeout: 20_000 }).toBe(more.at(-1)!.pos);
      const cold = await coldLoad(settings, 'orphan');
      expect(cold.state).toEqual(toSnapshot(foldRecords([...first, ...more])));
      expect(cold.scanned).toBeLessThanOrEqual(EVERY);
    } finally {
      await log.close();
      await admin.deleteTopics({ topics: [topic, `${topic}-states`, `${topic}-index`] }).catch(() => undefined);
      await admin.disconnect();
    }
  });

  it('a read whose caller stopped pulling lets another read of its partition go ahead, and then goes on where it was', { timeout: 60_000 }, async () => {
    const log = await openTestKafkaLog(brokers, 'turns', 1);
    try {
      // Points that do not compress, so that batch compression leaves the read several fetches long.
      const slow = await Promise.all(
        Array.from({ length: 20_000 }, (_, i) => log.append({ board: 'slow', user: 'u', cid: 'c', seq: i + 1, op: { k: 'ext', id: 's', p: randomBytes(150).toString('base64url') } })),
      );
      const quick = await Promise.all(Array.from({ length: 50 }, (_, i) => log.append({ board: 'quick', user: 'u', cid: 'c', seq: i + 1, op: { k: 'clear' } })));
      const held = log.read('slow', 0)[Symbol.asyncIterator]();
      const read: number[] = [...(await held.next()).value!.map((r: { pos: number }) => r.pos)];
      // The slow read's caller now stops pulling; a load of another board on the partition must not wait for it.
      const started = Date.now();
      const other: number[] = [];
      for await (const page of log.read('quick', 0)) other.push(...page.map((r) => r.pos));
      expect(other).toEqual(quick.map((r) => r.pos));
      expect(Date.now() - started).toBeLessThan(10_000);
      for (let next = await held.next(); !next.done; next = await held.next()) read.push(...next.value.map((r) => r.pos));
      expect(read).toEqual(slow.map((r) => r.pos));
    } finally {
      await log.close();
    }
  });

  it('an instance that starts after the other records catches up on them and then moves quiet boards along too', { timeout: 120_000 }, async () => {
    const topic = `catchup-${randomBytes(6).toString('hex')}`;
    const settings: KafkaSettings = { ...kafkaTestSettings(brokers, topic, 'catchup', 1), snapshotEvery: EVERY };
    const admin = new Kafka({ brokers: [brokers], clientId: 'catchup-admin' }).admin();
    await admin.connect();
    try {
      const first = await KafkaLog.open(settings, silent);
      const records = await Promise.all(
        Array.from({ length: 10 }, (_, i) => first.append({ board: 'quiet', user: 'u', cid: 'c', seq: i + 1, op: { k: 'clear' } })),
      );
      await first.snapshots.save('quiet', foldRecords(records));
      await first.close();
      // Written while no instance watched: nobody could move the stored state along.
      const writer = await KafkaLog.open(settings, silent);
      await foreign(writer, 10_000);
      await writer.close();
      const later = await KafkaLog.open(settings, silent);
      try {
        const { high } = (await admin.fetchTopicOffsets(topic))[0]!;
        await expect.poll(async () => (await later.snapshots.load('quiet'))!.through, { timeout: 20_000 }).toBeGreaterThanOrEqual(Number(high) - EVERY);
      } finally {
        await later.close();
      }
      const cold = await coldLoad(settings, 'quiet');
      expect(cold.state).toEqual(toSnapshot(foldRecords(records)));
      expect(cold.scanned).toBeLessThanOrEqual(EVERY);
    } finally {
      await admin.deleteTopics({ topics: [topic, `${topic}-states`, `${topic}-index`] }).catch(() => undefined);
      await admin.disconnect();
    }
  });
});
