/**
 * Elements on a running server, through real sockets and the web app's own
 * client (binary frames both ways): what one page makes and changes every
 * page sees, concurrent changes to different properties both stand, undo
 * stays per person, a late joiner and a fork see the same board.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lineEnds, type Matrix } from '../../server/board/elements.ts';
import { visibleItems } from '../../server/board/state.ts';
import type { ClientOp } from '../../server/protocol/messages.ts';
import { encodePoints } from '../../server/protocol/points.ts';
import { converged, waitUntil, webClient, type TestClient } from '../support/board-client.ts';
import { startServer, type RunningServer } from '../support/server.ts';

let server: RunningServer;
const clients: TestClient[] = [];
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  for (const c of clients) c.close();
  await server.close();
});

function join(board: string, user: string): TestClient {
  const c = webClient(server.ws, board, user, user);
  clients.push(c);
  return c;
}

const at = (x: number, y: number): Matrix => [1, 0, 0, 1, x, y];
const op = (o: object) => o as ClientOp;
const ONE_OF_EACH = [
  { id: 'r', type: 'rect', m: at(0, 0), w: 120, h: 80, color: '#1e1e1e', sw: 2, fill: '#ffec99' },
  { id: 'e', type: 'ellipse', m: at(300, 0), w: 100, h: 100, color: '#e03131', sw: 4, dash: 1 },
  { id: 'd', type: 'diamond', m: at(600, 0), w: 80, h: 80, color: '#1971c2', sw: 2 },
  { id: 'l', type: 'line', m: at(0, 200), pts: [0, 0, 200, 0], color: '#1e1e1e', sw: 2 },
  { id: 'a', type: 'arrow', m: at(0, 0), pts: [120, 40, 300, 50], color: '#1e1e1e', sw: 2, sb: { id: 'r', u: 1, v: 0.5 }, eb: { id: 'e', u: 0, v: 0.5 } },
  { id: 't', type: 'text', m: at(0, 400), w: 160, h: 25, color: '#1e1e1e', text: 'A label that wraps', fs: 20 },
  { id: 'n', type: 'note', m: at(300, 400), w: 200, h: 200, color: '#1e1e1e', fill: '#ffec99', text: 'Homework: page 12', fs: 20 },
  { id: 'i', type: 'ink', m: [0, 1, -1, 0, 700, 300], color: '#2f9e44', sw: 4, p: encodePoints([{ x: 0, y: 0 }, { x: 30, y: 10 }, { x: 60, y: 0 }], false) },
];

describe('elements on a running server', () => {
  it('every kind made on one page reaches the others; a move and a recolour at once both stand; a late joiner sees the same', async () => {
    const ann = join('el-sync', 'ann');
    const bob = join('el-sync', 'bob');
    await Promise.all([ann.live(), bob.live()]);
    ann.send(op({ k: 'add', v: 1, els: ONE_OF_EACH }));
    await converged([ann, bob]);
    expect(visibleItems(bob.state).map((i) => i.id)).toEqual(ONE_OF_EACH.map((e) => e.id));
    expect(bob.state.shapes.get('n')).toMatchObject({ type: 'note', text: 'Homework: page 12', user: ann.user, name: 'ann' });

    // At once: Bob drags the ellipse (a first xf, then one per frame), Ann recolours it.
    bob.send(op({ k: 'xf', v: 1, ids: ['e'], m: at(10, 10) }));
    ann.send(op({ k: 'set', v: 1, ids: ['e'], p: { color: '#2f9e44', fill: '#a5d8ff' } }));
    for (let i = 0; i < 9; i++) bob.send(op({ k: 'xf', v: 1, c: 1, m: at(10, 10) }));
    await converged([ann, bob]);
    expect(ann.state.shapes.get('e')).toMatchObject({ m: at(400, 100), color: '#2f9e44', fill: '#a5d8ff' });
    // The arrow stuck to it followed.
    expect(lineEnds(ann.state.shapes.get('a')!, (id) => ann.state.shapes.get(id))[1]).toEqual([400, 150]);
    expect([ann.refusals, bob.refusals]).toEqual([[], []]);

    // Bob's undo takes back his whole drag and nothing of Ann's.
    bob.send({ k: 'undo' });
    await converged([ann, bob]);
    expect(ann.state.shapes.get('e')).toMatchObject({ m: at(300, 0), color: '#2f9e44' });

    const late = join('el-sync', 'cat');
    await late.live();
    await converged([ann, bob, late]);
  });

  it('select all then move is one record, however much is on the board', async () => {
    const ann = join('el-all', 'ann');
    await ann.live();
    ann.send(op({ k: 'add', v: 1, els: ONE_OF_EACH }));
    for (let i = 0; i < 50; i++) ann.stroke([{ x: i * 10, y: 0 }, { x: i * 10 + 5, y: 8 }, { x: i * 10 + 9, y: 3 }]);
    await converged([ann]);
    const before = ann.state.pos;
    ann.send(op({ k: 'xf', v: 1, all: 1, m: at(0, 1_000) }));
    await converged([ann]);
    expect(ann.state.pos - before).toBe(1);
    expect(visibleItems(ann.state).every((i) => (i.m?.[5] ?? 0) >= 1_000)).toBe(true);
  });

  it('refused element operations come back with their reason, and change nothing', async () => {
    const ann = join('el-refused', 'ann');
    await ann.live();
    ann.send(op({ k: 'add', v: 1, els: [ONE_OF_EACH[0]] }));
    ann.send(op({ k: 'set', v: 1, ids: ['nobody'], p: { color: '#e03131' } }));
    ann.send(op({ k: 'xf', v: 1, ids: ['r'], m: [1, 0, 0, 1, 3_999_999, 0] }));
    ann.send(op({ k: 'xf', v: 1, c: 1, m: [1, 0, 0, 1, 3_999_999, 0] }));
    await waitUntil(() => ann.refusals.length === 2 && ann.unacknowledged === 0, 'both refusals');
    expect(ann.refusals).toEqual(['no element has the id nobody', 'that transform takes elements out of range']);
    expect(ann.state.shapes.get('r')!.m).toEqual(at(3_999_999, 0));
  });

  it('a fork carries the elements with their authors, their stack, and arrows still stuck to shapes', async () => {
    const ann = join('el-fork', 'ann');
    const bob = join('el-fork', 'bob');
    await Promise.all([ann.live(), bob.live()]);
    ann.send(op({ k: 'add', v: 1, els: ONE_OF_EACH }));
    bob.stroke();
    // The rectangle goes to the front: the arrow stuck to it now comes before it in the stack.
    bob.send(op({ k: 'set', v: 1, ids: ['r'], p: { z: 1e9 } }));
    bob.send(op({ k: 'xf', v: 1, ids: ['i'], m: at(5, 5) }));
    await converged([ann, bob]);
    const res = await fetch(`${server.http}/api/boards/el-fork/fork`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"at":${Date.now()}}` });
    expect(res.status).toBe(201);
    const { board } = (await res.json()) as { board: string };
    const cat = join(board, 'cat');
    await cat.live();
    const source = visibleItems(ann.state);
    const forked = visibleItems(cat.state);
    expect(forked.map((i) => i.id)).toEqual(source.map((i) => i.id));
    expect(forked.map((i) => i.user)).toEqual(source.map((i) => i.user));
    expect(cat.state.strokes.get('i')!.m).toEqual(ann.state.strokes.get('i')!.m);
    const arrow = cat.state.shapes.get('a')!;
    expect(arrow).toMatchObject({ sb: { id: 'r', u: 1, v: 0.5 }, eb: { id: 'e', u: 0, v: 0.5 } });
    expect(lineEnds(arrow, (id) => cat.state.shapes.get(id))).toEqual(lineEnds(ann.state.shapes.get('a')!, (id) => ann.state.shapes.get(id)));
    // Each author can undo their own work on the fork, and nobody else's.
    expect(cat.state.shapes.get('n')!.user).toBe(ann.user);
  });
});
