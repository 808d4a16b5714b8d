/**
 * Erasing a board on Kafka, against a real broker: the board next to it in
 * its partition is untouched, the erased one reads back empty at once (on
 * this instance and on one started after), pictures other boards name stay,
 * and once the log cleaner has run (topics made with quick settings) no
 * byte of the erased board's records, states or own pictures is left in
 * any topic, while every other record keeps its offset.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import { pino } from 'pino';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { toSnapshot } from '../../server/board/snapshot.ts';
import type { FileInfo } from '../../server/files/file-store.ts';
import { appendFork, planFork } from '../../server/history/fork.ts';
import { loadBoard } from '../../server/history/load-board.ts';
import type { BoardLog } from '../../server/log/board-log.ts';
import { KafkaLog } from '../../server/log/kafka/kafka-log.ts';
import { encodePoints } from '../../server/protocol/points.ts';
import { keyOfBoard, partitionFinder } from '../../server/log/kafka/record-format.ts';
import { fileTopics, snapshotTopics } from '../../server/log/kafka/settings.ts';
import { kafkaTestSettings } from '../support/server.ts';

const brokers = inject('kafkaBrokers');
const run = randomBytes(4).toString('hex');
const kafka = new Kafka({ brokers: [brokers], clientId: 'erase-test', logLevel: logLevel.NOTHING });
const created: string[] = [];
const silent = pino({ level: 'silent' });

afterAll(async () => {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: created }).catch(() => undefined);
  await admin.disconnect();
});

function allTopics(topic: string): string[] {
  const s = snapshotTopics({ topic });
  const f = fileTopics({ topic });
  return [topic, s.states, s.index, f.parts, f.index];
}

/** Creates the log's topic and the four beside it, as an older version or an operator would have. */
async function createTopics(topic: string, partitions: number, log: Record<string, string>, side: Record<string, string>): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  const entries = (c: Record<string, string>) => Object.entries(c).map(([name, value]) => ({ name, value }));
  const [first, ...rest] = allTopics(topic);
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic: first!, numPartitions: partitions, replicationFactor: 1, configEntries: entries(log) },
      ...rest.map((t) => ({ topic: t, numPartitions: 1, replicationFactor: 1, configEntries: entries(side) })),
    ],
  });
  created.push(...allTopics(topic));
  await admin.disconnect();
}

async function topicConfig(topic: string): Promise<Map<string, string>> {
  const admin = kafka.admin();
  await admin.connect();
  const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: topic }] });
  await admin.disconnect();
  return new Map(resources[0]!.configEntries.map((e) => [e.configName, e.configValue]));
}

/** Every message of a partition from offset 0, as a client of the topic sees it. */
async function rawPartition(topic: string, partition: number): Promise<KafkaMessage[]> {
  const admin = kafka.admin();
  await admin.connect();
  const high = Number((await admin.fetchTopicOffsets(topic)).find((o) => o.partition === partition)!.high);
  await admin.disconnect();
  if (high === 0) return [];
  const groupId = `erase-raw-${randomBytes(4).toString('hex')}`;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 50 });
  const messages: KafkaMessage[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`reading ${topic}/${partition} took over 20 s`)), 20_000);
    void consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        if (batch.partition !== partition) return;
        messages.push(...batch.messages);
        if (Number(batch.lastOffset()) + 1 >= high) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
    consumer.seek({ topic, partition, offset: '0' });
  });
  await consumer.disconnect();
  const admin2 = kafka.admin();
  await admin2.connect();
  await admin2.deleteGroups([groupId]).catch(() => undefined);
  await admin2.disconnect();
  return messages;
}

/** Two board ids of one partition, and one of another. */
function boardIds(topic: string, partitions: number): { keep: string; gone: string; fork: string } {
  const partitionOf = partitionFinder(topic, partitions);
  const ids = Array.from({ length: 64 }, (_, i) => `b${i}-${run}`);
  const gone = ids[0]!;
  const keep = ids.find((id) => id !== gone && partitionOf(id) === partitionOf(gone))!;
  const fork = ids.find((id) => partitionOf(id) !== partitionOf(gone))!;
  return { keep, gone, fork };
}

