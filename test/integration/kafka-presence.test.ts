/**
 * People on different instances of one Kafka cluster see each other in the
 * people list and see each other's cursors; an instance that goes away takes
 * its people with it: at once when it shuts down, within seconds when killed.
 * This is broadcast placement (KAFKA_PLACEMENT=broadcast); with partition
 * ownership a board's people are all on its owner (kafka-ownership.test.ts).
 */
import { randomBytes } from 'node:crypto';
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { CURSOR_INTERVAL_MS } from '../../server/presence/shared-presence.ts';
import { editKeyHash } from '../../server/rooms/roles.ts';
import { waitUntil, webClient, type TestClient } from '../support/board-client.ts';
import { freePort, ServerProcess, startKafkaInstance, tempDir, type RunningServer } from '../support/server.ts';

const brokers = inject('kafkaBrokers');
const topic = `presence-${randomBytes(6).toString('hex')}`;
const presenceTopic = `${topic}-presence`;
const key = randomBytes(18).toString('base64url');
const cleanup: (() => Promise<void> | void)[] = [];

afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
});

/** An app instance on the shared topic with its presence bus, as server/main.ts builds it. */
async function instance(name: string): Promise<RunningServer> {
  const server = await startKafkaInstance(brokers, topic, name);
  cleanup.push(() => server.close());
  return server;
}

type Seen = { client: TestClient; cursors: Map<string, { x: number | null; y: number | null }[]> };

/** A person on the board 'shared' (drawing, with its edit key, unless `watching`), recording the cursors they see. */
function join(server: { ws: string }, name: string, watching = false): Seen {
  const client = webClient(server.ws, 'shared', name, name, watching ? undefined : key);
  cleanup.push(() => client.close());
  const cursors = new Map<string, { x: number | null; y: number | null }[]>();
  client.on('cursor', (cid, x, y) => cursors.set(cid, [...(cursors.get(cid) ?? []), { x, y }]));
  return { client, cursors };
}

const names = (c: TestClient) => c.people.map((p) => `${p.name}:${p.role}`).sort();

