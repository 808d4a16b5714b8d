/**
 * Several server instances on one Kafka topic serve the same boards.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { converged, webClient, type TestClient } from '../support/board-client.ts';
import { freePort, ServerProcess, startKafkaServer, tempDir, type RunningServer } from '../support/server.ts';

const brokers = inject('kafkaBrokers');
const topic = `instances-${randomBytes(6).toString('hex')}`;
const servers: RunningServer[] = [];
const clients: TestClient[] = [];

async function instance(name: string): Promise<RunningServer> {
  const server = await startKafkaServer(brokers, topic, name);
  servers.push(server);
  return server;
}
function join(server: RunningServer, name: string): TestClient {
  const client = webClient(server.ws, 'shared', name, name);
  clients.push(client);
  return client;
}

afterAll(async () => {
  for (const c of clients) c.close();
  for (const s of servers) await s.close();
});

describe('several instances on one Kafka topic', () => {
  let before: unknown;
  let instanceA: RunningServer;
  let bobCid = '';

  it('clients on instance A and instance B draw on one board and see each other live', async () => {
    const [a, b] = await Promise.all([instance('a'), instance('b')]);
    instanceA = a;
    const ann = join(a, 'ann');
    const bob = join(b, 'bob');
    await Promise.all([ann.live(), bob.live()]);
    bobCid = bob.cid;
    const seen: string[] = [];
    bob.on('record', (r) => {
      if (r.user === ann.user) seen.push(r.op.k);
    });
    const a1 = ann.stroke();
    await converged([ann, bob]);
    expect(seen).toEqual(['begin', 'ext', 'end']); // each piece as it was drawn
    const b1 = bob.stroke();
    ann.stroke();
    bob.send({ k: 'undo' });
    await converged([ann, bob]);
    expect(bob.visible()).toContain(a1);
    expect(bob.visible()).not.toContain(b1);
    expect(ann.visible()).toHaveLength(2);
    before = ann.snapshot();
  });

  it('a third instance started later shows its clients the full board', async () => {
    const c = await instance('c');
    const cat = join(c, 'cat');
    await cat.live();
    expect(cat.snapshot()).toEqual(before);
  });

  it('an instance that restarts rebuilds the same board from the topic', async () => {
    servers.splice(servers.indexOf(instanceA), 1);
    await instanceA.close(); // instance a goes away
    const again = await instance('a-again');
    const dan = join(again, 'dan');
    await dan.live();
    expect(dan.snapshot()).toEqual(before);
    dan.stroke();
    const bob = clients.find((c) => c.cid === bobCid)!;
    await converged([dan, bob]);
  });
});

describe('an instance on Kafka killed with -9', () => {
  it('comes back with every acknowledged stroke', async () => {
    const dir = await tempDir();
    const env = { KAFKA_BROKERS: brokers, KAFKA_TOPIC: `${topic}-kill`, KAFKA_PARTITIONS: '2', KAFKA_REPLICATION_FACTOR: '1' };
    const server = new ServerProcess(await freePort(), dir.path, env);
    try {
      await server.start();
      const eve = webClient(server.ws, 'killed', 'eve');
      clients.push(eve);
      await eve.live();
      for (let i = 0; i < 5; i++) eve.stroke();
      await converged([eve]);
      const before = eve.snapshot();
      expect(await server.stop('SIGKILL')).toBe('SIGKILL');
      await server.start();
      const fay = webClient(server.ws, 'killed', 'fay');
      clients.push(fay);
      await fay.live();
      expect(fay.snapshot()).toEqual(before);
      await eve.live(); // and the survivor resumes
      await converged([eve, fay]);
    } finally {
      await server.stop('SIGTERM');
      await dir.remove();
    }
  });
});
