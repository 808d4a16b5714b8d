/**
 * What an owner does, as the fold judges it: owning, replacing the edit
 * link, pausing, board settings, and taking back one person's work
 * (board/owner-fold.ts). A revert is checked against the board folded
 * without that person's records: the board as if they had never drawn.
 */
import { describe, expect, it } from 'vitest';
import { applyRecord, foldRecords } from '../../server/board/fold.ts';
import { NOT_OWNER } from '../../server/board/owner-fold.ts';
import { cloneBoard, visibleItems, type BoardState } from '../../server/board/state.ts';
import { ERROR, type LogRecord, type Op } from '../../server/protocol/messages.ts';
import { RecordMaker } from '../support/records.ts';

const BY = 'owner-hash';
const move = (dx: number, dy: number) => [1, 0, 0, 1, dx, dy];
const FILE = 'a'.repeat(64);

/** What a page draws of the board: every visible item, whatever hid or showed it. */
function picture(state: BoardState): unknown[] {
  return visibleItems(state).map((item) => {
    const { hiddenBy: _h, undone: _u, ...drawn } = item;
    return drawn;
  });
}

/** A class: a teacher who owns the board, Ann and Bob drawing, and a vandal. */
function classWithVandal() {
  const m = new RecordMaker();
  const rec = (user: string, op: Op) => m.rec(user, op);
  const add = (user: string, els: Record<string, unknown>[]) => rec(user, { k: 'add', v: 1, els } as Op);
  const shape = { m: move(0, 0), w: 100, h: 60, color: '#1e1e1e', sw: 2 };
  const box = { m: move(0, 0), w: 100, h: 60, color: '#1e1e1e' };
  const before: LogRecord[] = [
    rec('teacher', { k: 'own', owner: BY }),
    ...m.stroke('ann', 'a1'),
    add('ann', [
      { id: 'r1', type: 'rect', ...shape },
      { id: 'e1', type: 'ellipse', ...shape, m: move(200, 0) },
      { id: 'd1', type: 'diamond', ...shape, m: move(400, 0) },
      { id: 't1', type: 'text', ...box, m: move(0, 200), text: 'Photosynthesis', fs: 20 },
      { id: 'n1', type: 'note', ...box, m: move(200, 200), text: 'homework', fill: '#ffec99' },
      { id: 'i1', type: 'image', ...box, m: move(400, 200), file: FILE },
      { id: 'l1', type: 'line', m: move(0, 400), pts: [0, 0, 50, 50], color: '#1e1e1e', sw: 2 },
      { id: 'ar1', type: 'arrow', m: move(0, 0), pts: [0, 0, 300, 300], color: '#1e1e1e', sw: 2, sb: { id: 'r1', u: 1, v: 0.5 } },
    ]),
    ...m.stroke('bob', 'b1'),
  ];
  const vandalStart = m.rec('nobody', { k: 'undo' }).ts; // a record nobody folds: only its time is used
  const vandal: LogRecord[] = [
    rec('vandal', { k: 'xf', v: 1, ids: ['r1', 'e1', 'a1'], m: move(500, 300) } as Op),
    rec('vandal', { k: 'set', v: 1, ids: ['d1', 't1', 'n1', 'l1', 'a1'], p: { color: '#e03131' } } as Op),
    rec('vandal', { k: 'set', v: 1, ids: ['t1'], p: { text: 'ha ha' } } as Op),
    rec('vandal', { k: 'erase', ids: ['i1', 'b1'] }),
    rec('vandal', { k: 'board', v: 1, name: 'pwned', paper: 'dots' } as Op),
    rec('vandal', { k: 'clear' }),
    ...m.stroke('vandal', 'v1'),
    ...m.stroke('vandal', 'v2'),
    add('vandal', [
      { id: 'vr', type: 'rect', ...shape, m: move(10, 10) },
      { id: 'vt', type: 'text', ...box, text: 'scribble', fs: 40 },
      { id: 'vi', type: 'image', ...box, file: FILE },
    ]),
  ];
  // The class goes on after the vandal, drawing over it.
  const after: LogRecord[] = [...m.stroke('bob', 'b2'), add('ann', [{ id: 'r2', type: 'rect', ...shape, m: move(40, 40) }]), rec('ann', { k: 'xf', v: 1, ids: ['r2'], m: move(5, 5) } as Op)];
  const vandalEnd = after[0]!.ts - 1;
  return { m, before, vandal, after, vandalStart, vandalEnd, all: [...before, ...vandal, ...after] };
}

