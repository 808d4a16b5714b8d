/**
 * Following, presenting and the laser across two instances on one Kafka
 * cluster, with the web app's own client: a follower on instance B gets the
 * views of the page it follows on A (its last one at once), and nothing once
 * it stops; while A's owner presents, every page on B gets its views without
 * following, and a page joining B then starts at the presenter's view; laser
 * points cross in order; a viewer's go nowhere. The boards' log holds none
 * of it.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { ViewRect } from '../../server/protocol/messages.ts';
import { readAll } from '../contract/board-log-contract.ts';
import { webClient, type TestClient } from '../support/board-client.ts';
import { startKafkaInstance, type RunningServer } from '../support/server.ts';

const brokers = inject('kafkaBrokers');
const topic = `follow-${randomBytes(6).toString('hex')}`;
const board = 'talk';
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

type Heard = { views: ({ cid: string } & ViewRect)[]; lasers: { cid: string; x: number | null; y: number | null }[] };
type Person = { client: TestClient; heard: Heard };

/** A page on the board, noting the views and laser points it is sent. */
async function join(server: RunningServer, name: string, keys: { edit?: string; owner?: string } = {}): Promise<Person> {
  const client = webClient(server.ws, board, name, name, keys.edit, keys.owner);
  cleanup.push(() => client.close());
  const heard: Heard = { views: [], lasers: [] };
  client.on('view', (cid, rect) => heard.views.push({ cid, ...rect }));
  client.on('laser', (cid, x, y) => heard.lasers.push({ cid, x, y }));
  await client.live();
  return { client, heard };
}

const view = (n: number): ViewRect => ({ x: 100 * n, y: -50 * n, w: 800 + n, h: 600 + n });
const roles = (c: TestClient) => c.people.map((p) => `${p.name}:${p.role}${p.follows ? ` follows ${c.people.find((q) => q.cid === p.follows)?.name}` : ''}${p.presenting ? ' presenting' : ''}`).sort();

describe('following, presenting and the laser across instances on Kafka', () => {
  it('views reach followers and, while presenting, everyone on the other instance; laser points cross, a viewer’s never', { timeout: 90_000 }, async () => {
    const [a, b] = await Promise.all([instance('a'), instance('b')]);
    const ownerKey = randomBytes(18).toString('base64url');
    const olga = await join(a, 'olga', { owner: ownerKey });
    olga.client.send({ k: 'own' });
    await expect.poll(() => olga.client.role).toBe('owner');
    const edit = olga.client.edit!;
    const cat = await join(a, 'cat', { edit });
    const bob = await join(b, 'bob', { edit });
    const vic = await join(b, 'vic');
    const everyone = [olga, cat, bob, vic];
    for (const p of everyone) await expect.poll(() => roles(p.client)).toEqual(['bob:editor', 'cat:editor', 'olga:owner', 'vic:viewer']);
    const olgaCid = olga.client.cid;

    // Bob, on B, follows Olga, on A: each of her views reaches him, in order; nobody else gets them.
    bob.client.signal({ t: 'follow', cid: olgaCid });
    await expect.poll(() => roles(olga.client)).toContain('bob:editor follows olga');
    olga.client.signal({ t: 'view', ...view(1) });
    olga.client.signal({ t: 'view', ...view(2) });
    await expect.poll(() => bob.heard.views).toEqual([view(1), view(2)].map((v) => ({ cid: olgaCid, ...v })));
    // Vic starts following her later: her last view comes at once.
    vic.client.signal({ t: 'follow', cid: olgaCid });
    await expect.poll(() => vic.heard.views).toEqual([{ cid: olgaCid, ...view(2) }]);
    vic.client.signal({ t: 'follow', cid: null });

    // Bob stops following: her next view is not his.
    bob.client.signal({ t: 'follow', cid: null });
    await expect.poll(() => roles(olga.client)).toEqual(['bob:editor', 'cat:editor', 'olga:owner', 'vic:viewer']);
    olga.client.signal({ t: 'view', ...view(3) });
    // (Her presenting, next, must not overtake that view on its way to B: it would go to everyone there.)
    await new Promise((r) => setTimeout(r, 300));

    // Olga presents: her views reach every page, on both instances, without following.
    olga.client.signal({ t: 'present', on: true });
    for (const p of everyone) await expect.poll(() => roles(p.client)).toContain('olga:owner presenting');
    olga.client.signal({ t: 'view', ...view(4) });
    for (const p of [cat, bob, vic]) await expect.poll(() => p.heard.views.at(-1)).toEqual({ cid: olgaCid, ...view(4) });
    expect(bob.heard.views.map((v) => v.x)).toEqual([100, 200, 400]);
    expect(vic.heard.views.map((v) => v.x)).toEqual([200, 400]);
    // On her own instance, presenting sent her last view at once.
    expect(cat.heard.views.map((v) => v.x)).toEqual([300, 400]);
    expect(olga.heard.views).toEqual([]);

    // Someone joining B during the presentation starts at the presenter's view.
    const dan = await join(b, 'dan', { edit });
    await expect.poll(() => dan.heard.views).toEqual([{ cid: olgaCid, ...view(4) }]);
    // A viewer may not present.
    vic.client.signal({ t: 'present', on: true });
    await expect.poll(() => vic.client.refusals.at(-1)).toMatch(/only the owner/);

    // Laser points from A reach B in order, and the other page on A; not their sender.
    olga.client.signal({ t: 'laser', x: 10, y: 20 });
    olga.client.signal({ t: 'laser', x: 15, y: 25.5 });
    olga.client.signal({ t: 'laser', x: null, y: null });
    const trail = [
      { cid: olgaCid, x: 10, y: 20 },
      { cid: olgaCid, x: 15, y: 25.5 },
      { cid: olgaCid, x: null, y: null },
    ];
    for (const p of [cat, bob, vic, dan]) await expect.poll(() => p.heard.lasers).toEqual(trail);
    expect(olga.heard.lasers).toEqual([]);

    // Vic's laser, sent by hand, reaches nobody: Dan's point, sent after it on the same instance, arrives alone.
    for (let i = 0; i < 5; i++) vic.client.signal({ t: 'laser', x: i, y: i });
    vic.client.signal({ t: 'laser', x: null, y: null });
    dan.client.signal({ t: 'laser', x: 1, y: 2 });
    for (const p of [olga, cat, bob, vic]) await expect.poll(() => p.heard.lasers.at(-1)).toEqual({ cid: dan.client.cid, x: 1, y: 2 });
    for (const p of [olga, cat, bob, dan]) expect(p.heard.lasers.filter((l) => l.cid === vic.client.cid)).toEqual([]);

    // Olga stops: nobody presents, and her views go to nobody again (Cat's, followed by Bob, still reach him).
    olga.client.signal({ t: 'present', on: false });
    for (const p of everyone) await expect.poll(() => roles(p.client)).not.toContain('olga:owner presenting');
    const seen = bob.heard.views.length;
    bob.client.signal({ t: 'follow', cid: cat.client.cid });
    await expect.poll(() => roles(cat.client)).toContain('bob:editor follows cat');
    olga.client.signal({ t: 'view', ...view(6) });
    cat.client.signal({ t: 'view', ...view(7) });
    await expect.poll(() => bob.heard.views.slice(seen)).toEqual([{ cid: cat.client.cid, ...view(7) }]);
    for (const p of [cat, vic, dan]) expect(p.heard.views.filter((v) => v.x === 600)).toEqual([]);

    // None of it is in the boards' log: the owning is all it holds.
    expect((await readAll(a.log, board)).map((r) => r.op.k)).toEqual(['own']);
  });
});