describe('presence across instances on one Kafka cluster', () => {
  let a: RunningServer;
  let ann: Seen;

  it('a client on instance A lists the people on instance B and sees their cursors move, coalesced; viewers\' cursors stay hidden', async () => {
    let b: RunningServer;
    [a, b] = await Promise.all([instance('a'), instance('b')]);
    ann = join(a, 'ann');
    await ann.client.live();
    ann.client.send({ k: 'claim' }); // a view-only link now watches
    await expect.poll(() => ann.client.state.editKey).toBe(editKeyHash(key));
    const bob = join(b, 'bob');
    const vic = join(b, 'vic', true);
    await Promise.all([bob.client.live(), vic.client.live()]);

    await expect.poll(() => names(ann.client)).toEqual(['ann:editor', 'bob:editor', 'vic:viewer']);
    await expect.poll(() => names(bob.client)).toEqual(['ann:editor', 'bob:editor', 'vic:viewer']);

    for (let i = 0; i < 5; i++) vic.client.cursor(500, 500);
    // Bob's pen at 200 Hz for 300 ms (longer on a busy machine): a frame per CURSOR_INTERVAL_MS at most
    // reaches A, the last where he stopped.
    const started = Date.now();
    for (let i = 1; i <= 60; i++) {
      bob.client.cursor(10 + i, 20 + 2 * i);
      await new Promise((r) => setTimeout(r, 5));
    }
    const moving = Date.now() - started;
    await expect.poll(() => ann.cursors.get(bob.client.cid)?.at(-1)).toEqual({ x: 70, y: 140 });
    expect(ann.cursors.get(bob.client.cid)!.length).toBeLessThanOrEqual(Math.ceil(moving / CURSOR_INTERVAL_MS) + 2);
    expect(ann.cursors.has(vic.client.cid)).toBe(false);
    // And the other way.
    ann.client.cursor(-5, 7);
    await expect.poll(() => bob.cursors.get(ann.client.cid)?.at(-1)).toEqual({ x: -5, y: 7 });

    // Presence is volatile: the boards' topic holds the claim and nothing else.
    const admin = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets(topic);
      expect(offsets.reduce((sum, o) => sum + Number(o.high), 0)).toBe(1);
      const [config] = (await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: presenceTopic }], includeSynonyms: false })).resources;
      const entries = Object.fromEntries(config!.configEntries.map((e) => [e.configName, e.configValue]));
      expect(entries).toMatchObject({ 'cleanup.policy': 'delete', 'retention.ms': '60000' });
    } finally {
      await admin.disconnect();
    }
  });

  it('frames on the presence topic that are not valid ones are dropped, and nobody notices', async () => {
    const producer = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    const forged = (extra: object) => JSON.stringify({ v: 1, from: 'mallory', t: 'people', board: 'shared', people: [{ cid: 'm', user: 'm', name: 'Mallory', role: 'editor', ...extra }] });
    await producer.send({
      topic: presenceTopic,
      messages: ['not json', '{}', `${'['.repeat(10_000)}${']'.repeat(10_000)}`, forged({ role: 'admin' }), forged({ name: 'x'.repeat(100) }), 'null'].map((value) => ({ key: 'shared', value })),
    });
    await producer.send({ topic: presenceTopic, messages: [{ key: 'shared', value: null }] });
    await producer.disconnect();
    await new Promise((r) => setTimeout(r, 1_500)); // a heartbeat later
    expect(names(ann.client)).toEqual(['ann:editor', 'bob:editor', 'vic:viewer']);
    expect(ann.client.status).toBe('live');
  });

  it('an instance that shuts down takes its people off the others\' lists at once', async () => {
    const c = await instance('c');
    const cat = join(c, 'cat');
    await cat.client.live();
    await expect.poll(() => names(ann.client)).toContain('cat:editor');
    const started = Date.now();
    const closed = c.close(); // cat is still connected when it goes
    await waitUntil(() => !names(ann.client).includes('cat:editor'), 'cat left ann\'s list');
    expect(Date.now() - started).toBeLessThan(1_500); // not the expiry: the goodbye
    await closed;
  });

  it('an instance killed with -9 has its people removed from the others\' lists within seconds, and their cursors hidden', async () => {
    const dir = await tempDir();
    cleanup.push(() => dir.remove());
    // Presence over the presence topic: instances in broadcast, as those started in this process.
    const env = { KAFKA_BROKERS: brokers, KAFKA_TOPIC: topic, KAFKA_PARTITIONS: '3', KAFKA_REPLICATION_FACTOR: '1', KAFKA_GROUP_PREFIX: `test-${topic}-d`, KAFKA_PLACEMENT: 'broadcast' };
    const d = new ServerProcess(await freePort(), dir.path, env);
    cleanup.push(async () => void (await d.stop('SIGKILL')));
    await d.start();
    const dan = join(d, 'dan');
    await dan.client.live();
    await expect.poll(() => names(ann.client)).toContain('dan:editor');
    dan.client.cursor(300, 200);
    await expect.poll(() => ann.cursors.get(dan.client.cid)?.at(-1)).toEqual({ x: 300, y: 200 });

    expect(await d.stop('SIGKILL')).toBe('SIGKILL');
    const killed = Date.now();
    await waitUntil(() => !names(ann.client).includes('dan:editor'), 'dan left ann\'s list');
    const gone = Date.now() - killed;
    expect(gone).toBeGreaterThan(1_500); // no goodbye from a killed process: the heartbeats stopped
    expect(gone).toBeLessThan(6_000);
    expect(ann.cursors.get(dan.client.cid)!.at(-1)).toEqual({ x: null, y: null });
    expect(names(ann.client)).toEqual(['ann:editor', 'bob:editor', 'vic:viewer']);
  });
});