describe('an owner', () => {
  it('owns a board once; replaces its edit link and pauses drawing, and nobody else may', () => {
    const m = new RecordMaker();
    const state = foldRecords([m.rec('teacher', { k: 'own', owner: BY, key: 'edit-0' })]);
    expect(state).toMatchObject({ owner: BY, editKey: 'edit-0', keyGen: 0 });
    expect(applyRecord(state, m.rec('ann', { k: 'own', owner: 'other' }))?.code).toBe(ERROR.noEffect);
    expect(applyRecord(state, m.rec('ann', { k: 'rekey', key: 'mine', gen: 1, by: 'other' }))).toBe(NOT_OWNER);
    expect(applyRecord(state, m.rec('ann', { k: 'pause', on: 1, by: 'other' }))).toBe(NOT_OWNER);
    expect(applyRecord(state, m.rec('teacher', { k: 'rekey', key: 'edit-1', gen: 1, by: BY }))).toBeNull();
    expect(state).toMatchObject({ editKey: 'edit-1', keyGen: 1 });
    // The same replacement sent through a second instance at once: derived for a number the first took.
    expect(applyRecord(state, m.rec('teacher', { k: 'rekey', key: 'edit-1-again', gen: 1, by: BY }))?.code).toBe(ERROR.noEffect);
    expect(state.editKey).toBe('edit-1');
    expect(applyRecord(state, m.rec('teacher', { k: 'pause', on: 1, by: BY }))).toBeNull();
    expect(state.paused).toBe(true);
    expect(applyRecord(state, m.rec('teacher', { k: 'pause', on: 1, by: BY }))?.code).toBe(ERROR.noEffect);
    expect(applyRecord(state, m.rec('teacher', { k: 'pause', on: 0, by: BY }))).toBeNull();
    expect(state.paused).toBe(false);
  });

  it('a board with an edit link may be owned, keeping its link; its link is not replaced by owning', () => {
    const m = new RecordMaker();
    const state = foldRecords([m.rec('ann', { k: 'claim', key: 'old-edit' })]);
    expect(applyRecord(state, m.rec('ann', { k: 'own', owner: BY, key: 'sneaky' }))?.code).toBe(ERROR.refused);
    expect(applyRecord(state, m.rec('ann', { k: 'own', owner: BY }))).toBeNull();
    expect(state).toMatchObject({ owner: BY, editKey: 'old-edit' });
  });

  it('names the board and picks its paper, undone and redone like any action', () => {
    const m = new RecordMaker();
    const state = foldRecords([m.rec('ann', { k: 'board', v: 1, paper: 'squares' } as Op)]);
    expect(state.settings).toEqual({ name: '', paper: 'squares' });
    applyRecord(state, m.rec('bob', { k: 'board', v: 1, name: 'Biology 3B' } as Op));
    applyRecord(state, m.rec('ann', { k: 'undo' }));
    // Ann's undo puts back only what Ann set: Bob's name stands.
    expect(state.settings).toEqual({ name: 'Biology 3B', paper: 'blank' });
    applyRecord(state, m.rec('ann', { k: 'redo' }));
    expect(state.settings).toEqual({ name: 'Biology 3B', paper: 'squares' });
    expect(applyRecord(state, m.rec('bob', { k: 'board', v: 1, paper: 'squares' } as Op))?.code).toBe(ERROR.noEffect);
    expect(applyRecord(state, m.rec('bob', { k: 'board', v: 1, paper: 'graph' } as unknown as Op))?.code).toBe(ERROR.refused);
  });
});

