import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lineEnds, type Matrix } from '../../server/board/elements.ts';
import { applyRecord, foldRecords } from '../../server/board/fold.ts';
import { fromSnapshot, toSnapshot } from '../../server/board/snapshot.ts';
import { emptyBoard, visibleItems, type BoardState } from '../../server/board/state.ts';
import { recordWeight } from '../../server/board/weight.ts';
import { LIMITS, type ClientOp, type LogRecord, type Op } from '../../server/protocol/messages.ts';
import { encodePoints } from '../../server/protocol/points.ts';
import { parseClientMessage } from '../../server/protocol/validate.ts';
import { RecordMaker } from '../support/records.ts';

const at = (x: number, y: number): Matrix => [1, 0, 0, 1, x, y];
const rect = (id: string, x = 0, y = 0, extra: object = {}) => ({ id, type: 'rect', m: at(x, y), w: 100, h: 50, color: '#1e1e1e', sw: 2, ...extra });
const add = (...els: object[]) => ({ k: 'add', v: 1, els }) as unknown as Op;
const set = (ids: string[], p: object, c = false) => ({ k: 'set', v: 1, ...(c ? { c: 1 } : { ids }), p }) as unknown as Op;
const move = (ids: string[] | 'all' | 'c', dx: number, dy: number) =>
  ({ k: 'xf', v: 1, ...(ids === 'all' ? { all: 1 } : ids === 'c' ? { c: 1 } : { ids }), m: at(dx, dy) }) as Op;
const shape = (state: BoardState, id: string) => state.shapes.get(id)!;
const find = (state: BoardState) => (id: string) => state.shapes.get(id);

/** One board folded record by record; `verdicts` keeps what the fold said of each. */
function board() {
  const m = new RecordMaker();
  const state = emptyBoard();
  const records: LogRecord[] = [];
  return {
    state,
    records,
    m,
    by(user: string, op: Op) {
      const rec = m.rec(user, op);
      records.push(rec);
      return applyRecord(state, rec);
    },
  };
}

