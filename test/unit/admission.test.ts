import { describe, expect, it } from 'vitest';
import { applyRecord, REFUSALS } from '../../server/board/fold.ts';
import { emptyBoard, visibleStrokes, type BoardState } from '../../server/board/state.ts';
import type { NewRecord } from '../../server/log/board-log.ts';
import type { LogRecord, Op } from '../../server/protocol/messages.ts';
import { encodePoints } from '../../server/protocol/points.ts';
import { Admission } from '../../server/rooms/admission.ts';

const p = encodePoints([{ x: 1, y: 2 }, { x: 3, y: 4 }], false);

/** One board as a room sees it: the folded log and the admission in front of it. */
class Board {
  readonly state: BoardState = emptyBoard();
  readonly admission = new Admission(this.state);
  private pos = 0;

  record(user: string, seq: number, op: Op): NewRecord {
    return { board: 'b', user, cid: `c-${user}`, seq, op };
  }

  /** The log appends a record and hands it back, as the subscription does. */
  logged(record: NewRecord): LogRecord {
    const rec: LogRecord = { ...record, pos: this.pos++, ts: 1_000 + this.pos };
    this.admission.logged(rec, applyRecord(this.state, rec));
    return rec;
  }
}

const visible = (state: BoardState) => visibleStrokes(state).map((s) => s.id);

describe('admission: an operation reaches the log only if the fold will apply it there', () => {
  it('judges an operation against everything admitted before it, not yet logged', () => {
    const board = new Board();
    const begin = board.record('ann', 1, { k: 'begin', id: 's1', color: '#000000', w: 2, p });
    const ext = board.record('ann', 2, { k: 'ext', id: 's1', p });
    const end = board.record('ann', 3, { k: 'end', id: 's1' });
    for (const r of [begin, ext, end]) expect(board.admission.admit(r)).toBeNull();
    // None of them is in the log yet, yet a second end is already refused.
    expect(board.admission.admit(board.record('ann', 4, { k: 'end', id: 's1' }))).toBe(REFUSALS.strokeEnded);
    expect(board.admission.admit(board.record('bob', 1, { k: 'ext', id: 's1', p }))).toBe(REFUSALS.notYourStroke);
    expect(board.admission.admit(board.record('ann', 2, { k: 'undo' }))).toBe(REFUSALS.duplicate);
    for (const r of [begin, ext, end]) board.logged(r);
    expect(board.state.strokes.get('s1')).toMatchObject({ n: 4, ended: true });
    expect(board.admission.state.size).toBe(board.state.size);
    expect(visible(board.admission.state)).toEqual(visible(board.state));
  });

  it('two people erasing one stroke on two instances: the second erase is refused once the first is in', () => {
    const board = new Board();
    board.logged(board.record('ann', 1, { k: 'begin', id: 's1', color: '#000000', w: 2, p }));
    // This instance admits Bob's erase; another instance's erase by Cat lands first.
    const bob = board.record('bob', 1, { k: 'erase', ids: ['s1'] });
    expect(board.admission.admit(bob)).toBeNull();
    board.logged(board.record('cat', 1, { k: 'erase', ids: ['s1'] }));
    board.logged(bob);
    // Bob's erase changed nothing in the log; the admission is back in step with the board.
    expect(board.admission.admit(board.record('bob', 2, { k: 'undo' }))).toBe(REFUSALS.nothingToUndo);
    expect(board.admission.admit(board.record('cat', 2, { k: 'undo' }))).toBeNull();
  });

  it('an append that fails is forgotten: what depended on it is refused', () => {
    const board = new Board();
    const begin = board.record('ann', 1, { k: 'begin', id: 's1', color: '#000000', w: 2, p });
    expect(board.admission.admit(begin)).toBeNull();
    board.admission.failed(begin);
    expect(board.admission.admit(board.record('ann', 2, { k: 'ext', id: 's1', p }))).toBe(REFUSALS.notYourStroke);
    // Sent again, the same operation is admitted again.
    expect(board.admission.admit(begin)).toBeNull();
  });
});
