/**
 * Edit and view-only links on real servers: the claim is in the log, so
 * roles hold on both backends, across a restart and across instances.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { BoardLog, NewRecord } from '../../server/log/board-log.ts';
import { EmbeddedLog } from '../../server/log/embedded-log.ts';
import { ERROR, LIMITS, type ClientOp } from '../../server/protocol/messages.ts';
import { encodePoints } from '../../server/protocol/points.ts';
import { editKeyHash } from '../../server/rooms/roles.ts';
import { readAll } from '../contract/board-log-contract.ts';
import { converged, rawSocket, webClient, type TestClient } from '../support/board-client.ts';
import { startKafkaServer, startServer, tempDir, type RunningServer } from '../support/server.ts';

const brokers = inject('kafkaBrokers');
const cleanup: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

function join(server: RunningServer, board: string, name: string, key?: string): TestClient {
  const client = webClient(server.ws, board, name, name, key);
  cleanup.push(() => client.close());
  return client;
}

/** The owner opens a new board with its key and claims it, as the page does. */
async function claimedBoard(server: RunningServer, board: string, key: string): Promise<TestClient> {
  const owner = join(server, board, 'owner', key);
  await owner.live();
  owner.send({ k: 'claim' });
  await expect.poll(() => owner.state.editKey).toBe(editKeyHash(key));
  return owner;
}