describe("undoing a person's work", () => {
  it('leaves the board as if the vandal had never drawn, for every kind of element, with the class work after it standing', () => {
    const { m, all, vandal, vandalStart } = classWithVandal();
    const state = foldRecords(all);
    const vandalised = picture(state);
    const withoutVandal = foldRecords(all.filter((r) => r.user !== 'vandal'));
    expect(picture(withoutVandal)).not.toEqual(vandalised);

    const revert = m.rec('teacher', { k: 'revert', user: 'vandal', from: vandalStart, to: m.rec('nobody', { k: 'undo' }).ts, by: BY });
    expect(applyRecord(state, revert)).toBeNull();
    expect(picture(state)).toEqual(picture(withoutVandal));
    expect(state.settings).toEqual(withoutVandal.settings);
    // Every kind is on the board again, in place.
    expect(visibleItems(state).map((i) => ('type' in i ? i.type : 'ink')).sort()).toEqual(['arrow', 'diamond', 'ellipse', 'image', 'ink', 'ink', 'ink', 'line', 'note', 'rect', 'rect', 'text']);
    expect(vandal.length).toBeGreaterThan(10);

    // The owner's undo brings the vandal's work back exactly; redo takes it away again.
    expect(applyRecord(state, m.rec('teacher', { k: 'undo' }))).toBeNull();
    expect(picture(state)).toEqual(vandalised);
    expect(applyRecord(state, m.rec('teacher', { k: 'redo' }))).toBeNull();
    expect(picture(state)).toEqual(picture(withoutVandal));
  });

  it('takes back only what was done in the time range, and the person can no longer undo what was taken', () => {
    const m = new RecordMaker();
    const own = m.rec('teacher', { k: 'own', owner: BY });
    const early = [...m.stroke('vandal', 'early'), ...m.stroke('ann', 'a1')];
    const from = m.rec('nobody', { k: 'undo' }).ts;
    const late = [m.rec('vandal', { k: 'erase', ids: ['a1'] }), ...m.stroke('vandal', 'late')];
    const state = foldRecords([own, ...early, ...late]);
    expect(applyRecord(state, m.rec('teacher', { k: 'revert', user: 'vandal', from, to: from + 1_000, by: BY }))).toBeNull();
    expect(visibleItems(state).map((i) => i.id)).toEqual(['early', 'a1']);
    // Their own undo reaches the stroke before the range, not what the owner took.
    expect(applyRecord(state, m.rec('vandal', { k: 'undo' }))).toBeNull();
    expect(visibleItems(state).map((i) => i.id)).toEqual(['a1']);
    expect(applyRecord(state, m.rec('vandal', { k: 'undo' }))?.code).toBe(ERROR.noEffect);
  });

  it("reaches past the person's own undo history: 250 strokes after an erase are all taken back, and the erase too", () => {
    const m = new RecordMaker();
    const records = [m.rec('teacher', { k: 'own', owner: BY }), ...m.stroke('ann', 'a1'), m.rec('vandal', { k: 'erase', ids: ['a1'] })];
    for (let i = 0; i < 250; i++) records.push(...m.stroke('vandal', `v${i}`));
    const state = foldRecords(records);
    expect(state.history.get('vandal')!.undo.length).toBe(200);
    expect(applyRecord(state, m.rec('teacher', { k: 'revert', user: 'vandal', from: 0, to: 2 ** 48 - 1, by: BY }))).toBeNull();
    expect(visibleItems(state).map((i) => i.id)).toEqual(['a1']);
    applyRecord(state, m.rec('teacher', { k: 'undo' }));
    expect(visibleItems(state)).toHaveLength(250);
  });

  it("a drag of theirs that goes on after a revert does not move what they moved before", () => {
    const m = new RecordMaker();
    const add = (id: string, x: number) => m.rec('ann', { k: 'add', v: 1, els: [{ id, type: 'rect', m: move(x, 0), w: 10, h: 10, color: '#1e1e1e', sw: 2 }] } as Op);
    const state = foldRecords([m.rec('teacher', { k: 'own', owner: BY }), add('e1', 0), add('e2', 100)]);
    const from = m.rec('nobody', { k: 'undo' }).ts;
    applyRecord(state, m.rec('vandal', { k: 'xf', v: 1, ids: ['e1'], m: move(5, 0) } as Op));
    const dragFrom = m.rec('nobody', { k: 'undo' }).ts;
    applyRecord(state, m.rec('vandal', { k: 'xf', v: 1, ids: ['e2'], m: move(5, 0) } as Op));
    expect(applyRecord(state, m.rec('teacher', { k: 'revert', user: 'vandal', from: dragFrom, to: 10 ** 9, by: BY }))).toBeNull();
    expect(state.shapes.get('e2')!.m[4]).toBe(100);
    expect(applyRecord(state, m.rec('vandal', { k: 'xf', v: 1, c: 1, m: move(5, 0) } as Op))?.code).toBe(ERROR.refused);
    expect([state.shapes.get('e1')!.m[4], state.shapes.get('e2')!.m[4]]).toEqual([5, 100]);
    expect(from).toBeLessThan(dragFrom);
  });

  it('work they undid before the revert cannot be redone after it', () => {
    const m = new RecordMaker();
    const records = [m.rec('teacher', { k: 'own', owner: BY }), ...m.stroke('vandal', 'junk'), m.rec('vandal', { k: 'undo' })];
    const state = foldRecords(records);
    expect(applyRecord(state, m.rec('teacher', { k: 'revert', user: 'vandal', from: 0, to: 10 ** 9, by: BY }))).toBeNull();
    expect(applyRecord(state, m.rec('vandal', { k: 'redo' }))?.code).toBe(ERROR.noEffect);
    expect(visibleItems(state)).toEqual([]);
  });

  it('two owner pages reverting the same work: a redo takes back only what no other revert holds', () => {
    const m = new RecordMaker();
    const own = m.rec('teacher', { k: 'own', owner: BY });
    const add = m.rec('ann', { k: 'add', v: 1, els: [{ id: 'e1', type: 'rect', m: move(0, 0), w: 10, h: 10, color: '#1e1e1e', sw: 2 }] } as Op);
    const state = foldRecords([own, add, m.rec('bob', { k: 'xf', v: 1, ids: ['e1'], m: move(10, 0) } as Op)]);
    const revert = (user: string) => m.rec(user, { k: 'revert', user: 'bob', from: 0, to: 10 ** 9, by: BY });
    expect(applyRecord(state, revert('owner-laptop'))).toBeNull();
    expect(applyRecord(state, m.rec('owner-laptop', { k: 'undo' }))).toBeNull();
    expect(applyRecord(state, revert('owner-phone'))).toBeNull();
    expect(applyRecord(state, m.rec('owner-laptop', { k: 'redo' }))).toBeNull();
    expect(state.shapes.get('e1')!.m[4]).toBe(0);
    expect(applyRecord(state, m.rec('owner-phone', { k: 'undo' }))).toBeNull();
    expect(state.shapes.get('e1')!.m[4]).toBe(10);
    expect(applyRecord(state, m.rec('owner-laptop', { k: 'undo' }))).toBeNull();
    expect(state.shapes.get('e1')!.m[4]).toBe(10);
  });

  it('keeps at most 1,000 changes per person past their undo history', () => {
    const m = new RecordMaker();
    const add = m.rec('ann', { k: 'add', v: 1, els: [{ id: 'e1', type: 'rect', m: move(0, 0), w: 10, h: 10, color: '#1e1e1e', sw: 2 }] } as Op);
    const records = [add];
    for (let i = 0; i < 1_500; i++) records.push(m.rec('bob', { k: 'set', v: 1, ids: ['e1'], p: { color: i % 2 ? '#e03131' : '#1971c2' } } as Op));
    const state = foldRecords(records);
    expect(state.history.get('bob')!.undo).toHaveLength(200);
    expect(state.history.get('bob')!.kept).toHaveLength(1_000);
    expect([...state.actions.values()].filter((a) => a.user === 'bob')).toHaveLength(1_200);
  });

  it('is the owner’s alone, needs something to take back, and a refused revert changes nothing', () => {
    const { m, all } = classWithVandal();
    const state = foldRecords(all);
    const before = cloneBoard(state);
    expect(applyRecord(state, m.rec('ann', { k: 'revert', user: 'vandal', from: 0, to: 10 ** 9, by: 'ann-hash' }))).toBe(NOT_OWNER);
    expect(applyRecord(state, m.rec('teacher', { k: 'revert', user: 'nobody', from: 0, to: 10 ** 9, by: BY }))?.code).toBe(ERROR.noEffect);
    expect(applyRecord(state, m.rec('teacher', { k: 'revert', user: 'vandal', from: 10, to: 5, by: BY }))?.code).toBe(ERROR.refused);
    expect(picture(state)).toEqual(picture(before));
  });
});
