import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { foldRecords } from '../../server/board/fold.ts';
import { addToSessions, emptySessions, listSessions, SESSION_GAP_MS } from '../../server/board/sessions.ts';
import { fromSnapshot, toSnapshot, type BoardSnapshot } from '../../server/board/snapshot.ts';
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
    const sessions = emptySessions();
    for (const r of records) addToSessions(sessions, r, 10 * 60_000);
    expect(listSessions(sessions, 10 * 60_000)).toEqual([
      { start: 1_000, end: 3_000, fromPos: 0, toPos: 2, strokes: 2, records: 3, participants: [{ user: 'ann', name: 'ann' }, { user: 'bob', name: 'bob' }] },
      { start: 3_600_000, end: 3_600_000, fromPos: 3, toPos: 3, strokes: 0, records: 1, participants: [{ user: 'ann', name: 'ann' }] },
    ]);
  });

  it('an empty history has no sessions', () => {
    expect(listSessions(emptySessions(), 1)).toEqual([]);
  });
});

describe('drawing sessions in the board state', () => {
  /** Records with idle gaps of seconds to hours between them, from a few people who sometimes rename. */
  const histories = fc.array(
    fc.record({
      gap: fc.oneof(fc.integer({ min: 0, max: 60_000 }), fc.integer({ min: 60_000, max: 3 * 3_600_000 })),
      user: fc.constantFrom('ann', 'bob', 'cy'),
      kind: fc.constantFrom('begin', 'undo', 'claim'),
      name: fc.option(fc.constantFrom('Ann', 'Bob', 'Teacher'), { nil: undefined }),
    }),
    { maxLength: 60 },
  );

  function records(steps: { gap: number; user: string; kind: string; name?: string }[]) {
    const m = new RecordMaker();
    let ts = 1_000;
    return steps.map((step, i) => {
      ts += step.gap;
      const op = step.kind === 'begin' ? m.begin(step.user, `s${i}`).op : step.kind === 'undo' ? ({ k: 'undo' } as const) : ({ k: 'claim', key: 'k' } as const);
      const { name: _name, ...rec } = m.rec(step.user, op);
      return { ...rec, ts, ...(step.name ? { name: step.name } : {}) };
    });
  }

  it('property: any gap of at least SESSION_GAP_MS gives what folding the records at that gap gives', () => {
    fc.assert(
      fc.property(histories, fc.integer({ min: SESSION_GAP_MS, max: 4 * 3_600_000 }), (steps, gap) => {
        const recs = records(steps);
        const direct = emptySessions();
        for (const r of recs) addToSessions(direct, r, gap);
        expect(listSessions(foldRecords(recs).sessions, gap)).toEqual(listSessions(direct, gap));
      }),
    );
  });

  it('property: a state rebuilt from its snapshot midway, folded on, lists the same sessions', () => {
    fc.assert(
      fc.property(histories, fc.nat(), (steps, cut) => {
        const recs = records(steps);
        const at = recs.length === 0 ? 0 : cut % recs.length;
        const resumed = foldRecords(recs.slice(at), fromSnapshot(JSON.parse(JSON.stringify(toSnapshot(foldRecords(recs.slice(0, at))))) as BoardSnapshot));
        expect(listSessions(resumed.sessions)).toEqual(listSessions(foldRecords(recs).sessions));
      }),
    );
  });
});
