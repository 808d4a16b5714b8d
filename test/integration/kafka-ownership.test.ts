/**
 * Partition ownership on Kafka (docs/scaling.md): instances share the
 * boards' partitions out, each serves the boards of its own, and pages
 * that reach another instance are sent to the owner.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { converged, waitUntil, webClient, type TestClient } from '../support/board-client.ts';
import { pino } from 'pino';
import { startBalancer } from '../support/balancer.ts';
import { freePort, kafkaTestSettings, ServerProcess, startOwnerInstance, tempDir, type RunningServer } from '../support/server.ts';
import { KafkaLog } from '../../server/log/kafka/kafka-log.ts';
import { ownerOf } from '../../server/log/kafka/ownership/rendezvous.ts';
import type { PartitionOwners } from '../../server/log/kafka/ownership/partition-owners.ts';
import { partitionFinder } from '../../server/log/kafka/record-format.ts';

const brokers = inject('kafkaBrokers');
const PARTITIONS = 64;
type Instance = RunningServer & { placement: PartitionOwners };

const clients: TestClient[] = [];
const instances: Instance[] = [];
afterAll(async () => {
  for (const c of clients) c.close();
  for (const s of instances) await s.close();
});

function join(base: string, board: string, name: string): TestClient {
  const client = webClient(base, board, name, name);
  clients.push(client);
  return client;
}

/** Waits until every instance knows the same map, covering every partition once. */
async function settled(all: Instance[]): Promise<void> {
  await waitUntil(
    () => {
      const mine = all.flatMap((i) => i.placement.view.mine);
      return mine.length === PARTITIONS && new Set(mine).size === PARTITIONS && all.every((i) => i.placement.view.owners.size === PARTITIONS);
    },
    'every partition has one owner, known to all',
    30_000,
  );
}

describe('partition ownership, three instances', () => {
  const topic = `owners-${randomBytes(6).toString('hex')}`;
  const partitionOf = partitionFinder(topic, PARTITIONS);
  const ownerOf = (board: string) => instances.find((i) => i.placement.view.mine.includes(partitionOf(board)))!;

  it('spreads the partitions over all three, and a page on the wrong instance ends on the owner and draws', async () => {
    instances.push(...(await Promise.all(['a', 'b', 'c'].map((name) => startOwnerInstance(brokers, topic, name, PARTITIONS)))));
    await settled(instances);
    for (const instance of instances) expect(instance.placement.view.mine.length).toBeGreaterThan(8);

    const board = 'wrong-door';
    const owner = ownerOf(board);
    const other = instances.find((i) => i !== owner)!;
    const ann = join(owner.ws, board, 'ann');
    const bob = join(other.ws, board, 'bob'); // the wrong instance
    await Promise.all([ann.live(), bob.live()]);
    const stroke = bob.stroke();
    await converged([ann, bob]);
    expect(ann.visible()).toEqual([stroke]);
    // Both on the owner: each sees the other among the people here.
    await waitUntil(() => ann.people.length === 2 && bob.people.length === 2, 'both see two people');
  });
});

/** Each board's owner URL, as the first instance knows it. */
function mapOf(instance: Instance): Map<number, string> {
  return new Map(instance.placement.view.owners);
}

