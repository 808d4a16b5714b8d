/**
 * Partition ownership in Chromium: a page opened at an instance that does
 * not own its board is sent to the owner (another origin, its PUBLIC_URL),
 * and there draws with, and sees, the people already on the board. A page
 * loaded before an instance joined (its security policy does not list that
 * instance) follows its board there too.
 */
import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchChromium, openLive, dragOnBoard } from '../support/browser.ts';
import { freePort, startOwnerInstance, type RunningServer } from '../support/server.ts';
import { ownerOf } from '../../server/log/kafka/ownership/rendezvous.ts';
import { partitionFinder } from '../../server/log/kafka/record-format.ts';
import type { PartitionOwners } from '../../server/log/kafka/ownership/partition-owners.ts';

const brokers = inject('kafkaBrokers');
const topic = `e2e-owners-${randomBytes(6).toString('hex')}`;
const PARTITIONS = 16;
type Instance = RunningServer & { placement: PartitionOwners };
let browser: Browser;
let instances: Instance[] = [];

beforeAll(async () => {
  [browser, ...instances] = await Promise.all([launchChromium(), startOwnerInstance(brokers, topic, 'a', PARTITIONS), startOwnerInstance(brokers, topic, 'b', PARTITIONS)]);
  const settled = () => instances.every((i) => i.placement.view.owners.size === PARTITIONS) && instances[0]!.placement.view.mine.length + instances[1]!.placement.view.mine.length === PARTITIONS;
  for (const deadline = Date.now() + 20_000; !settled(); await new Promise((r) => setTimeout(r, 50))) {
    if (Date.now() > deadline) throw new Error('the two instances did not share the partitions out');
  }
});
afterAll(async () => {
  await browser?.close();
  for (const instance of instances) await instance.close();
});

const open = (server: RunningServer, path: string, nickname: string): Promise<Page> => openLive(browser, `${server.http}${path}`, nickname);

type BoardWindow = { whiteboard: { client: { state: { strokes: Map<string, unknown> } } } };
const strokes = (page: Page) => page.evaluate(() => (window as unknown as BoardWindow).whiteboard.client.state.strokes.size);
const people = (page: Page) => page.locator('#people li').allTextContents();

describe('a page at the wrong instance', () => {
  it('is sent to the owner and draws there with the others', { timeout: 60_000 }, async () => {
    const partitionOf = partitionFinder(topic, PARTITIONS);
    const board = Array.from({ length: 100 }, (_, i) => `moved-${randomBytes(3).toString('hex')}-${i}`).find((b) => instances[0]!.placement.view.mine.includes(partitionOf(b)))!;
    const [owner, other] = instances as [Instance, Instance];
    const ann = await open(owner, `/b/${board}`, 'Ann');
    await ann.waitForFunction(() => location.hash.startsWith('#edit='));
    const editPath = new URL(ann.url()).pathname + new URL(ann.url()).hash;
    const bob = await open(other, editPath, 'Bob');
    // Still the page Bob opened; only its socket moved.
    expect(new URL(bob.url()).origin).toBe(other.http);

    await expect.poll(() => people(ann)).toEqual(expect.arrayContaining(['Ann (you)', 'Bob']));
    await expect.poll(() => people(bob)).toEqual(expect.arrayContaining(['Bob (you)', 'Ann']));
    await dragOnBoard(bob, [200, 300], [500, 320]);
    await expect.poll(() => strokes(ann)).toBe(1);
    await bob.mouse.move(300, 400, { steps: 5 });
    await expect.poll(() => ann.locator('#cursors .cursor').allTextContents()).toEqual(['Bob']);
  });
});

describe('a page loaded before an instance joined', () => {
  it('follows its board to the new instance and draws there', { timeout: 90_000 }, async () => {
    const partitionOf = partitionFinder(topic, PARTITIONS);
    const port = await freePort();
    // Which boards the newcomer will take follows from the instances' URLs alone (rendezvous.ts).
    const urls = [...instances.map((i) => i.placement.publicUrl), `http://127.0.0.1:${port}`];
    const members = urls.map((url) => ({ id: url, url }));
    const board = Array.from({ length: 200 }, (_, i) => `joined-${randomBytes(3).toString('hex')}-${i}`).find((b) => ownerOf(partitionOf(b), members)!.url === urls[2])!;
    const cara = await open(instances[0]!, `/b/${board}`, 'Cara');

    const newcomer = (await startOwnerInstance(brokers, topic, 'c', PARTITIONS, port)) as Instance;
    instances.push(newcomer);
    await expect.poll(() => newcomer.placement.view.mine.includes(partitionOf(board)), { timeout: 20_000 }).toBe(true);
    // Cara's page gets there (its policy is renewed by a fresh load) and is live again.
    await expect.poll(() => cara.evaluate(() => document.body.dataset.status), { timeout: 30_000, interval: 200 }).toBe('live');
    // Dan, watching at the newcomer, sees Cara there: presence lives on the owner only.
    const dan = await open(newcomer, `/b/${board}`, 'Dan');
    await expect.poll(() => people(dan), { timeout: 20_000 }).toContain('Cara');
    await dragOnBoard(cara, [200, 300], [500, 320]);
    await expect.poll(() => strokes(dan), { timeout: 10_000 }).toBe(1);
  });
});
