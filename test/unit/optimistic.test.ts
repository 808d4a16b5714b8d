/**
 * The page's own pending element operations shown at once (web/src/optimistic.ts):
 * folded onto copies, never onto the confirmed board; the same result as
 * the log will give; drags and typing continued across confirmed records.
 */
import { describe, expect, it } from 'vitest';
import { applyRecord } from '../../server/board/fold.ts';
import type { Matrix } from '../../server/board/elements.ts';
import { emptyBoard, type BoardState } from '../../server/board/state.ts';
import type { ClientOp, LogRecord } from '../../server/protocol/messages.ts';
import { encodePoints } from '../../server/protocol/points.ts';
import { foldPending, linesStuckTo } from '../../web/src/optimistic.ts';

const me = { user: 'u1', cid: 'c1', name: 'Ann' };
const at = (x: number, y: number): Matrix => [1, 0, 0, 1, x, y];
const op = (o: object) => o as ClientOp;

function boardWith(ops: ClientOp[], author = me): BoardState {
  const state = emptyBoard();
  ops.forEach((o, i) => applyRecord(state, { board: 'b', pos: i, ts: i, user: author.user, cid: author.cid, seq: i + 1, name: author.name, op: o } as LogRecord));
  return state;
}

const RECT = { id: 'r', type: 'rect', m: at(0, 0), w: 100, h: 50, color: '#1e1e1e', sw: 2 };
const ELLIPSE = { id: 'e', type: 'ellipse', m: at(300, 0), w: 100, h: 100, color: '#1e1e1e', sw: 2 };
const ARROW = { id: 'a', type: 'arrow', m: at(0, 0), pts: [100, 25, 300, 50], color: '#1e1e1e', sw: 2, sb: { id: 'r', u: 1, v: 0.5 }, eb: { id: 'e', u: 0, v: 0.5 } };

describe('optimistic display of pending element operations', () => {
  it('shows a pending add, set and xf on copies, leaving the confirmed board untouched', () => {
    const state = boardWith([op({ k: 'add', v: 1, els: [RECT] })]);
    const before = structuredClone(state.shapes.get('r'));
    const overlay = foldPending(
      state,
      [op({ k: 'add', v: 1, els: [ELLIPSE] }), op({ k: 'set', v: 1, ids: ['r'], p: { color: '#e03131' } }), op({ k: 'xf', v: 1, ids: ['r'], m: at(10, 20) })],
      me,
    );
    expect(overlay.items.get('r')).toMatchObject({ color: '#e03131', m: at(10, 20) });
    expect(overlay.items.get('e')).toMatchObject({ type: 'ellipse', m: at(300, 0) });
    expect(state.shapes.get('r')).toEqual(before);
    expect(state.shapes.has('e')).toBe(false);
  });

  it('continues a drag whose first xf is already confirmed', () => {
    const state = boardWith([op({ k: 'add', v: 1, els: [RECT] }), op({ k: 'xf', v: 1, ids: ['r'], m: at(5, 0) })]);
    const overlay = foldPending(state, [op({ k: 'xf', v: 1, c: 1, m: at(5, 0) }), op({ k: 'xf', v: 1, c: 1, m: at(0, 7) })], me);
    expect(overlay.items.get('r')!.m).toEqual(at(10, 7));
    // The confirmed action is not changed by the preview.
    expect(state.actions.get(1)!.m).toEqual(at(5, 0));
  });

  it('continues typing as the log will: a `c: 1` set goes to the elements of the last set', () => {
    const state = boardWith([op({ k: 'add', v: 1, els: [{ id: 't', type: 'text', m: at(0, 0), w: 0, h: 25, color: '#1e1e1e', text: '', fs: 20 }] })]);
    const overlay = foldPending(state, [op({ k: 'set', v: 1, ids: ['t'], p: { text: 'H' } }), op({ k: 'set', v: 1, c: 1, p: { text: 'Hi', w: 14 } })], me);
    expect(overlay.items.get('t')).toMatchObject({ text: 'Hi', w: 14 });
  });

  it('a continuation of another page’s change is refused, as the log would refuse it', () => {
    const state = boardWith([op({ k: 'add', v: 1, els: [RECT] }), op({ k: 'xf', v: 1, ids: ['r'], m: at(5, 0) })], { user: 'u1', cid: 'other', name: 'Ann' });
    const overlay = foldPending(state, [op({ k: 'xf', v: 1, c: 1, m: at(5, 0) })], me);
    expect(overlay.items.get('r')?.m ?? state.shapes.get('r')!.m).toEqual(at(5, 0));
  });

  it('moves ink and everything with `all: 1`, and hides what a pending erase takes', () => {
    const ink = { id: 'i', type: 'ink', m: at(0, 0), color: '#1e1e1e', sw: 4, p: encodePoints([{ x: 0, y: 0 }, { x: 10, y: 10 }], false) };
    const state = boardWith([op({ k: 'add', v: 1, els: [RECT, ink] })]);
    const overlay = foldPending(state, [op({ k: 'xf', v: 1, all: 1, m: at(1, 2) }), op({ k: 'erase', ids: ['r'] })], me);
    expect(overlay.items.get('i')).toMatchObject({ m: at(1, 2) });
    expect(overlay.items.get('r')!.m).toEqual(at(1, 2));
    expect([...overlay.erased]).toEqual(['r']);
  });

  it('stops at an undo: what it takes back depends on the log', () => {
    const state = boardWith([op({ k: 'add', v: 1, els: [RECT] })]);
    const overlay = foldPending(state, [op({ k: 'undo' }), op({ k: 'xf', v: 1, ids: ['r'], m: at(5, 0) })], me);
    expect(overlay.items.size).toBe(0);
  });

  it('unsticks a line moved without its elements, and names the lines stuck to moved elements', () => {
    const state = boardWith([op({ k: 'add', v: 1, els: [RECT, ELLIPSE, ARROW] })]);
    const moveArrow = foldPending(state, [op({ k: 'xf', v: 1, ids: ['a'], m: at(0, 100) })], me);
    expect(moveArrow.items.get('a')).toMatchObject({ sb: null, eb: null });
    expect(state.shapes.get('a')!.sb).not.toBeNull();
    expect(linesStuckTo(state.shapes.values(), new Set(['e']))).toEqual(['a']);
    expect(linesStuckTo(state.shapes.values(), new Set(['x']))).toEqual([]);
    // The elements it came off were read, not changed: they are not shown as changing (a drag would take them out of the tiles).
    expect([...moveArrow.items.keys()]).toEqual(['a']);
  });

  it('nothing pending, nothing copied', () => {
    const state = boardWith([op({ k: 'add', v: 1, els: [RECT] })]);
    expect(foldPending(state, [op({ k: 'undo' })], me).items.size).toBe(0);
    expect(foldPending(state, [], me).items.size).toBe(0);
  });
});