describe('partition ownership as instances come and go', () => {
  const topic = `owners-moves-${randomBytes(6).toString('hex')}`;
  const partitionOf = partitionFinder(topic, PARTITIONS);
  const group: Instance[] = [];
  const boards = Array.from({ length: 12 }, (_, i) => `moving-${i}`);
  /** Two people per board, each first reaching some instance. */
  const people = new Map<string, TestClient[]>();
  let before = new Map<number, string>();

  const everyoneDraws = async () => {
    for (const board of boards) people.get(board)!.forEach((c) => c.stroke());
    for (const board of boards) await converged(people.get(board)!, 20_000);
  };
  const presenceRight = () =>
    waitUntil(() => boards.every((b) => people.get(b)!.every((c) => c.people.length === 2)), 'every page sees its board’s two people', 10_000);

  it('an instance added takes only its share of the partitions, and their pages follow', async () => {
    group.push(...(await Promise.all(['a', 'b', 'c'].map((name) => startOwnerInstance(brokers, topic, name, PARTITIONS)))));
    instances.push(...group);
    await settled(group);
    for (const [i, board] of boards.entries()) {
      people.set(board, [join(group[i % 3]!.ws, board, `p${i}a`), join(group[(i + 1) % 3]!.ws, board, `p${i}b`)]);
    }
    await Promise.all([...people.values()].flat().map((c) => c.live()));
    await everyoneDraws();
    await presenceRight();
    before = mapOf(group[0]!);

    const d = await startOwnerInstance(brokers, topic, 'd', PARTITIONS);
    group.push(d);
    instances.push(d);
    await settled(group);
    const after = mapOf(group[0]!);
    const moved = [...after].filter(([p, url]) => before.get(p) !== url);
    // Only to the newcomer, and about a quarter.
    expect(moved.every(([p]) => d.placement.view.mine.includes(p))).toBe(true);
    expect(moved.length).toBe(d.placement.view.mine.length);
    expect(moved.length).toBeGreaterThan(PARTITIONS / 4 / 3);
    expect(moved.length).toBeLessThan((PARTITIONS / 4) * 2);

    // Pages of boards that moved reconnected to d; all draw on, and see the right people.
    await Promise.all([...people.values()].flat().map((c) => c.live()));
    await everyoneDraws();
    await presenceRight();
    const movedBoards = boards.filter((b) => d.placement.view.mine.includes(partitionOf(b)));
    const stayed = boards.filter((b) => !movedBoards.includes(b));
    // A page whose board stayed was never sent anywhere after it was first live.
    for (const board of stayed) for (const c of people.get(board)!) expect(c.statuses.lastIndexOf('reconnecting')).toBeLessThan(c.statuses.indexOf('live'));

    // Someone new, on a board of the instance that just started, reaching another instance first: on every page of it within 2 s.
    // (The newcomer's URL is random: when it took none of the boards drawn on, one of its own gets two people first.)
    const board = movedBoards[0] ?? Array.from({ length: 1_000 }, (_, i) => `owned-by-newcomer-${i}`).find((b) => d.placement.view.mine.includes(partitionOf(b)))!;
    if (!people.has(board)) {
      const pair = [join(group[0]!.ws, board, 'q-a'), join(group[1]!.ws, board, 'q-b')];
      people.set(board, pair);
      await Promise.all(pair.map((c) => c.live()));
    }
    const door = group.find((i) => i !== d)!;
    const joinedAt = Date.now();
    const newcomer = join(door.ws, board, 'newcomer');
    const pages = [...people.get(board)!, newcomer];
    await waitUntil(() => pages.every((c) => c.people.some((p) => p.name === 'newcomer')), 'the newcomer is on every page', 5_000);
    expect(Date.now() - joinedAt).toBeLessThan(2_000);
    newcomer.close();
    await waitUntil(() => people.get(board)!.every((c) => c.people.length === 2), 'the newcomer left every page');
  });

  it('a clean shutdown hands its partitions back at once, to where they were', async () => {
    const d = group.pop()!;
    const started = Date.now();
    await d.close();
    instances.splice(instances.indexOf(d), 1);
    await settled(group);
    expect(mapOf(group[0]!)).toEqual(before);
    await Promise.all([...people.values()].flat().map((c) => c.live()));
    // Well inside the group's 10 s session timeout: nobody waited for d to be missed.
    expect(Date.now() - started).toBeLessThan(8_000);
    await everyoneDraws();
    await presenceRight();
  });
});

