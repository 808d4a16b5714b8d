/**
 * Records written straight onto a topic, as other instances would append
 * them, for the instances benchmark's `feed` steps (instances.ts): the
 * fan-out of an instance with no clients, at rates the two cores could not
 * drive through clients.
 */
import { randomBytes } from 'node:crypto';
import { Partitioners, type Kafka } from 'kafkajs';
import { encodeValue } from '../../server/log/kafka/record-format.ts';
import { encodePoints } from '../../server/protocol/points.ts';
import type { Step } from './instances-report.ts';
import { sleep } from './standard-load.ts';

/** A running feed: produce requests sent so far; stop waits for the last one. */
export type Feed = { requests(): number; stop(): Promise<void> };

/** Writers of the feed (as two other instances appending), and their most records per produce request (the server's too). */
const FEED_WRITERS = 2;
const FEED_MAX_BATCH = 1_000;
/** The load's drawers send a batch every 16 ms, all of a generator's at once. */
const FRAME_MS = 16;

/**
 * Writes `step.feed` records a second straight onto the topic until
 * stopped, shaped as the servers write them: 2-point batches of strokes, a
 * board per 187.5 records a second, by writers that each send, one request
 * at a time, what fell due since their last request. By default a writer
 * wakes every 16 ms, as the load's drawers send; with `continuous`, it
 * sends again as soon as its last request is answered, as a server does
 * when its people draw out of step (each browser on its own frame clock).
 */
export function feed(kafka: Kafka, topic: string, step: Pick<Step, 'boards' | 'feed' | 'continuous'>): Feed {
  const rate = step.feed! / FEED_WRITERS;
  const producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
  const names = Array.from({ length: step.boards }, (_, b) => `feed-${randomBytes(3).toString('hex')}-${b}`);
  const p = encodePoints([{ x: 100, y: 100 }, { x: 102, y: 101 }], false);
  let stopped = false;
  let started = 0;
  let requests = 0;
  const writer = async (w: number) => {
    const boards = names.filter((_, b) => b % FEED_WRITERS === w);
    let sent = 0;
    while (!stopped) {
      const elapsed = performance.now() - started;
      if (!step.continuous) await sleep(FRAME_MS - (elapsed % FRAME_MS));
      const n = Math.min(Math.floor(((performance.now() - started) / 1_000) * rate) - sent, FEED_MAX_BATCH);
      if (n <= 0) {
        await sleep(1);
        continue;
      }
      const messages = Array.from({ length: n }, (_, i) => {
        const board = boards[(sent + i) % boards.length]!;
        const value = encodeValue({ board, user: `feed-user-${w}`, cid: `feed-cid-${w}`, seq: sent + i + 1, name: 'load', op: { k: 'ext', id: `${board}-stroke`, p } });
        return { key: board, value };
      });
      sent += n;
      requests++;
      await producer.send({ topic, acks: 1, messages });
    }
  };
  const done = (async () => {
    await producer.connect();
    started = performance.now();
    await Promise.all(Array.from({ length: FEED_WRITERS }, (_, w) => writer(w)));
    await producer.disconnect();
  })();
  return { requests: () => requests, stop: async () => ((stopped = true), await done) };
}