describe('elements in the fold', () => {
  it('makes every kind of element with its style, and ink placed by a matrix', () => {
    const b = board();
    const els = [
      rect('r'),
      { id: 'e', type: 'ellipse', m: at(200, 0), w: 80, h: 80, color: '#e03131', sw: 4, fill: '#ffec99', dash: 1 },
      { id: 'd', type: 'diamond', m: at(400, 0), w: 60, h: 60, color: '#1e1e1e', sw: 2 },
      { id: 'l', type: 'line', m: at(0, 200), pts: [0, 0, 100, 0], color: '#1e1e1e', sw: 2 },
      { id: 'a', type: 'arrow', m: at(0, 300), pts: [0, 0, 100, 50], color: '#1e1e1e', sw: 2, ah: 3 },
      { id: 't', type: 'text', m: at(0, 400), w: 200, h: 25, color: '#1e1e1e', text: 'Label', fs: 20 },
      { id: 'n', type: 'note', m: at(300, 400), w: 200, h: 200, color: '#1e1e1e', fill: '#ffec99', text: 'Remember', fs: 20 },
      { id: 'i', type: 'ink', m: at(10, 10), color: '#2f9e44', sw: 4, p: encodePoints([{ x: 1, y: 1 }, { x: 5, y: 5 }], false) },
    ];
    expect(b.by('ann', add(...els))).toBeNull();
    expect(visibleItems(b.state).map((i) => i.id)).toEqual(['r', 'e', 'd', 'l', 'a', 't', 'n', 'i']);
    expect(shape(b.state, 'e')).toMatchObject({ fill: '#ffec99', dash: 1, sw: 4, user: 'ann' });
    expect(shape(b.state, 'a').ah).toBe(3);
    expect(shape(b.state, 'n').text).toBe('Remember');
    expect(b.state.strokes.get('i')).toMatchObject({ m: at(10, 10), n: 2, ended: true, w: 4 });
    // One action: one undo takes the whole add back.
    b.by('ann', { k: 'undo' });
    expect(visibleItems(b.state)).toEqual([]);
    b.by('ann', { k: 'redo' });
    expect(visibleItems(b.state)).toHaveLength(8);
  });

  it('refuses an add whole when any of its elements is wrong: nothing half-applied', () => {
    const b = board();
    b.by('ann', add(rect('taken')));
    expect(b.by('ann', add(rect('fine'), rect('taken')))?.reason).toMatch(/taken/);
    expect(b.by('ann', add(rect('fine2'), { id: 'x', type: 'line', m: at(0, 0), color: '#1e1e1e', sw: 2 }))?.reason).toMatch(/needs its ends/);
    expect(b.by('ann', add(rect('flat', 0, 0, { m: [1, 0, 2, 0, 0, 0] })))?.reason).toMatch(/invertible/);
    expect(b.by('ann', add({ id: 'tx', type: 'rect', m: at(0, 0), w: 1, h: 1, color: '#1e1e1e', sw: 1, text: 'no' }))?.reason).toMatch(/does not apply/);
    expect([...b.state.shapes.keys()]).toEqual(['taken']);
  });

  it('a move by one person and a recolour by another both stand; undoing the move leaves the colour', () => {
    const b = board();
    b.by('ann', add(rect('r', 10, 10)));
    b.by('bob', move(['r'], 100, 0));
    b.by('ann', set(['r'], { color: '#e03131' }));
    expect(shape(b.state, 'r')).toMatchObject({ m: at(110, 10), color: '#e03131' });
    b.by('bob', { k: 'undo' });
    expect(shape(b.state, 'r')).toMatchObject({ m: at(10, 10), color: '#e03131' });
    b.by('bob', { k: 'redo' });
    expect(shape(b.state, 'r').m).toEqual(at(110, 10));
    b.by('ann', { k: 'undo' });
    expect(shape(b.state, 'r')).toMatchObject({ m: at(110, 10), color: '#1e1e1e' });
  });

  it('a drag is one undo step: one xf naming the elements, then continuations', () => {
    const b = board();
    b.by('ann', add(rect('r'), rect('s', 200, 0)));
    expect(b.by('bob', move(['r', 's'], 1, 1))).toBeNull();
    for (let i = 0; i < 59; i++) expect(b.by('bob', move('c', 1, 1))).toBeNull();
    expect(shape(b.state, 's').m).toEqual(at(260, 60));
    b.by('bob', { k: 'undo' });
    expect(shape(b.state, 'r').m).toEqual(at(0, 0));
    expect(shape(b.state, 's').m).toEqual(at(200, 0));
    // Nothing is left to continue once the drag was undone.
    expect(b.by('bob', move('c', 1, 1))?.reason).toMatch(/nothing|no change/);
  });

  it('typing is one undo step too, and only its author’s page continues it', () => {
    const b = board();
    b.by('ann', add({ id: 'n', type: 'note', m: at(0, 0), w: 200, h: 200, color: '#1e1e1e', fill: '#ffec99' }));
    b.by('ann', set(['n'], { text: 'H' }));
    for (const text of ['He', 'Hel', 'Hello']) b.by('ann', set([], { text }, true));
    expect(shape(b.state, 'n').text).toBe('Hello');
    // Bob has nothing of his to continue.
    expect(b.by('bob', set([], { text: 'x' }, true))?.code).toBe('refused');
    b.by('ann', { k: 'undo' });
    expect(shape(b.state, 'n').text).toBe('');
    b.by('ann', { k: 'redo' });
    expect(shape(b.state, 'n').text).toBe('Hello');
  });

  it('an arrow stuck to two shapes follows either; moved alone it comes off, and undo sticks it again', () => {
    const b = board();
    b.by('ann', add(rect('p', 0, 0), rect('q', 300, 0), { id: 'a', type: 'arrow', m: at(0, 0), pts: [100, 25, 300, 25], color: '#1e1e1e', sw: 2, sb: { id: 'p', u: 1, v: 0.5 }, eb: { id: 'q', u: 0, v: 0.5 } }));
    expect(lineEnds(shape(b.state, 'a'), find(b.state))).toEqual([[100, 25], [300, 25]]);
    b.by('bob', move(['q'], 0, 100));
    expect(lineEnds(shape(b.state, 'a'), find(b.state))).toEqual([[100, 25], [300, 125]]);
    b.by('bob', { k: 'xf', v: 1, ids: ['q'], m: [2, 0, 0, 2, -300, -125] } as Op);
    expect(lineEnds(shape(b.state, 'a'), find(b.state))).toEqual([[100, 25], [300, 125]]);
    b.by('ann', move(['a'], 0, -50));
    expect(shape(b.state, 'a')).toMatchObject({ sb: null, eb: null });
    expect(lineEnds(shape(b.state, 'a'), find(b.state))).toEqual([[100, -25], [300, 75]]);
    b.by('ann', { k: 'undo' });
    expect(shape(b.state, 'a').sb).toEqual({ id: 'p', u: 1, v: 0.5 });
    expect(lineEnds(shape(b.state, 'a'), find(b.state))).toEqual([[100, 25], [300, 125]]);
  });

  it('select all then move is one operation on every drawn item, ink included, and one undo', () => {
    const b = board();
    for (const rec of b.m.stroke('cat', 's1')) applyRecord(b.state, rec);
    b.by('ann', add(rect('r'), rect('gone', 50, 50)));
    b.by('ann', { k: 'erase', ids: ['gone'] });
    expect(b.by('bob', move('all', 5, 5))).toBeNull();
    expect(b.state.strokes.get('s1')!.m).toEqual(at(5, 5));
    expect(shape(b.state, 'r').m).toEqual(at(5, 5));
    expect(shape(b.state, 'gone').m).toEqual(at(50, 50));
    b.by('bob', { k: 'undo' });
    expect(b.state.strokes.get('s1')!.m).toBeUndefined();
  });

  it('restyles ink (colour, width, stack) without touching its points', () => {
    const b = board();
    for (const rec of b.m.stroke('cat', 's1')) applyRecord(b.state, rec);
    const chunks = [...b.state.strokes.get('s1')!.chunks];
    expect(b.by('ann', set(['s1'], { color: '#e03131', sw: 9, z: -5, text: 'ignored' }))).toBeNull();
    expect(b.state.strokes.get('s1')).toMatchObject({ color: '#e03131', w: 9, z: -5, chunks });
    b.by('ann', { k: 'undo' });
    expect(b.state.strokes.get('s1')).toMatchObject({ color: '#000000', w: 4, z: 0 });
    expect(b.by('ann', set(['s1'], { text: 'only text' }))?.code).toBe('no-effect');
  });

  it('stacks by z, then by position: bring to front and send to back', () => {
    const b = board();
    b.by('ann', add(rect('a'), rect('b')));
    for (const rec of b.m.stroke('cat', 'ink')) applyRecord(b.state, rec);
    expect(visibleItems(b.state).map((i) => i.id)).toEqual(['a', 'b', 'ink']);
    b.by('ann', set(['a'], { z: 100 }));
    b.by('ann', set(['ink'], { z: -1 }));
    expect(visibleItems(b.state).map((i) => i.id)).toEqual(['ink', 'b', 'a']);
  });

  it('erase, clear and undo work on elements; changes to erased elements are refused', () => {
    const b = board();
    b.by('ann', add(rect('r'), rect('s')));
    b.by('bob', { k: 'erase', ids: ['r'] });
    expect(b.by('ann', set(['r'], { color: '#e03131' }))?.code).toBe('no-effect');
    expect(b.by('ann', move(['r'], 1, 1))?.code).toBe('no-effect');
    expect(b.by('ann', move(['nope'], 1, 1))?.reason).toMatch(/no element/);
    b.by('bob', { k: 'clear' });
    expect(visibleItems(b.state)).toEqual([]);
    b.by('bob', { k: 'undo' });
    expect(visibleItems(b.state).map((i) => i.id)).toEqual(['s']);
    b.by('bob', { k: 'undo' });
    expect(visibleItems(b.state).map((i) => i.id)).toEqual(['r', 's']);
  });

  it('an image names its file by hash and is placed, resized and undone like any box', () => {
    const b = board();
    const file = 'ab'.repeat(32);
    expect(b.by('ann', add({ id: 'pic', type: 'image', m: at(10, 20), w: 300, h: 200, color: '#ced4da', file })))?.toBeNull();
    expect(shape(b.state, 'pic')).toMatchObject({ type: 'image', file, w: 300, h: 200, lock: 0 });
    expect(b.by('ann', move(['pic'], 5, 5))).toBeNull();
    expect(shape(b.state, 'pic').m).toEqual(at(15, 25));
    // Without a file, or with a file that is not a hash, or with properties it has not, it is refused whole.
    expect(b.by('ann', add({ id: 'p2', type: 'image', m: at(0, 0), w: 1, h: 1, color: '#ced4da' }))?.reason).toMatch(/needs its file/);
    expect(b.by('ann', add({ id: 'p3', type: 'image', m: at(0, 0), w: 1, h: 1, color: '#ced4da', file: '../etc/passwd' }))?.reason).toMatch(/SHA-256/);
    expect(b.by('ann', add({ id: 'p4', type: 'image', m: at(0, 0), w: 1, h: 1, color: '#ced4da', file, text: 'x' }))?.reason).toMatch(/does not apply/);
    // A line sticks to a picture as to any box.
    expect(b.by('ann', add({ id: 'ar', type: 'arrow', m: at(0, 0), pts: [0, 0, 50, 50], color: '#1e1e1e', sw: 2, eb: { id: 'pic', u: 0.5, v: 0.5 } }))).toBeNull();
    expect(lineEnds(shape(b.state, 'ar'), find(b.state))[1]).toEqual([165, 125]);
    b.by('ann', { k: 'undo' });
    b.by('ann', { k: 'undo' });
    b.by('ann', { k: 'undo' });
    expect(visibleItems(b.state)).toEqual([]);
  });

  it('a locked element is passed by moves (named or all), erase and clear; unlocking is an undoable set', () => {
    const b = board();
    b.by('ann', add(rect('page', 0, 0, { lock: 1 }), rect('r', 200, 0)));
    expect(shape(b.state, 'page').lock).toBe(1);
    expect(b.by('bob', move(['page'], 10, 0))?.code).toBe('no-effect');
    expect(b.by('bob', move('all', 10, 0))).toBeNull();
    expect([shape(b.state, 'page').m, shape(b.state, 'r').m]).toEqual([at(0, 0), at(210, 0)]);
    expect(b.by('bob', { k: 'erase', ids: ['page'] })?.code).toBe('no-effect');
    expect(b.by('bob', { k: 'clear' })).toBeNull();
    expect(visibleItems(b.state).map((i) => i.id)).toEqual(['page']);
    b.by('bob', { k: 'undo' });
    // Unlocked by anyone, it moves and erases again; undoing the unlock locks it again.
    expect(b.by('bob', set(['page'], { lock: 0 }))).toBeNull();
    expect(b.by('bob', move(['page'], 10, 0))).toBeNull();
    expect(shape(b.state, 'page').m).toEqual(at(10, 0));
    b.by('bob', { k: 'undo' });
    b.by('bob', { k: 'undo' });
    expect(shape(b.state, 'page').lock).toBe(1);
    // Locked since someone's move: their undo leaves it where it is.
    b.by('ann', move(['r'], 0, 10));
    b.by('bob', set(['r'], { lock: 1 }));
    b.by('ann', { k: 'undo' });
    expect(shape(b.state, 'r').m).toEqual(at(210, 10));
    // Ink has no lock: a set of it alone changes nothing.
    b.by('ann', add({ id: 'ink', type: 'ink', m: at(0, 0), color: '#2f9e44', sw: 4, p: encodePoints([{ x: 1, y: 1 }], false) }));
    expect(b.by('ann', set(['ink'], { lock: 1 }))?.code).toBe('no-effect');
  });

  it('refuses transforms that would leave the board, and elements past the board’s limit', () => {
    const b = board();
    b.by('ann', add(rect('r')));
    const far = { k: 'xf', v: 1, ids: ['r'], m: [1, 0, 0, 1, 3_000_000, 0] } as Op;
    expect(b.by('ann', far)).toBeNull();
    expect(b.by('ann', far)?.reason).toMatch(/out of range/);
    expect(shape(b.state, 'r').m).toEqual(at(3_000_000, 0));
    const full = board();
    const batch = (n: number, from: number) => add(...Array.from({ length: n }, (_, i) => rect(`e${from + i}`)));
    for (let i = 0; i < LIMITS.maxElements; i += LIMITS.maxElementsPerOp) expect(full.by('ann', batch(LIMITS.maxElementsPerOp, i))).toBeNull();
    expect(full.by('ann', batch(1, LIMITS.maxElements))?.reason).toMatch(/at most/);
  });

  it('counts elements and their text in the board’s weight', () => {
    expect(recordWeight(add(rect('a'), rect('b')))).toBe(32);
    expect(recordWeight(set(['a'], { text: 'x'.repeat(160) }))).toBe(12);
  });

  it('an element operation of a version this code does not know is ignored, as every reader ignores it', () => {
    const b = board();
    expect(b.by('ann', { k: 'add', v: 2, els: [rect('r')] } as unknown as Op)?.reason).toMatch(/version 2/);
    expect(b.state.shapes.size).toBe(0);
  });

  it('the edge refuses what the fold would: over-long text, a matrix that flattens, ops with two targets', () => {
    const op = (o: object) => parseClientMessage(JSON.stringify({ t: 'op', s: 1, o }));
    expect(op({ k: 'set', v: 1, ids: ['a'], p: { text: 'x'.repeat(LIMITS.maxTextLength + 1) } }).ok).toBe(false);
    expect(op({ k: 'xf', v: 1, ids: ['a'], m: [1, 2, 2, 4, 0, 0] }).ok).toBe(false);
    expect(op({ k: 'xf', v: 1, ids: ['a'], all: 1, m: at(1, 1) }).ok).toBe(false);
    expect(op({ k: 'xf', v: 1, ids: ['a'], m: [Infinity, 0, 0, 1, 0, 0] }).ok).toBe(false);
    expect(op({ k: 'add', v: 1, els: [rect('a', 0, 0, { extra: 1 })] }).ok).toBe(false);
    expect(op({ k: 'set', v: 1, ids: ['a'], p: { sb: { id: 'b', u: 0, v: 0, x: 1 } } }).ok).toBe(false);
    expect(op({ k: 'set', v: 1, ids: ['a'], p: {} }).ok).toBe(false);
    expect(op({ k: 'add', v: 1, els: [rect('a')] }).ok).toBe(true);
  });
});

