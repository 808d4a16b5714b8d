/**
 * Deleting a board (README: Deleting a board), on real servers: on the
 * embedded log, and on Kafka with two instances on one topic. A deleted
 * board's live pages are told and closed everywhere; every way of reading
 * it answers 410 on every instance; only its owner deletes and restores
 * it; a restore brings everything back; past its restore window the
 * sweeper erases it, and its id stays gone.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { CLOSE, PROTOCOL_VERSION } from '../../server/protocol/messages.ts';
import type { AppDeps } from '../../server/app.ts';
import { converged, rawSocket, webClient, type TestClient } from '../support/board-client.ts';
import { solidPicture } from '../support/pictures.ts';
import { startKafkaServer, startServer, type RunningServer } from '../support/server.ts';
import { readAll } from '../contract/board-log-contract.ts';

const brokers = inject('kafkaBrokers');
const cleanup: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

type Options = Partial<Omit<AppDeps, 'log' | 'webRoot'>>;
const generous: Options = { quotas: { apiRequestsPerMinute: 10_000, forksPerMinute: 1_000 } };

/** One server on the embedded log twice over (a and b are the same), or two instances on one Kafka topic. */
const backends: [string, (options: Options) => Promise<[RunningServer, RunningServer]>][] = [
  [
    'embedded log',
    async (options) => {
      const server = await startServer(undefined, { ...generous, ...options });
      cleanup.push(() => server.close());
      return [server, server];
    },
  ],
  [
    'Kafka, two instances',
    async (options) => {
      const topic = `deletion-${randomBytes(6).toString('hex')}`;
      const [a, b] = await Promise.all([startKafkaServer(brokers, topic, 'a', { ...generous, ...options }), startKafkaServer(brokers, topic, 'b', { ...generous, ...options })]);
      cleanup.push(() => a.close(), () => b.close());
      return [a, b];
    },
  ],
];

function join(server: RunningServer, board: string, name: string, keys: { edit?: string; owner?: string } = {}): TestClient {
  const client = webClient(server.ws, board, name, name, keys.edit, keys.owner);
  cleanup.push(() => client.close());
  return client;
}

/** A board owned by a page, with a stroke and a picture on it. */
async function drawnBoard(server: RunningServer, board: string) {
  const owner = randomBytes(18).toString('base64url');
  const teacher = join(server, board, 'teacher', { owner });
  await teacher.live();
  teacher.send({ k: 'own' });
  await expect.poll(() => teacher.role).toBe('owner');
  const edit = teacher.edit!;
  const stroke = teacher.stroke();
  await converged([teacher]);
  const upload = await fetch(`${server.http}/api/boards/${board}/files`, { method: 'POST', headers: { 'x-edit-key': edit }, body: new Uint8Array(await solidPicture(40, 30, [200, 30, 30])) });
  expect(upload.status).toBe(201);
  const { hash } = (await upload.json()) as { hash: string };
  return { teacher, owner, edit, stroke, hash };
}

const request = (server: RunningServer, method: string, path: string, headers: Record<string, string> = {}, body?: string | Uint8Array<ArrayBuffer>) =>
  fetch(`${server.http}${path}`, { method, headers, ...(body === undefined ? {} : { body }) }).then(async (res) => {
    await res.arrayBuffer();
    return res.status;
  });

/** Every way the app reads (or writes beside) a board over HTTP, and what each answered. */
async function readPaths(server: RunningServer, board: string, hash: string, edit: string): Promise<Record<string, number>> {
  const picture = new Uint8Array(await solidPicture(20, 20, [10, 200, 10]));
  return {
    sessions: await request(server, 'GET', `/api/boards/${board}/sessions`),
    replay: await request(server, 'GET', `/api/boards/${board}/replay`),
    svg: await request(server, 'GET', `/api/boards/${board}/export.svg`),
    fork: await request(server, 'POST', `/api/boards/${board}/fork`, { 'content-type': 'application/json' }, JSON.stringify({ at: Date.now() })),
    upload: await request(server, 'POST', `/api/boards/${board}/files`, { 'x-edit-key': edit }, picture),
    picture: await request(server, 'GET', `/files/${hash}`),
  };
}
const allGone = { sessions: 410, replay: 410, svg: 410, fork: 410, upload: 410, picture: 410 };

/** What a page joining the board now is told: the close code, and the `deleted` message before it. */
async function joinAnswer(server: RunningServer, board: string, owner?: string): Promise<{ code: number; deleted: unknown }> {
  const socket = await rawSocket(server.ws, board);
  socket.send({ t: 'hello', v: PROTOCOL_VERSION, user: 'late-user-secret', cid: 'late-page-secret', name: 'late', ...(owner ? { owner } : {}) });
  const { code } = await socket.closed;
  return { code, deleted: socket.messages.find((m) => (m as { t?: string }).t === 'deleted') ?? null };
}