function picture(bytes: number, variants?: Record<string, string>): { info: FileInfo; data: Buffer } {
  const data = randomBytes(bytes);
  const hash = createHash('sha256').update(data).digest('hex');
  return { info: { hash, type: 'image/png', bytes, width: 10, height: 10, ...(variants ? { variants } : {}) }, data };
}

const seqs = new Map<string, number>();

/** Strokes, then an image element per file; ids and sequence numbers go on across calls (the fold applies each once). */
async function draw(log: BoardLog, board: string, strokes: number, files: string[] = []): Promise<void> {
  const next = () => {
    const seq = (seqs.get(board) ?? 0) + 1;
    seqs.set(board, seq);
    return seq;
  };
  for (let i = 0; i < strokes; i++) {
    const seq = next();
    const id = `s${seq}`;
    await log.append({ board, user: 'u', cid: 'c', seq, name: 'Ann', op: { k: 'begin', id, color: '#000000', w: 4, p: encodePoints([{ x: seq, y: 1 }, { x: seq, y: 9 }], false) } });
    await log.append({ board, user: 'u', cid: 'c', seq: next(), op: { k: 'end', id } });
  }
  for (const file of files) {
    const seq = next();
    const el = { id: `img${seq}`, type: 'image', m: [1, 0, 0, 1, 10 * seq, 0], color: '#000000', w: 100, h: 100, file };
    await log.append({ board, user: 'u', cid: 'c', seq, op: { k: 'add', v: 1, els: [el] } as never });
  }
}

async function storeState(log: KafkaLog, board: string): Promise<void> {
  const { state } = await loadBoard(log, board);
  await log.snapshots.save(board, state);
}

const has = (values: (Buffer | null)[], bytes: Buffer) => values.some((v) => v !== null && v.includes(bytes));

