/**
 * Two server instances on one Kafka broker, a Chromium page on each: each
 * page lists the other's person by nickname and shows their cursor.
 */
import { randomBytes } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchChromium, openLive } from '../support/browser.ts';
import { startKafkaInstance, type RunningServer } from '../support/server.ts';

const brokers = inject('kafkaBrokers');
const topic = `e2e-presence-${randomBytes(6).toString('hex')}`;
const closing: (() => Promise<void>)[] = [];
let browser: Browser;
let instanceA: RunningServer;
let instanceB: RunningServer;

/** An instance as server/main.ts builds it on Kafka: the log and the presence bus. */
async function instance(name: string): Promise<RunningServer> {
  const server = await startKafkaInstance(brokers, topic, name);
  closing.push(() => server.close());
  return server;
}

beforeAll(async () => {
  [instanceA, instanceB, browser] = await Promise.all([instance('a'), instance('b'), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  for (const close of closing) await close();
});

const open = (server: RunningServer, path: string, nickname: string): Promise<Page> => openLive(browser, `${server.http}${path}`, nickname);

const people = (page: Page) => page.locator('#people li').allTextContents();

describe('people on two instances in Chromium', () => {
  it('each page lists the other instance\'s person and shows their cursor', { timeout: 60_000 }, async () => {
    const ann = await open(instanceA, `/b/shared-${randomBytes(4).toString('hex')}`, 'Ann');
    await ann.waitForFunction(() => location.hash.startsWith('#edit='));
    const editPath = new URL(ann.url()).pathname + new URL(ann.url()).hash;
    const bob = await open(instanceB, editPath, 'Bob');

    await expect.poll(() => people(ann)).toEqual(expect.arrayContaining(['Ann (you)', 'Bob']));
    await expect.poll(() => people(bob)).toEqual(expect.arrayContaining(['Bob (you)', 'Ann']));
    expect(await people(ann)).toHaveLength(2);

    // Bob points at the board: Ann sees his labelled cursor; Ann points back.
    await bob.mouse.move(300, 300, { steps: 5 });
    await expect.poll(() => ann.locator('#cursors .cursor').allTextContents()).toEqual(['Bob']);
    await ann.mouse.move(400, 350, { steps: 5 });
    await expect.poll(() => bob.locator('#cursors .cursor').allTextContents()).toEqual(['Ann']);
  });
});