// ---------------------------------------------------------------------------
// Properties

const SHAPES = ['s0', 's1', 's2'];
type Step = { user: 'ann' | 'bob'; op: ClientOp };
/**
 * Ann only recolours, Bob only moves (by whole units) and fills; both undo
 * and redo. A third person made the shapes, so neither undo removes them.
 */
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ ids: fc.subarray(SHAPES, { minLength: 1 }), color: fc.constantFrom('#e03131', '#2f9e44') }).map(({ ids, color }): Step => ({ user: 'ann', op: set(ids, { color }) as ClientOp })),
  fc.record({ ids: fc.subarray(SHAPES, { minLength: 1 }), dx: fc.integer({ min: -50, max: 50 }), dy: fc.integer({ min: -50, max: 50 }) }).map(({ ids, dx, dy }): Step => ({ user: 'bob', op: move(ids, dx, dy) as ClientOp })),
  fc.record({ dx: fc.integer({ min: -50, max: 50 }) }).map(({ dx }): Step => ({ user: 'bob', op: move('c', dx, 0) as ClientOp })),
  fc.record({ ids: fc.subarray(SHAPES, { minLength: 1 }), fill: fc.constantFrom('#ffec99', null) }).map(({ ids, fill }): Step => ({ user: 'bob', op: set(ids, { fill }) as ClientOp })),
  fc.constantFrom<Step>({ user: 'ann', op: { k: 'undo' } }, { user: 'ann', op: { k: 'redo' } }, { user: 'bob', op: { k: 'undo' } }, { user: 'bob', op: { k: 'redo' } }),
);

