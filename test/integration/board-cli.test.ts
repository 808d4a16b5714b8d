/**
 * The operator's CLI (`npm run board -- delete|restore|erase <id>`) acts on
 * the boards of a running server, through the same log and status store:
 * the server closes the board's pages within a second or two.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { EmbeddedLog } from '../../server/log/embedded-log.ts';
import { converged, webClient, type TestClient } from '../support/board-client.ts';
import { kafkaTestSettings, startKafkaServer, startServer, tempDir, type RunningServer } from '../support/server.ts';
import { readAll } from '../contract/board-log-contract.ts';

const brokers = inject('kafkaBrokers');
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const cleanup: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** Runs `npm run board -- <args>` as the operator would (through the dispatcher, scripts/board.ts). */
function board(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'scripts/board.ts', ...args], { cwd: repoRoot, env: { ...process.env, LOG_LEVEL: 'warn', ...env }, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

function join(server: RunningServer, id: string, name: string): TestClient {
  const client = webClient(server.ws, id, name, name);
  cleanup.push(() => client.close());
  return client;
}

const setups: [string, () => Promise<{ server: RunningServer; env: Record<string, string> }>][] = [
  [
    'embedded log',
    async () => {
      const dir = await tempDir();
      const server = await startServer(new EmbeddedLog(dir.path));
      cleanup.push(() => dir.remove(), () => server.close());
      return { server, env: { DATA_DIR: dir.path, KAFKA_BROKERS: '' } };
    },
  ],
  [
    'Kafka',
    async () => {
      const topic = `cli-${randomBytes(6).toString('hex')}`;
      const server = await startKafkaServer(brokers, topic, 'server');
      cleanup.push(() => server.close());
      const settings = kafkaTestSettings(brokers, topic, 'cli');
      return { server, env: { KAFKA_BROKERS: brokers, KAFKA_TOPIC: topic, KAFKA_PARTITIONS: String(settings.partitions), KAFKA_GROUP_PREFIX: settings.groupPrefix, KAFKA_REPLICATION_FACTOR: '1' } };
    },
  ],
];

describe.each(setups)('npm run board: %s', (_name, setup) => {
  it('deletes a board by id (its pages are closed), restores it, and erases it at once', { timeout: 120_000 }, async () => {
    const { server, env } = await setup();
    const id = `cli-${randomBytes(4).toString('hex')}`;
    const page = join(server, id, 'ann');
    await page.live();
    page.stroke();
    await converged([page]);

    const deleted = await board(env, 'delete', id);
    expect(deleted, deleted.stderr).toMatchObject({ code: 0 });
    expect(deleted.stdout).toContain(`${id} deleted`);
    await expect.poll(() => page.status, { timeout: 10_000 }).toBe('deleted');
    expect(page.deleted).toMatchObject({ t: 'deleted', by: 'operator' });
    expect((await fetch(`${server.http}/api/boards/${id}/replay`)).status).toBe(410);

    expect(await board(env, 'delete', id)).toMatchObject({ code: 1 });
    const restored = await board(env, 'restore', id);
    expect(restored, restored.stderr).toMatchObject({ code: 0 });
    await expect.poll(async () => (await fetch(`${server.http}/api/boards/${id}/replay`)).status, { timeout: 10_000 }).toBe(200);
    await expect.poll(() => page.status, { timeout: 15_000 }).toBe('live');

    const erased = await board(env, 'erase', id);
    expect(erased, erased.stderr).toMatchObject({ code: 0 });
    expect(erased.stdout).toContain(`${id} erased`);
    await expect.poll(() => page.status, { timeout: 10_000 }).toBe('deleted');
    await expect.poll(() => page.deleted, { timeout: 10_000 }).toEqual({ t: 'deleted', by: 'operator' });
    await expect.poll(async () => (await fetch(`${server.http}/api/boards/${id}/replay`)).status, { timeout: 10_000 }).toBe(410);
    expect(await readAll(server.log, id)).toEqual([]);
    expect(await board(env, 'restore', id)).toMatchObject({ code: 1 });
  });
});
