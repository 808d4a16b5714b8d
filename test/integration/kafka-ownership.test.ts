/**
 * Partition ownership on Kafka (docs/scaling.md): instances share the
 * boards' partitions out, each serves the boards of its own, and pages
 * that reach another instance are sent to the owner.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { converged, waitUntil, webClient, type TestClient } from '../support/board-client.ts';
import { startOwnerInstance, type RunningServer } from '../support/server.ts';
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
