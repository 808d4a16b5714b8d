import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readAll } from '../contract/board-log-contract.ts';
import { PROTOCOL_VERSION } from '../../server/protocol/messages.ts';
import { encodePoints } from '../../server/protocol/points.ts';
import { converged, rawSocket, webClient, type TestClient } from '../support/board-client.ts';
import { startServer, type RunningServer } from '../support/server.ts';

let server: RunningServer;
const clients: TestClient[] = [];
const join = (board: string, name?: string) => {
  const c = webClient(server.ws, board, name, name);
  clients.push(c);
  return c;
};

beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});

describe('two clients on one board', () => {
  it('converge on the log’s order: strokes, undo of one’s own, erase', async () => {
    const ann = join('conv', 'ann');
    const bob = join('conv', 'bob');
    await Promise.all([ann.live(), bob.live()]);
    // Drawn at once, the log picks one order and both clients show it.
    const a1 = ann.stroke();
    const b1 = bob.stroke();
    await converged([ann, bob]);
    expect([...ann.visible()].sort()).toEqual([a1, b1].sort());
    const a2 = ann.stroke();
    await converged([ann, bob]);
    expect(ann.visible().at(-1)).toBe(a2);

    bob.send({ k: 'undo' }); // Bob's undo takes back b1, never Ann's a2
    await converged([ann, bob]);
    expect([...bob.visible()].sort()).toEqual([a1, a2].sort());

    bob.send({ k: 'erase', ids: [a1] });
    ann.send({ k: 'clear' });
    await converged([ann, bob]);
    expect(ann.visible()).toEqual([]);
    ann.send({ k: 'undo' }); // Ann undoes her clear; Bob's erase of a1 stands
    await converged([ann, bob]);
    expect(ann.visible()).toEqual([a2]);
  });

  it('nobody can act as someone else: a borrowed public id undoes nothing of theirs', async () => {
    const ann = join('spoof', 'ann');
    await ann.live();
    const id = ann.stroke();
    await converged([ann]);
    const mallory = await rawSocket(server.ws, 'spoof');
    // Mallory knows Ann's public ids (records and presence show them), not her secret keys.
    await mallory.hello({ user: ann.user, cid: ann.cid });
    mallory.op(1, { k: 'undo' });
    mallory.op(2, { k: 'clear' });
    await mallory.next((m) => m.t === 'rec' && m.r.op.k === 'clear');
    await converged([ann]);
    expect(ann.visible()).toEqual([]);
    expect(ann.state.strokes.get(id)!.undone).toBe(false); // hidden by Mallory's clear, not undone
    ann.send({ k: 'undo' }); // Ann's own undo still takes back her stroke
    await converged([ann]);
    expect(ann.state.strokes.get(id)!.undone).toBe(true);
    expect(ann.unacknowledged).toBe(0);
    mallory.socket.close();
  });

  it('a late joiner gets the whole board at once, in its welcome', async () => {
    const ann = join('late', 'ann');
    await ann.live();
    for (let i = 0; i < 20; i++) ann.stroke();
    ann.send({ k: 'undo' });
    await converged([ann]);
    const late = await rawSocket(server.ws, 'late');
    late.send({ t: 'hello', v: PROTOCOL_VERSION, user: 'cat', cid: 'cat1', name: 'Cat' });
    const welcome = await late.next((m) => m.t === 'welcome');
    const synced = await late.next((m) => m.t === 'synced');
    expect(welcome.t === 'welcome' && welcome.state).toEqual(ann.snapshot());
    expect(late.messages.filter((m) => m.t === 'rec')).toEqual([]);
    expect(synced).toEqual({ t: 'synced', pos: ann.state.pos });
    late.socket.close();
  });

  it('shows a stroke growing before it ends', async () => {
    const ann = join('grow', 'ann');
    const watcher = await rawSocket(server.ws, 'grow');
    await Promise.all([ann.live(), watcher.hello()]);
    ann.send({ k: 'begin', id: 'g1', color: '#000000', w: 4, p: encodePoints([{ x: 1, y: 1 }], false) });
    ann.send({ k: 'ext', id: 'g1', p: encodePoints([{ x: 5, y: 5 }], false) });
    const ext = await watcher.next((m) => m.t === 'rec' && m.r.op.k === 'ext');
    expect(ext.t === 'rec' && ext.r).toMatchObject({ user: ann.state.strokes.get('g1')?.user, op: { k: 'ext', id: 'g1' } });
    watcher.socket.close();
  });

  it('keeps two boards apart', async () => {
    const one = join('iso-1');
    const two = join('iso-2');
    await Promise.all([one.live(), two.live()]);
    const s1 = one.stroke();
    const s2 = two.stroke();
    await converged([one]);
    await converged([two]);
    expect(one.visible()).toEqual([s1]);
    expect(two.visible()).toEqual([s2]);
    expect((await readAll(server.log, 'iso-1')).map((r) => r.board)).toEqual(['iso-1', 'iso-1', 'iso-1']);
  });

  it('shares presence and cursors, and never writes them to the log', async () => {
    const ann = join('people', 'Ann');
    const bob = await rawSocket(server.ws, 'people');
    await ann.live();
    await bob.hello({ name: 'Bob' });
    await expect.poll(() => ann.people.map((p) => p.name).sort()).toEqual(['Ann', 'Bob']);
    const cursors: [string, number | null][] = [];
    ann.on('cursor', (cid, x) => cursors.push([cid, x]));
    bob.send({ t: 'cursor', x: 120, y: 80 });
    bob.send({ t: 'name', name: 'Robert' });
    await expect.poll(() => cursors.length).toBe(1);
    await expect.poll(() => ann.people.map((p) => p.name).sort()).toEqual(['Ann', 'Robert']);
    bob.socket.close();
    await expect.poll(() => ann.people.map((p) => p.name)).toEqual(['Ann']);
    expect(cursors.at(-1)?.[1]).toBeNull(); // the leaver's cursor is removed
    expect(await readAll(server.log, 'people')).toEqual([]);
  });

  it('resumes from a position: only the missing records, none twice', async () => {
    const ann = join('resume', 'ann');
    await ann.live();
    ann.stroke();
    await converged([ann]);
    const held = ann.state.pos;
    ann.stroke();
    ann.stroke();
    await converged([ann]);
    const back = await rawSocket(server.ws, 'resume');
    back.send({ t: 'hello', v: PROTOCOL_VERSION, user: 'ann2', cid: 'ann2', name: 'Ann', since: held });
    const welcome = await back.next((m) => m.t === 'welcome');
    await back.next((m) => m.t === 'synced');
    expect(welcome).not.toHaveProperty('state');
    const positions = back.messages.filter((m) => m.t === 'rec').map((m) => (m.t === 'rec' ? m.r.pos : -1));
    const expected = (await readAll(server.log, 'resume', held + 1)).map((r) => r.pos);
    expect(positions).toEqual(expected);
    back.socket.close();
  });
});
