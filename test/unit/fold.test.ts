import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyOp, applyRecord, foldRecords, REFUSALS } from '../../server/board/fold.ts';
import { fromSnapshot, toSnapshot } from '../../server/board/snapshot.ts';
import { cloneBoard, emptyBoard, visibleStrokes, type BoardState } from '../../server/board/state.ts';
import type { ClientOp, Op } from '../../server/protocol/messages.ts';
import { loggedOp, validOp } from '../support/frames.ts';
import { LIMITS } from '../../server/protocol/messages.ts';
import { encodePoints } from '../../server/protocol/points.ts';
import { RecordMaker } from '../support/records.ts';

const visible = (state: BoardState) => visibleStrokes(state).map((s) => s.id);

describe('board fold', () => {
  it('draws strokes in log order with their points, author and style', () => {
    const m = new RecordMaker();
    const state = foldRecords([...m.stroke('ann', 's1'), ...m.stroke('bob', 's2')]);
    expect(visible(state)).toEqual(['s1', 's2']);
    const s1 = state.strokes.get('s1')!;
    expect(s1).toMatchObject({ user: 'ann', name: 'ann', color: '#000000', w: 4, n: 3, ended: true });
    expect(state.pos).toBe(5);
  });

  it('ignores extensions of another user’s stroke, of an ended stroke, and of unknown strokes', () => {
    const m = new RecordMaker();
    const p = encodePoints([{ x: 9, y: 9 }], false);
    const state = foldRecords([
      m.begin('ann', 's1'),
      m.rec('bob', { k: 'ext', id: 's1', p }),
      m.rec('ann', { k: 'end', id: 's1' }),
      m.rec('ann', { k: 'ext', id: 's1', p }),
      m.rec('ann', { k: 'ext', id: 'nope', p }),
    ]);
    expect(state.strokes.get('s1')!.n).toBe(2);
  });

  it('erases whole strokes, and undo of the erase brings them back', () => {
    const m = new RecordMaker();
    const state = foldRecords([...m.stroke('ann', 's1'), ...m.stroke('ann', 's2'), m.rec('bob', { k: 'erase', ids: ['s1'] })]);
    expect(visible(state)).toEqual(['s2']);
    applyRecord(state, m.rec('bob', { k: 'undo' }));
    expect(visible(state)).toEqual(['s1', 's2']);
    applyRecord(state, m.rec('bob', { k: 'redo' }));
    expect(visible(state)).toEqual(['s2']);
  });

  it('undo only ever takes back the undoing user’s own actions', () => {
    const m = new RecordMaker();
    const state = foldRecords([...m.stroke('ann', 'a1'), ...m.stroke('bob', 'b1'), ...m.stroke('ann', 'a2')]);
    applyRecord(state, m.rec('bob', { k: 'undo' }));
    expect(visible(state)).toEqual(['a1', 'a2']);
    applyRecord(state, m.rec('ann', { k: 'undo' }));
    expect(visible(state)).toEqual(['a1']);
    applyRecord(state, m.rec('ann', { k: 'redo' }));
    expect(visible(state)).toEqual(['a1', 'a2']);
    // Nothing left for Bob to undo: his stroke stays undone, Ann's stay.
    applyRecord(state, m.rec('bob', { k: 'undo' }));
    expect(visible(state)).toEqual(['a1', 'a2']);
  });

  it('a new action forgets that user’s redo stack but not other users’', () => {
    const m = new RecordMaker();
    const state = foldRecords([...m.stroke('ann', 'a1'), ...m.stroke('bob', 'b1')]);
    applyRecord(state, m.rec('ann', { k: 'undo' }));
    applyRecord(state, m.rec('bob', { k: 'undo' }));
    for (const r of m.stroke('ann', 'a2')) applyRecord(state, r);
    applyRecord(state, m.rec('ann', { k: 'redo' }));
    applyRecord(state, m.rec('bob', { k: 'redo' }));
    expect(visible(state)).toEqual(['b1', 'a2']);
  });

  it('clear hides everything visible and is undoable by whoever cleared', () => {
    const m = new RecordMaker();
    const state = foldRecords([...m.stroke('ann', 'a1'), ...m.stroke('bob', 'b1'), m.rec('bob', { k: 'clear' })]);
    expect(visible(state)).toEqual([]);
    applyRecord(state, m.rec('ann', { k: 'undo' })); // Ann undoes her stroke, not the clear
    applyRecord(state, m.rec('bob', { k: 'undo' })); // Bob undoes the clear
    expect(visible(state)).toEqual(['b1']);
  });

  it('erasing a stroke that is already hidden records nothing to undo', () => {
    const m = new RecordMaker();
    const state = foldRecords([...m.stroke('ann', 'a1'), ...m.stroke('cat', 'c1'), m.rec('bob', { k: 'clear' })]);
    applyRecord(state, m.rec('cat', { k: 'erase', ids: ['a1'] }));
    applyRecord(state, m.rec('cat', { k: 'undo' })); // undoes her stroke c1, the only action she has
    applyRecord(state, m.rec('bob', { k: 'undo' }));
    expect(visible(state)).toEqual(['a1']);
  });

  it('a stroke hidden by two actions comes back only when both are undone', () => {
    const m = new RecordMaker();
    const state = foldRecords([...m.stroke('ann', 'a1'), m.rec('ann', { k: 'erase', ids: ['a1'] }), m.rec('ann', { k: 'undo' })]);
    applyRecord(state, m.rec('bob', { k: 'clear' }));
    applyRecord(state, m.rec('ann', { k: 'redo' })); // Ann's erase hides it a second time
    applyRecord(state, m.rec('bob', { k: 'undo' }));
    expect(visible(state)).toEqual([]);
    applyRecord(state, m.rec('ann', { k: 'undo' }));
    expect(visible(state)).toEqual(['a1']);
  });

  it('skips records it has already folded, so duplicates and overlaps are harmless', () => {
    const m = new RecordMaker();
    const records = m.stroke('ann', 's1');
    const once = foldRecords(records);
    const twice = foldRecords([...records, ...records]);
    expect(toSnapshot(twice)).toEqual(toSnapshot(once));
  });

  it('applies each client op once: a resent (cid, seq) is ignored', () => {
    const m = new RecordMaker();
    const [begin, ext, end] = m.stroke('ann', 's1');
    const undo = m.rec('ann', { k: 'undo' });
    const resentUndo = { ...m.rec('ann', { k: 'undo' }), seq: undo.seq };
    const resentExt = { ...m.rec('ann', ext!.op), seq: ext!.seq };
    const state = foldRecords([begin!, ext!, end!, undo, resentUndo, resentExt]);
    expect(state.strokes.get('s1')).toMatchObject({ n: 3, undone: true });
    expect(state.pos).toBe(resentExt.pos); // the duplicates were read, just not applied
  });

  it('caps a stroke at the point limit and undo history at its depth', () => {
    const m = new RecordMaker();
    const chunk = encodePoints(Array.from({ length: LIMITS.maxPointsPerOp }, (_, i) => ({ x: i, y: 0 })), false);
    const records = [m.rec('ann', { k: 'begin', id: 'big', color: '#000000', w: 2, p: chunk })];
    for (let i = 0; i < 12; i++) records.push(m.rec('ann', { k: 'ext', id: 'big', p: chunk }));
    const state = foldRecords(records);
    expect(state.strokes.get('big')!.n).toBe(LIMITS.maxPointsPerStroke);

    const deep = new RecordMaker();
    const many = foldRecords(Array.from({ length: LIMITS.maxUndoDepth + 5 }, (_, i) => deep.begin('ann', `s${i}`)));
    for (let i = 0; i < LIMITS.maxUndoDepth + 5; i++) applyRecord(many, deep.rec('ann', { k: 'undo' }));
    expect(visible(many)).toEqual(['s0', 's1', 's2', 's3', 's4']);
  });

  it('a snapshot carries everything needed to keep folding identically', () => {
    const m = new RecordMaker();
    const head = [...m.stroke('ann', 'a1'), ...m.stroke('bob', 'b1'), m.rec('ann', { k: 'erase', ids: ['b1'] })];
    const tail = [m.rec('ann', { k: 'undo' }), m.rec('bob', { k: 'undo' }), m.rec('ann', { k: 'redo' })];
    const direct = foldRecords([...head, ...tail]);
    const resumed = foldRecords(tail, fromSnapshot(JSON.parse(JSON.stringify(toSnapshot(foldRecords(head))))));
    expect(toSnapshot(resumed)).toEqual(toSnapshot(direct));
    expect(resumed.strokes).toStrictEqual(direct.strokes);
  });

  it('a snapshot leaves out what is at its usual value, and is read back whole', () => {
    const m = new RecordMaker();
    const state = foldRecords([...m.stroke('ann', 'a1'), ...m.stroke('bob', 'b1'), m.rec('ann', { k: 'erase', ids: ['b1'] }), m.rec('bob', { k: 'begin', id: 'open', color: '#1e1e1e', w: 4, p: encodePoints([{ x: 1, y: 2 }], false) })]);
    const [a1, b1, open] = toSnapshot(state).strokes;
    expect(a1).not.toHaveProperty('ended');
    expect(a1).not.toHaveProperty('hiddenBy');
    expect(a1).not.toHaveProperty('undone');
    expect(b1!.hiddenBy).toHaveLength(1);
    expect(open!.ended).toBe(false);
    expect(fromSnapshot(JSON.parse(JSON.stringify(toSnapshot(state)))).strokes).toStrictEqual(state.strokes);
  });
});