describe.each(backends)('deleting a board: %s', (_name, start) => {
  it('only the owner link deletes; the pages on it, on every instance, are told and closed; every read answers 410 on every instance', async () => {
    const [a, b] = await start({});
    const board = `del-${randomBytes(4).toString('hex')}`;
    const { teacher, owner, edit, hash } = await drawnBoard(a, board);
    const student = join(b, board, 'student', { edit });
    const watcher = join(b, board, 'watcher');
    await Promise.all([student.live(), watcher.live()]);

    // Not the owner: an edit key as owner key, another owner key, none at all.
    expect(await request(a, 'DELETE', `/api/boards/${board}`, { 'x-owner-key': edit })).toBe(403);
    expect(await request(b, 'DELETE', `/api/boards/${board}`, { 'x-owner-key': randomBytes(18).toString('base64url') })).toBe(403);
    expect(await request(b, 'DELETE', `/api/boards/${board}`)).toBe(403);
    expect(await readPaths(b, board, hash, edit)).toMatchObject({ sessions: 200, replay: 200, svg: 200, fork: 201, upload: 201, picture: 200 });

    const before = Date.now();
    const res = await fetch(`${a.http}/api/boards/${board}`, { method: 'DELETE', headers: { 'x-owner-key': owner } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { restoreUntil: number };
    expect(body.restoreUntil).toBeGreaterThanOrEqual(before + 7 * 86_400_000);

    for (const page of [teacher, student, watcher]) await expect.poll(() => page.status).toBe('deleted');
    // Until when it can be restored: told to the owner's page only.
    expect(teacher.deleted).toEqual({ t: 'deleted', by: 'owner', restoreUntil: body.restoreUntil });
    expect(student.deleted).toEqual({ t: 'deleted', by: 'owner' });
    expect(watcher.deleted).toEqual({ t: 'deleted', by: 'owner' });
    expect(await request(a, 'DELETE', `/api/boards/${board}`, { 'x-owner-key': owner })).toBe(410);
    for (const server of [a, b]) {
      await expect.poll(() => readPaths(server, board, hash, edit)).toEqual(allGone);
      expect(await joinAnswer(server, board)).toEqual({ code: CLOSE.gone, deleted: { t: 'deleted', by: 'owner' } });
      expect(await joinAnswer(server, board, owner)).toEqual({ code: CLOSE.gone, deleted: { t: 'deleted', by: 'owner', restoreUntil: body.restoreUntil } });
    }
  });

  it('the owner restores it within the window: pages come back by themselves, a new page joins and sees the board, reads answer again', async () => {
    const [a, b] = await start({});
    const board = `res-${randomBytes(4).toString('hex')}`;
    const { teacher, owner, edit, stroke, hash } = await drawnBoard(a, board);
    const student = join(b, board, 'student', { edit });
    await student.live();
    expect(await request(a, 'DELETE', `/api/boards/${board}`, { 'x-owner-key': owner })).toBe(200);
    await expect.poll(() => student.status).toBe('deleted');

    expect(await request(b, 'POST', `/api/boards/${board}/restore`, { 'x-owner-key': edit })).toBe(403);
    expect(await request(b, 'POST', `/api/boards/${board}/restore`)).toBe(403);
    expect(await request(b, 'POST', `/api/boards/${board}/restore`, { 'x-owner-key': owner })).toBe(200);
    expect(await request(b, 'POST', `/api/boards/${board}/restore`, { 'x-owner-key': owner })).toBe(409);

    const late = join(b, board, 'late', { edit });
    await late.live();
    expect(late.visible()).toEqual([stroke]);
    for (const server of [a, b]) {
      await expect.poll(() => readPaths(server, board, hash, edit)).toMatchObject({ sessions: 200, replay: 200, svg: 200, fork: 201, upload: 201, picture: 200 });
    }
    // The pages that were closed join again, and draw.
    teacher.reconnectNow();
    await teacher.live();
    await expect.poll(() => student.status, { timeout: 15_000 }).toBe('live');
    student.stroke();
    await converged([teacher, student, late]);
    expect(late.visible()).toHaveLength(2);
  });

  it('past the restore window the sweeper erases it: the log has nothing of it, restore answers 410, and the id stays gone', async () => {
    const [a, b] = await start({ deletion: { restoreMs: 400, sweepEveryMs: 100 } });
    const board = `era-${randomBytes(4).toString('hex')}`;
    const { owner, edit, hash } = await drawnBoard(a, board);
    expect(await request(a, 'DELETE', `/api/boards/${board}`, { 'x-owner-key': owner })).toBe(200);
    // Erased (by whichever instance swept first): the page joining is told it cannot be restored.
    await expect.poll(() => joinAnswer(b, board, owner), { timeout: 15_000 }).toEqual({ code: CLOSE.gone, deleted: { t: 'deleted', by: 'owner' } });
    expect(await readAll(a.log, board)).toEqual([]);
    for (const server of [a, b]) {
      expect(await request(server, 'POST', `/api/boards/${board}/restore`, { 'x-owner-key': owner })).toBe(410);
      const paths = await readPaths(server, board, hash, edit);
      // The picture, on no other board, went with it.
      expect(paths).toMatchObject({ sessions: 410, replay: 410, svg: 410, fork: 410, upload: 410 });
      expect([404, 410]).toContain(paths.picture);
      expect(await joinAnswer(server, board, owner)).toEqual({ code: CLOSE.gone, deleted: { t: 'deleted', by: 'owner' } });
    }
  });
});

describe('a picture on a deleted board', () => {
  it('stays readable while another board that has it is live', async () => {
    const server = await startServer(undefined, generous);
    cleanup.push(() => server.close());
    const { owner, hash } = await drawnBoard(server, 'first');
    const other = await drawnBoard(server, 'second');
    expect(other.hash).toBe(hash);
    expect(await request(server, 'DELETE', '/api/boards/first', { 'x-owner-key': owner })).toBe(200);
    expect(await request(server, 'GET', `/files/${hash}`)).toBe(200);
    expect(await request(server, 'DELETE', '/api/boards/second', { 'x-owner-key': other.owner })).toBe(200);
    expect(await request(server, 'GET', `/files/${hash}`)).toBe(410);
  });
});
