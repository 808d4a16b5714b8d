/**
 * A board's owner on real servers: owning is in the log, so it holds on both
 * backends, across a restart and across instances; replacing the edit link
 * turns the old link's pages into viewers live; pausing stops everyone but
 * the owner; an owner's revert takes back one person's work and nothing of
 * anyone else's.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { foldRecords } from '../../server/board/fold.ts';
import { visibleItems } from '../../server/board/state.ts';
import { EmbeddedLog } from '../../server/log/embedded-log.ts';
import { ERROR, LIMITS } from '../../server/protocol/messages.ts';
import { derivedEditKey, editKeyHash, ownerKeyHash } from '../../server/rooms/roles.ts';
import { readAll } from '../contract/board-log-contract.ts';
import { converged, rawSocket, webClient, type TestClient } from '../support/board-client.ts';
import { startKafkaServer, startServer, tempDir, type RunningServer } from '../support/server.ts';

const brokers = inject('kafkaBrokers');
const cleanup: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

function join(server: RunningServer, board: string, name: string, keys: { edit?: string; owner?: string } = {}): TestClient {
  const client = webClient(server.ws, board, name, name, keys.edit, keys.owner);
  cleanup.push(() => client.close());
  return client;
}

/** The first page on a new board owns it, as the page does; it is told the edit key derived for it. */
async function ownedBoard(server: RunningServer, board: string, owner = randomBytes(18).toString('base64url')) {
  const teacher = join(server, board, 'teacher', { owner });
  await teacher.live();
  teacher.send({ k: 'own' });
  await expect.poll(() => teacher.role).toBe('owner');
  await expect.poll(() => teacher.edit).toBe(derivedEditKey(owner, 0));
  expect(teacher.state.owner).toBe(ownerKeyHash(owner));
  expect(teacher.state.editKey).toBe(editKeyHash(teacher.edit!));
  return { teacher, owner, edit: teacher.edit! };
}