function start(): { state: BoardState; m: RecordMaker; records: LogRecord[] } {
  const m = new RecordMaker();
  const records = [m.rec('cat', add(...SHAPES.map((id, i) => rect(id, i * 200, 0))))];
  return { state: foldRecords(records), m, records };
}

const undoAll = (state: BoardState, m: RecordMaker, user: string) => {
  while (applyRecord(state, m.rec(user, { k: 'undo' })) === null);
};

describe('element operations of two people, any interleaving', () => {
  it('property: a page that joins at any point (from a snapshot) ends where the log does', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), fc.nat(), (steps, cut) => {
        const { state, m, records } = start();
        for (const s of steps) {
          const rec = m.rec(s.user, s.op as Op);
          records.push(rec);
          applyRecord(state, rec);
        }
        const at = cut % records.length;
        const joined = fromSnapshot(JSON.parse(JSON.stringify(toSnapshot(foldRecords(records.slice(0, at + 1))))));
        foldRecords(records.slice(at + 1), joined);
        expect(toSnapshot(joined)).toEqual(JSON.parse(JSON.stringify(toSnapshot(state))));
        // A snapshot leaves out fields at their usual value; the state read from it has every one back.
        expect(joined.shapes).toStrictEqual(state.shapes);
        expect(joined.strokes).toStrictEqual(state.strokes);
      }),
      { seed: 18_001, numRuns: 300 },
    );
  });

  it('property: undoing everything one person did leaves everything the other did', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        const { state, m } = start();
        for (const s of steps) applyRecord(state, m.rec(s.user, s.op as Op));
        const moved = SHAPES.map((id) => state.shapes.get(id)!.m);
        const filled = SHAPES.map((id) => state.shapes.get(id)!.fill);
        undoAll(state, m, 'ann');
        // Ann's colours are gone; Bob's moves and fills stand.
        expect(SHAPES.map((id) => state.shapes.get(id)!.color)).toEqual(SHAPES.map(() => '#1e1e1e'));
        expect(SHAPES.map((id) => state.shapes.get(id)!.m)).toEqual(moved);
        expect(SHAPES.map((id) => state.shapes.get(id)!.fill)).toEqual(filled);
        undoAll(state, m, 'bob');
        // And with Bob's undone too, each shape is where it was made (translations by whole units are exact).
        expect(SHAPES.map((id) => state.shapes.get(id)!.m)).toEqual(SHAPES.map((_, i) => at(i * 200, 0)));
      }),
      { seed: 18_002, numRuns: 300 },
    );
  });
});