describe('the fold says why it ignores a record', () => {
  it('names each refusal; a refused operation leaves the board as it was', () => {
    const m = new RecordMaker();
    const state = foldRecords([...m.stroke('ann', 'a1'), m.begin('ann', 'a2')]);
    const p = encodePoints([{ x: 1, y: 1 }], false);
    const cases: [string, Op, unknown][] = [
      ['bob', { k: 'ext', id: 'a2', p }, REFUSALS.notYourStroke],
      ['bob', { k: 'end', id: 'a2' }, REFUSALS.notYourStroke],
      ['ann', { k: 'end', id: 'never' }, REFUSALS.notYourStroke],
      ['ann', { k: 'ext', id: 'a1', p }, REFUSALS.strokeEnded],
      ['ann', { k: 'end', id: 'a1' }, REFUSALS.strokeEnded],
      ['bob', { k: 'begin', id: 'a1', color: '#000000', w: 2, p }, REFUSALS.strokeTaken],
      ['ann', { k: 'ext', id: 'a2', p: 'AAA' }, REFUSALS.badPoints],
      ['bob', { k: 'undo' }, REFUSALS.nothingToUndo],
      ['bob', { k: 'redo' }, REFUSALS.nothingToRedo],
      ['bob', { k: 'erase', ids: ['gone'] }, REFUSALS.nothingToErase],
    ];
    for (const [user, op, refusal] of cases) {
      const before = toSnapshot(state);
      const rec = m.rec(user, op);
      expect(applyOp(state, rec)).toBe(refusal);
      expect(toSnapshot(state)).toEqual(before);
    }
    expect(applyOp(state, m.rec('bob', { k: 'clear' }))).toBeNull();
    expect(applyOp(state, m.rec('bob', { k: 'clear' }))).toBe(REFUSALS.nothingToClear);
    expect(applyOp(state, { ...m.rec('ann', { k: 'undo' }), seq: 0 })).toBe(REFUSALS.duplicate);
  });

  it('the first claim sets the edit key; later claims are refused', () => {
    const m = new RecordMaker();
    const state = emptyBoard();
    expect(applyRecord(state, m.rec('ann', { k: 'claim', key: 'hash-a' }))).toBeNull();
    expect(applyRecord(state, m.rec('bob', { k: 'claim', key: 'hash-b' }))).toBe(REFUSALS.claimed);
    expect(state.editKey).toBe('hash-a');
  });

  it('a logged record uses up its sequence number even when ignored, so a copy appended later never applies', () => {
    const m = new RecordMaker();
    const state = foldRecords([m.begin('ann', 'a1')]);
    const ignored = m.rec('ann', { k: 'redo' });
    expect(applyRecord(state, ignored)).toBe(REFUSALS.nothingToRedo);
    applyRecord(state, m.rec('ann', { k: 'undo' }));
    expect(applyRecord(state, { ...ignored, pos: 99 })).toBe(REFUSALS.duplicate);
    expect(visible(state)).toEqual([]);
  });

  it('weighs every record: its points, at least 2', () => {
    const m = new RecordMaker();
    const state = foldRecords([m.begin('ann', 'a1', Array.from({ length: 10 }, (_, i) => ({ x: i, y: i }))), m.rec('ann', { k: 'undo' })]);
    expect(state.size).toBe(12);
  });

  it('property: applyOp either applies an operation or leaves the board exactly as it was', () => {
    const ids = ['s1', 's2', 's3'];
    const users = fc.constantFrom('ann', 'bob');
    fc.assert(
      fc.property(fc.array(fc.tuple(users, validOp(ids)), { minLength: 1, maxLength: 60 }), (steps) => {
        const m = new RecordMaker();
        const state = emptyBoard();
        for (const [user, op] of steps) {
          const before = toSnapshot(cloneBoard(state));
          const verdict = applyOp(state, m.rec(user, loggedOp(op)));
          if (verdict) expect(toSnapshot(state)).toEqual(before);
        }
      }),
      { seed: 9_2029, numRuns: 300 },
    );
  });
});