describe('erasing a board on Kafka', () => {
  it('leaves its neighbour and shared pictures as they were, reads back empty at once, and is gone from every topic once the cleaner ran', { timeout: 180_000 }, async () => {
    const topic = `erase-${run}`;
    const quick = { 'segment.ms': '500', 'max.compaction.lag.ms': '500', 'delete.retention.ms': '500', 'min.cleanable.dirty.ratio': '0.01', 'min.compaction.lag.ms': '0' };
    await createTopics(topic, 2, { 'cleanup.policy': 'compact', 'retention.ms': '-1', 'message.timestamp.type': 'LogAppendTime', ...quick }, { 'cleanup.policy': 'compact', 'retention.ms': '-1', ...quick });
    const settings = kafkaTestSettings(brokers, topic, 'a', 2);
    const { keep, gone, fork } = boardIds(topic, 2);
    const partitionOf = partitionFinder(topic, 2);
    const log = await KafkaLog.open(settings, silent);
    let other: KafkaLog | null = null;
    try {
      // Pictures: one only on the erased board (two parts, with a smaller copy), one uploaded to both, one the fork names.
      const small = picture(2_000);
      const alone = picture(700_000, { '512': small.info.hash });
      const shared = picture(3_000);
      const forked = picture(4_000);
      for (const f of [small, alone, shared, forked]) await log.files.put(gone, f.info, f.data);
      await log.files.put(keep, shared.info, shared.data);

      await draw(log, gone, 10, [forked.info.hash]);
      // A fork of the erased board as it was then names its picture without uploading it.
      await new Promise((r) => setTimeout(r, 50));
      const forkedAt = Date.now();
      await new Promise((r) => setTimeout(r, 50));
      await draw(log, gone, 10, [alone.info.hash, shared.info.hash]);
      await draw(log, keep, 20, [shared.info.hash]);
      await storeState(log, gone);
      await storeState(log, keep);
      await draw(log, gone, 5);
      await draw(log, keep, 5);
      await storeState(log, gone);
      const forkRecords = await planFork(log, gone, forkedAt, fork, { owner: 'o'.repeat(43), key: 'k'.repeat(43) });
      await appendFork(log, forkRecords, silent);
      expect(JSON.stringify(forkRecords)).toContain(forked.info.hash);
      expect(JSON.stringify(forkRecords)).not.toContain(alone.info.hash);

      const keepBefore = toSnapshot((await loadBoard(log, keep)).state);
      const forkBefore = toSnapshot((await loadBoard(log, fork)).state);
      const keepRaw = (await rawPartition(topic, partitionOf(keep))).filter((m) => keyOfBoard(m.key!, keep));
      expect(keepRaw.length).toBe(20 * 2 + 1 + 5 * 2);
      const keepFiles = await log.files.boardFiles(keep);
      const goneStates = (await rawPartition(snapshotTopics({ topic }).states, 0)).filter((m) => m.key!.toString().startsWith(`${gone}@`));
      expect(goneStates.length).toBeGreaterThan(0);

      // Before: all of it is there.
      expect(has((await rawPartition(fileTopics({ topic }).parts, 0)).map((m) => m.value), alone.data.subarray(100_000, 100_132))).toBe(true);
      expect((await rawPartition(topic, partitionOf(gone))).filter((m) => keyOfBoard(m.key!, gone)).length).toBe(10 * 2 + 1 + 10 * 2 + 2 + 5 * 2);

      await log.erase(gone);
      // Twice, as two instances erasing at once would.
      await log.erase(gone);

      // Read back empty at once, through every read path; the neighbour is as it was.
      const pages: unknown[] = [];
      for await (const page of log.read(gone, 0)) pages.push(page);
      expect(pages).toEqual([]);
      expect((await loadBoard(log, gone)).state.pos).toBe(-1);
      expect(await log.snapshots.load(gone)).toBeNull();
      expect(toSnapshot((await loadBoard(log, keep)).state)).toEqual(keepBefore);
      expect(toSnapshot((await loadBoard(log, fork)).state)).toEqual(forkBefore);
      expect(await log.files.boardFiles(keep)).toEqual(keepFiles);
      await expect.poll(async () => [...(await log.files.boardFiles(gone)).keys()]).toEqual([]);
      await expect.poll(() => log.files.get(alone.info.hash)).toBeNull();
      expect(await log.files.get(small.info.hash)).toBeNull();
      expect((await log.files.get(shared.info.hash))?.data.equals(shared.data)).toBe(true);
      expect((await log.files.get(forked.info.hash))?.data.equals(forked.data)).toBe(true);
      // The fork now counts the picture it names, so that erasing it in turn removes the bytes.
      await expect.poll(async () => (await log.files.boardFiles(fork)).has(forked.info.hash)).toBe(true);

      // An instance started afterwards, before any compaction, reads the same.
      other = await KafkaLog.open(kafkaTestSettings(brokers, topic, 'b', 2), silent);
      expect((await loadBoard(other, gone)).state.pos).toBe(-1);
      expect(toSnapshot((await loadBoard(other, keep)).state)).toEqual(keepBefore);
      expect(await other.files.get(alone.info.hash)).toBeNull();
      // New records under the id are a new board's.
      await other.append({ board: gone, user: 'u', cid: 'c2', seq: 1, op: { k: 'clear' } });
      expect((await loadBoard(other, gone)).state.pos).toBeGreaterThan(-1);
      await other.close();
      other = null;

      // The cleaner: segments roll at the first write past segment.ms, so something keeps being written.
      const producer = kafka.producer();
      await producer.connect();
      const secret = alone.data.subarray(100_000, 100_132);
      const smallSecret = small.data.subarray(100, 132);
      const s = snapshotTopics({ topic });
      const f = fileTopics({ topic });
      let state = '';
      const deadline = Date.now() + 120_000;
      for (;;) {
        await new Promise((r) => setTimeout(r, 1_000));
        for (const side of [s.states, s.index, f.parts, f.index]) await producer.send({ topic: side, messages: [{ key: `filler-${run}`, value: 'x', partition: 0 }] });
        for (const partition of [0, 1]) await producer.send({ topic, messages: [{ key: `filler/${run}`, value: 'x', partition }] });
        const logRaw = await rawPartition(topic, partitionOf(gone));
        // Its records of before the erasure: the new board's `clear` above stays, as it should.
        const goneLeft = logRaw.filter((m) => m.value !== null && keyOfBoard(m.key!, gone) && !m.value.includes('"cid":"c2"'));
        const keepNow = logRaw.filter((m) => keyOfBoard(m.key!, keep));
        const statesLeft = (await rawPartition(s.states, 0)).filter((m) => m.value !== null && m.key!.toString().startsWith(`${gone}@`));
        const indexLeft = (await rawPartition(s.index, 0)).filter((m) => m.value !== null && m.key!.toString().startsWith(`${gone}@`) && !m.key!.toString().endsWith('@erased'));
        const parts = (await rawPartition(f.parts, 0)).map((m) => m.value);
        const fileIndexLeft = (await rawPartition(f.index, 0)).filter((m) => m.value !== null && m.key!.toString().startsWith(`b/${gone}/`));
        // Every record of the neighbour is there, at its offset, as it was.
        expect(keepNow.map((m) => [m.offset, m.key!.toString(), m.value!.toString()])).toEqual(keepRaw.map((m) => [m.offset, m.key!.toString(), m.value!.toString()]));
        expect(has(parts, shared.data.subarray(0, 32))).toBe(true);
        state = `records ${goneLeft.length}, states ${statesLeft.length}, index ${indexLeft.length}, uses ${fileIndexLeft.length}, picture ${has(parts, secret)}, copy ${has(parts, smallSecret)}`;
        if (goneLeft.length + statesLeft.length + indexLeft.length + fileIndexLeft.length === 0 && !has(parts, secret) && !has(parts, smallSecret)) break;
        if (Date.now() > deadline) throw new Error(`the cleaner left of the erased board: ${state}`);
      }
      await producer.disconnect();
      expect(state).toBe('records 0, states 0, index 0, uses 0, picture false, copy false');
    } finally {
      await other?.close();
      await log.close();
    }
  });

  it('on a topic of an older version (cleanup.policy=delete, keyed by board) leaves its records, never alters the topic, and erases the rest', { timeout: 60_000 }, async () => {
    const topic = `erase-old-${run}`;
    await createTopics(topic, 1, { 'retention.ms': '-1', 'message.timestamp.type': 'LogAppendTime' }, { 'cleanup.policy': 'compact', 'retention.ms': '-1' });
    // Records as an older version wrote them: the board id as key.
    const producer = kafka.producer();
    await producer.connect();
    const old = (board: string, seq: number) => ({ key: board, value: JSON.stringify({ v: 1, user: 'u', cid: 'c', seq, op: { k: 'clear' } }), partition: 0 });
    await producer.send({ topic, messages: [old('oldgone', 1), old('oldkeep', 1), old('oldgone', 2)] });
    await producer.disconnect();

    const log = await KafkaLog.open(kafkaTestSettings(brokers, topic, 'old', 1), silent);
    try {
      const pos = async (board: string) => (await loadBoard(log, board)).state.pos;
      expect(await pos('oldgone')).toBe(2);
      // New records on the old topic get keys of their own; both kinds are read.
      await log.append({ board: 'oldgone', user: 'u', cid: 'c', seq: 3, op: { k: 'clear' } });
      expect(await pos('oldgone')).toBe(3);
      await storeState(log, 'oldgone');
      const pic = picture(1_000);
      await log.files.put('oldgone', pic.info, pic.data);

      await log.erase('oldgone');
      expect(await pos('oldgone')).toBe(-1);
      expect(await pos('oldkeep')).toBe(1);
      expect(await log.snapshots.load('oldgone')).toBeNull();
      await expect.poll(() => log.files.get(pic.info.hash)).toBeNull();
      // Never compacted: that would keep one record per board.
      const config = await topicConfig(topic);
      expect(config.get('cleanup.policy')).toBe('delete');
      expect((await rawPartition(topic, 0)).length).toBe(4);
      // The compacted topics beside it got the erasure settings they lacked, and kept their own.
      const states = await topicConfig(snapshotTopics({ topic }).states);
      expect([states.get('cleanup.policy'), states.get('max.compaction.lag.ms'), states.get('segment.ms')]).toEqual(['compact', String(7 * 86_400_000), String(86_400_000)]);
    } finally {
      await log.close();
    }
  });
});