describe('edit and view-only links', () => {
  it('without the edit key a client watches: sees everything live, sends nothing that is appended', async () => {
    const server = await startServer();
    cleanup.push(() => server.close());
    const key = randomBytes(18).toString('base64url');
    const owner = await claimedBoard(server, 'shared', key);
    const coEditor = join(server, 'shared', 'co', key);
    const viewer = join(server, 'shared', 'viewer', 'a-guess-at-the-key');
    await Promise.all([coEditor.live(), viewer.live()]);
    expect([owner.role, coEditor.role, viewer.role]).toEqual(['editor', 'editor', 'viewer']);

    // Live strokes reach the viewer; people are marked by role.
    owner.stroke();
    coEditor.stroke();
    await converged([owner, coEditor, viewer]);
    await expect.poll(() => viewer.people.map((p) => `${p.name}:${p.role}`).sort()).toEqual(['co:editor', 'owner:editor', 'viewer:viewer']);

    // A viewer's operations, sent anyway, are each refused with a reason; nothing is appended.
    const before = (await readAll(server.log, 'shared')).length;
    const raw = await rawSocket(server.ws, 'shared');
    await raw.hello();
    const ops: [number, ClientOp][] = [[1, { k: 'clear' }], [2, { k: 'undo' }], [3, { k: 'erase', ids: ['x'] }]];
    for (const [s, o] of ops) {
      raw.op(s, o);
      expect(await raw.next((m) => m.t === 'error' && m.s === s)).toMatchObject({ code: ERROR.viewOnly, reason: expect.stringMatching(/view-only link/) });
    }
    // Claiming it again is a race lost, whoever tries.
    raw.op(4, { k: 'claim' });
    expect(await raw.next((m) => m.t === 'error' && m.s === 4)).toMatchObject({ code: ERROR.noEffect, reason: 'the board has an edit link already' });
    // Viewers' cursors are not shown; editors' are.
    raw.send({ t: 'cursor', x: 5, y: 5 });
    const cursors: string[] = [];
    owner.on('cursor', (cid) => cursors.push(cid));
    coEditor.cursor(7, 7);
    await expect.poll(() => cursors).toEqual([coEditor.cid]);
    expect((await readAll(server.log, 'shared')).length).toBe(before);
    raw.socket.close();
  });

  it('an open board (drawn before edit links) stays editable until an editor claims it; then the others watch', async () => {
    const server = await startServer();
    cleanup.push(() => server.close());
    const ann = join(server, 'legacy', 'ann');
    const bob = join(server, 'legacy', 'bob');
    await Promise.all([ann.live(), bob.live()]);
    ann.stroke();
    bob.stroke();
    await converged([ann, bob]);
    expect([ann.role, bob.role]).toEqual(['editor', 'editor']);

    // Ann's page asks for a view-only link: her key becomes the board's edit key.
    const key = 'ann-edit-key-xyz';
    const annWithKey = join(server, 'legacy', 'ann', key);
    await annWithKey.live();
    annWithKey.send({ k: 'claim' });
    await expect.poll(() => bob.role).toBe('viewer');
    expect(annWithKey.role).toBe('editor');
    const records = (await readAll(server.log, 'legacy')).length;
    bob.send({ k: 'clear' });
    await expect.poll(() => bob.refusals.at(-1)).toMatch(/view-only link/);
    expect((await readAll(server.log, 'legacy')).length).toBe(records);
    expect(bob.visible()).toHaveLength(2);
  });

  it('someone drawing while another claims the board becomes a viewer and stays connected', async () => {
    // A log that takes 300 ms to save: the claim is judged at once, its echo (and the drawer's
    // new role) arrives 300 ms later, and meanwhile the drawer's page keeps sending its stroke.
    const dir = await tempDir();
    cleanup.push(() => dir.remove());
    const embedded = new EmbeddedLog(dir.path);
    const slow: BoardLog = new Proxy(embedded, {
      get(target, prop, receiver) {
        if (prop === 'append') return (r: NewRecord) => new Promise((resolve) => setTimeout(resolve, 300)).then(() => target.append(r));
        const value = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const server = await startServer(slow);
    cleanup.push(() => server.close());
    const ann = join(server, 'busy', 'ann', 'ann-key');
    const bob = join(server, 'busy', 'bob');
    await Promise.all([ann.live(), bob.live()]);
    bob.send({ k: 'begin', id: 'long', color: '#000000', w: 2, p: encodePoints([{ x: 0, y: 0 }], false) });
    await converged([ann, bob]);
    let x = 0;
    const drawing = setInterval(() => {
      if (bob.role === 'editor') bob.send({ k: 'ext', id: 'long', p: encodePoints([{ x: ++x, y: x }], false) });
    }, 5);
    cleanup.push(() => clearInterval(drawing));
    ann.send({ k: 'claim' });
    await expect.poll(() => bob.role).toBe('viewer');
    await new Promise((r) => setTimeout(r, 400));
    expect(bob.status).toBe('live');
    expect(bob.statuses).not.toContain('failed');
    expect(bob.refusals.length).toBeGreaterThanOrEqual(LIMITS.maxErrorsPerSession);
    expect(bob.refusals.every((r) => /view-only link/.test(r))).toBe(true);
  });

  it('the claim survives a restart of the embedded log', async () => {
    const dir = await tempDir();
    cleanup.push(() => dir.remove());
    const key = 'restart-edit-key';
    const first = await startServer(new EmbeddedLog(dir.path));
    const owner = await claimedBoard(first, 'durable', key);
    owner.close();
    await first.close();

    const second = await startServer(new EmbeddedLog(dir.path));
    cleanup.push(() => second.close());
    const editor = join(second, 'durable', 'owner', key);
    const viewer = join(second, 'durable', 'viewer');
    await Promise.all([editor.live(), viewer.live()]);
    expect([editor.role, viewer.role]).toEqual(['editor', 'viewer']);
  });

  it('on Kafka, a board claimed through one instance is view-only through another, for all but the key holders', async () => {
    const topic = `links-${randomBytes(6).toString('hex')}`;
    const [a, b] = await Promise.all([startKafkaServer(brokers, topic, 'a'), startKafkaServer(brokers, topic, 'b')]);
    cleanup.push(() => a.close(), () => b.close());
    const key = 'kafka-edit-key';
    const owner = await claimedBoard(a, 'across', key);
    const editorOnB = join(b, 'across', 'editor-b', key);
    const viewerOnB = join(b, 'across', 'viewer-b');
    await Promise.all([editorOnB.live(), viewerOnB.live()]);
    expect([editorOnB.role, viewerOnB.role]).toEqual(['editor', 'viewer']);
    editorOnB.stroke();
    await converged([owner, editorOnB, viewerOnB]);
    expect(viewerOnB.visible()).toHaveLength(1);
  });

  it('a fork starts owned by whoever forked: its owner link owns, its edit link draws, its view link watches', async () => {
    const server = await startServer();
    cleanup.push(() => server.close());
    const owner = await claimedBoard(server, 'forked', 'fork-source-key');
    owner.stroke();
    await converged([owner]);
    const res = await fetch(`${server.http}/api/boards/forked/fork`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"at":${Date.now()}}` });
    expect(res.status).toBe(201);
    const { board, url, editUrl, ownerUrl } = (await res.json()) as { board: string; url: string; editUrl: string; ownerUrl: string };
    expect(url).toBe(`/b/${board}`);
    const key = new URLSearchParams(editUrl.split('#')[1]).get('edit')!;
    const ownerKey = new URLSearchParams(ownerUrl.split('#')[1]).get('owner')!;
    const forker = webClient(server.ws, board, 'forker', 'forker', undefined, ownerKey);
    cleanup.push(() => forker.close());
    const editor = join(server, board, 'student', key);
    const viewer = join(server, board, 'someone');
    await Promise.all([forker.live(), editor.live(), viewer.live()]);
    expect([forker.role, editor.role, viewer.role]).toEqual(['owner', 'editor', 'viewer']);
    // The owner is told the edit link, as on a board it made.
    expect(forker.edit).toBe(key);
    expect(viewer.visible()).toEqual(owner.visible());
  });
});
