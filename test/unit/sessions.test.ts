import { describe, expect, it } from 'vitest';
import { SessionSplitter } from '../../server/history/sessions.ts';
import { RecordMaker } from '../support/records.ts';

describe('drawing sessions', () => {
  it('cut the history at idle gaps and count strokes and participants', () => {
    const m = new RecordMaker();
    const at = (ts: number, rec: ReturnType<RecordMaker['rec']>) => ({ ...rec, ts });
    const records = [
      at(1_000, m.begin('ann', 'a1')),
      at(2_000, m.rec('ann', { k: 'end', id: 'a1' })),
      at(3_000, m.begin('bob', 'b1')),
      // an hour later: Ann only undoes
      at(3_600_000, m.rec('ann', { k: 'undo' })),
    ];
    const splitter = new SessionSplitter(10 * 60_000);
    for (const r of records) splitter.add(r);
    expect(splitter.finish()).toEqual([
      { start: 1_000, end: 3_000, fromPos: 0, toPos: 2, strokes: 2, records: 3, participants: [{ user: 'ann', name: 'ann' }, { user: 'bob', name: 'bob' }] },
      { start: 3_600_000, end: 3_600_000, fromPos: 3, toPos: 3, strokes: 0, records: 1, participants: [{ user: 'ann', name: 'ann' }] },
    ]);
  });

  it('an empty history has no sessions', () => {
    expect(new SessionSplitter(1).finish()).toEqual([]);
  });
});