describe('an owner killed with -9 while its boards are drawn on', () => {
  it('its partitions move to the others and every page draws on: nothing acknowledged lost or doubled', async () => {
    const topic = `owners-kill-${randomBytes(6).toString('hex')}`;
    const ports = await Promise.all([0, 1, 2].map(() => freePort()));
    const dirs = await Promise.all(ports.map(() => tempDir()));
    const servers = ports.map(
      (port, i) =>
        new ServerProcess(port, dirs[i]!.path, {
          KAFKA_BROKERS: brokers,
          KAFKA_TOPIC: topic,
          KAFKA_PARTITIONS: String(PARTITIONS),
          KAFKA_REPLICATION_FACTOR: '1',
          KAFKA_GROUP_PREFIX: `test-${topic}-${i}`,
          KAFKA_PLACEMENT: 'ownership',
          PUBLIC_URL: `http://127.0.0.1:${port}`,
        }),
    );
    const victim = servers[0]!;
    const alive = new Set(ports);
    // A balancer that knows nothing of boards, as in front of a real deployment: the pages' home.
    const balancer = await startBalancer(() => [...alive]);
    const drawing: NodeJS.Timeout[] = [];
    const log = await KafkaLog.open({ ...kafkaTestSettings(brokers, topic, 'reader'), partitions: PARTITIONS }, pino({ level: 'silent' }));
    try {
      await Promise.all(servers.map((s) => s.start()));
      // Who owns what follows from the instances' URLs alone (rendezvous.ts).
      const members = ports.map((port) => ({ id: String(port), url: `http://127.0.0.1:${port}` }));
      const partitionOf = partitionFinder(topic, PARTITIONS);
      const ownedByVictim = (board: string) => ownerOf(partitionOf(board), members)!.url === `http://127.0.0.1:${victim.port}`;
      const candidates = Array.from({ length: 200 }, (_, i) => `killed-${i}`);
      const boards = [...candidates.filter(ownedByVictim).slice(0, 4), ...candidates.filter((b) => !ownedByVictim(b)).slice(0, 6)];
      const drawers = new Map<string, TestClient[]>();
      for (const board of boards) drawers.set(board, [0, 1, 2].map((i) => join(balancer.ws, board, `${board}-${i}`)));
      const everyone = [...drawers.values()].flat();
      await Promise.all(everyone.map((c) => c.live()));
      const drawn = new Map<TestClient, string[]>(everyone.map((c) => [c, []]));
      for (const c of everyone) drawing.push(setInterval(() => drawn.get(c)!.push(c.stroke()), 250));
      await new Promise((r) => setTimeout(r, 2_000));

      const killedAt = Date.now();
      expect(await victim.stop('SIGKILL')).toBe('SIGKILL');
      alive.delete(victim.port);
      const hit = boards.filter(ownedByVictim).flatMap((b) => drawers.get(b)!);
      // Every page of the victim's boards reconnects, and is live on a new owner.
      await waitUntil(() => hit.every((c) => c.statuses.lastIndexOf('reconnecting') > 0 && c.status === 'live'), 'pages of the killed owner live again', 40_000);
      const backAfter = Date.now() - killedAt;
      await new Promise((r) => setTimeout(r, 1_000));
      for (const timer of drawing) clearInterval(timer);
      for (const board of boards) await converged(drawers.get(board)!, 30_000);

      for (const board of boards) {
        const pages = drawers.get(board)!;
        // Lost: none. Every stroke a page drew is on its board.
        const visible = new Set(pages[0]!.visible());
        for (const c of pages) expect(drawn.get(c)!.filter((id) => !visible.has(id))).toEqual([]);
        // Doubled: none. Each operation is in the log once.
        const seen = new Set<string>();
        const doubled: string[] = [];
        for await (const page of log.read(board, 0)) {
          for (const r of page) {
            const key = `${r.cid}:${r.seq}`;
            if (seen.has(key)) doubled.push(key);
            seen.add(key);
          }
        }
        expect(doubled).toEqual([]);
        expect(seen.size).toBe(pages.reduce((n, c) => n + drawn.get(c)!.length * 3, 0));
      }
      // The group's session timeout is 10 s; then a few seconds for the pages.
      expect(backAfter).toBeLessThan(25_000);
    } finally {
      for (const timer of drawing) clearInterval(timer);
      await log.close();
      await Promise.all(servers.map((s) => s.stop('SIGTERM')));
      await balancer.close();
      await Promise.all(dirs.map((d) => d.remove()));
    }
  }, 120_000);
});