describe("a board's owner", () => {
  it('replaces the edit link: pages on the old one watch from then on, the new one draws, and no editor may do it', async () => {
    const server = await startServer();
    cleanup.push(() => server.close());
    const { teacher, edit } = await ownedBoard(server, 'class');
    const student = join(server, 'class', 'student', { edit });
    const watcher = join(server, 'class', 'watcher');
    await Promise.all([student.live(), watcher.live()]);
    expect([student.role, watcher.role]).toEqual(['editor', 'viewer']);
    await expect.poll(() => teacher.people.map((p) => `${p.name}:${p.role}`).sort()).toEqual(['student:editor', 'teacher:owner', 'watcher:viewer']);

    student.send({ k: 'rekey' });
    await expect.poll(() => student.refusals.at(-1)).toMatch(/owner/);
    student.send({ k: 'pause', on: 1 });
    await expect.poll(() => student.refusals.length).toBe(2);
    expect(teacher.state.paused).toBe(false);

    teacher.send({ k: 'rekey' });
    await expect.poll(() => student.role).toBe('viewer');
    await expect.poll(() => teacher.edit).not.toBe(edit);
    const newcomer = join(server, 'class', 'newcomer', { edit: teacher.edit! });
    await newcomer.live();
    expect(newcomer.role).toBe('editor');
    newcomer.stroke();
    await converged([teacher, newcomer, student]);
    expect(student.visible()).toHaveLength(1);
  });

  it('pauses drawing: an editor is refused with the reason and nothing is appended; the owner draws; after resume the editor draws', async () => {
    const server = await startServer();
    cleanup.push(() => server.close());
    const { teacher, edit } = await ownedBoard(server, 'quiet');
    const student = join(server, 'quiet', 'student', { edit });
    await student.live();
    teacher.send({ k: 'pause', on: 1 });
    await expect.poll(() => student.state.paused).toBe(true);
    const before = (await readAll(server.log, 'quiet')).length;
    const raw = await rawSocket(server.ws, 'quiet');
    await raw.hello({ key: edit });
    raw.op(1, { k: 'clear' });
    expect(await raw.next((m) => m.t === 'error' && m.s === 1)).toMatchObject({ code: ERROR.paused, reason: expect.stringMatching(/paused/) });
    raw.socket.close();
    teacher.stroke();
    await converged([teacher, student]);
    expect((await readAll(server.log, 'quiet')).length).toBe(before + 3);

    teacher.send({ k: 'pause', on: 0 });
    await expect.poll(() => student.state.paused).toBe(false);
    student.stroke();
    await converged([teacher, student]);
    expect(teacher.visible()).toHaveLength(2);
  });

  it("takes back a vandal's work in one operation, leaving the board as the log without the vandal folds it; undo brings it back", async () => {
    const server = await startServer();
    cleanup.push(() => server.close());
    const { teacher, edit } = await ownedBoard(server, 'vandalised');
    const ann = join(server, 'vandalised', 'ann', { edit });
    const vandal = join(server, 'vandalised', 'vandal', { edit });
    await Promise.all([ann.live(), vandal.live()]);
    ann.stroke();
    ann.send({ k: 'add', v: 1, els: [{ id: 'box', type: 'rect', m: [1, 0, 0, 1, 10, 10], w: 80, h: 40, color: '#1e1e1e', sw: 2 }] });
    await converged([teacher, ann, vandal]);
    vandal.send({ k: 'xf', v: 1, ids: ['box'], m: [1, 0, 0, 1, 300, 0] });
    vandal.send({ k: 'clear' });
    for (let i = 0; i < 5; i++) vandal.stroke();
    await converged([teacher, ann, vandal]);
    ann.stroke(); // drawn over the vandal's scribbles
    await converged([teacher, ann, vandal]);
    const vandalised = teacher.visible();

    teacher.send({ k: 'revert', user: vandal.user, from: 0, to: LIMITS.maxSeq });
    await converged([teacher, ann, vandal]);
    const records = await readAll(server.log, 'vandalised');
    expect(records.filter((r) => r.op.k === 'revert')).toHaveLength(1);
    const withoutVandal = foldRecords(records.filter((r) => r.user !== vandal.user && r.op.k !== 'revert'));
    const drawn = (items: ReturnType<typeof visibleItems>) => items.map(({ hiddenBy: _h, undone: _u, ...item }) => item);
    expect(drawn(visibleItems(teacher.state))).toEqual(drawn(visibleItems(withoutVandal)));
    expect(drawn(visibleItems(ann.state))).toEqual(drawn(visibleItems(withoutVandal)));
    // Ann's two strokes and her box, back where she put it.
    expect(teacher.visible()).toHaveLength(2);
    expect(teacher.state.shapes.get('box')).toMatchObject({ m: [1, 0, 0, 1, 10, 10], hiddenBy: [] });

    teacher.send({ k: 'undo' });
    await converged([teacher, ann, vandal]);
    expect(teacher.visible()).toEqual(vandalised);
  });

  it('owning survives a restart of the embedded log; a board with an edit link but no owner is owned by an editor, keeping its link', async () => {
    const dir = await tempDir();
    cleanup.push(() => dir.remove());
    const first = await startServer(new EmbeddedLog(dir.path));
    const { owner, edit } = await ownedBoard(first, 'durable');
    const legacy = join(first, 'legacy', 'ann', { edit: 'legacy-edit-key', owner: 'ann-owner-key' });
    await legacy.live();
    legacy.send({ k: 'claim' });
    await expect.poll(() => legacy.state.editKey).toBe(editKeyHash('legacy-edit-key'));
    legacy.send({ k: 'own' });
    await expect.poll(() => legacy.role).toBe('owner');
    expect(legacy.state.editKey).toBe(editKeyHash('legacy-edit-key'));
    // Its edit link is the one it held, and the server says so: the share dialog shows it.
    expect(legacy.edit).toBe('legacy-edit-key');
    await first.close();

    const second = await startServer(new EmbeddedLog(dir.path));
    cleanup.push(() => second.close());
    const teacher = join(second, 'durable', 'teacher', { owner });
    const student = join(second, 'durable', 'student', { edit });
    const stranger = join(second, 'durable', 'stranger', { owner: 'a-guess' });
    await Promise.all([teacher.live(), student.live(), stranger.live()]);
    expect([teacher.role, student.role, stranger.role]).toEqual(['owner', 'editor', 'viewer']);
    expect(teacher.edit).toBe(edit);
  });

  it('on Kafka, a link replaced through one instance is view-only through the other at once', async () => {
    const topic = `owner-${randomBytes(6).toString('hex')}`;
    const [a, b] = await Promise.all([startKafkaServer(brokers, topic, 'a'), startKafkaServer(brokers, topic, 'b')]);
    cleanup.push(() => a.close(), () => b.close());
    const { teacher, owner, edit } = await ownedBoard(a, 'across');
    const studentOnB = join(b, 'across', 'student-b', { edit });
    const teacherOnB = join(b, 'across', 'teacher-b', { owner });
    await Promise.all([studentOnB.live(), teacherOnB.live()]);
    expect([studentOnB.role, teacherOnB.role]).toEqual(['editor', 'owner']);
    teacher.send({ k: 'rekey' });
    await expect.poll(() => studentOnB.role).toBe('viewer');
    await expect.poll(() => teacherOnB.edit).toBe(derivedEditKey(owner, 1));
    teacher.send({ k: 'pause', on: 1 });
    await expect.poll(() => teacherOnB.state.paused).toBe(true);
  });
});
