/**
 * The broker goes down while people draw, then comes back: the server keeps
 * running, /readyz follows, clients show they are reconnecting, and what was
 * drawn meanwhile is saved afterwards, exactly once. Rooms unload after a
 * second without people here, so coming back also loads the board again.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalKafka } from '../../scripts/kafka-local.ts';
import { converged, waitUntil, webClient, type TestClient } from '../support/board-client.ts';
import { startKafkaServer, type RunningServer } from '../support/server.ts';

let kafka: LocalKafka;
let server: RunningServer;
const clients: TestClient[] = [];

beforeAll(async () => {
  // A broker of this test's own: it is about to be stopped.
  kafka = await LocalKafka.create();
  await kafka.start();
  server = await startKafkaServer(kafka.brokers, `outage-${randomBytes(4).toString('hex')}`, 'solo', { roomIdleMs: 1_000 });
}, 120_000);
afterAll(async () => {
  for (const c of clients) c.close();
  await server?.close();
  await kafka?.stop();
});

const readyz = () => fetch(`${server.http}/readyz`).then((r) => r.status);
const sessions = (board: string) =>
  fetch(`${server.http}/api/boards/${board}/sessions?gap=1000`, { signal: AbortSignal.timeout(5_000) }).then(
    (r) => r.status,
    () => 0,
  );
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('broker outage', () => {
  it('survives the broker going away and coming back, losing nothing', async () => {
    const ann = webClient(server.ws, 'outage', 'ann');
    const bob = webClient(server.ws, 'outage', 'bob');
    clients.push(ann, bob);
    await Promise.all([ann.live(), bob.live()]);
    const before = [ann.stroke(), bob.stroke()];
    await converged([ann, bob]);
    expect(await readyz()).toBe(200);

    await kafka.stop();
    // Drawing goes on during the outage; these ops wait in the clients' outboxes.
    const during = [ann.stroke(), bob.stroke()];
    await waitUntil(() => ann.status === 'reconnecting' && bob.status === 'reconnecting', 'clients show reconnecting', 30_000);
    await expect.poll(readyz, { timeout: 30_000 }).toBe(503);
    expect((await fetch(`${server.http}/healthz`)).status).toBe(200);
    const alsoDuring = ann.stroke();

    await kafka.start();
    await expect.poll(readyz, { timeout: 60_000, interval: 500 }).toBe(200);
    await Promise.all([ann.live(), bob.live()]);
    await converged([ann, bob], 30_000);
    const ids = [...ann.state.strokes.keys()];
    expect(ids.slice(0, 2).sort()).toEqual([...before].sort());
    expect(ids.slice(2).sort()).toEqual([...during, alsoDuring].sort());
    expect(ann.refusals).toEqual([]);

    // And the board goes on as usual.
    const after = bob.stroke();
    await converged([ann, bob]);
    expect(ann.visible()).toContain(after);
  }, 180_000);

  it('comes back after an outage its consumers gave up on, with history read during it', async () => {
    const ann = webClient(server.ws, 'outage-long', 'ann');
    const bob = webClient(server.ws, 'outage-long', 'bob');
    clients.push(ann, bob);
    await Promise.all([ann.live(), bob.live()]);
    const before = ann.stroke();
    await converged([ann, bob]);

    await kafka.stop();
    const during = bob.stroke();
    // Long enough for kafkajs to give up its retries and restart its
    // consumers, again and again; someone opens the board's history all along.
    const reads: Promise<number>[] = [];
    for (const start = Date.now(); Date.now() - start < 15_000; await sleep(300)) reads.push(sessions('outage-long'));
    await Promise.all(reads);

    await kafka.start();
    await expect.poll(readyz, { timeout: 60_000, interval: 500 }).toBe(200);
    await waitUntil(() => ann.status === 'live' && bob.status === 'live', 'both are live again', 30_000);
    await converged([ann, bob], 30_000);
    expect([...ann.state.strokes.keys()]).toEqual([before, during]);
    await expect.poll(() => sessions('outage-long'), { timeout: 30_000, interval: 500 }).toBe(200);
  }, 180_000);
});
