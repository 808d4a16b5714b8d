/**
 * How the embedded log stores board states: in parts shared between the
 * states of a board (server/log/snapshots/state-parts.ts), thinned to a
 * bounded number (thinning.ts). Boards come from the seed tool, drawn as
 * people draw: records of 2-4 points, undo, erase, shapes moved.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyRecord } from '../../server/board/fold.ts';
import { emptyBoard } from '../../server/board/state.ts';
import type { BoardLog, NewRecord } from '../../server/log/board-log.ts';
import { encodeState } from '../../server/log/snapshots/snapshot-codec.ts';
import { assembleState, partsOf, stateInParts } from '../../server/log/snapshots/state-parts.ts';
import { statesToDrop } from '../../server/log/snapshots/thinning.ts';
import type { LogRecord } from '../../server/protocol/messages.ts';
import { seedBoard } from '../../scripts/seed/realistic-board.ts';

/** The seed tool's records, in order, with positions and times as a log gives them. */
async function seededRecords(points: number, elements: number): Promise<LogRecord[]> {
  const records: LogRecord[] = [];
  let now = Date.parse('2026-12-01T09:00:00Z');
  const sink = {
    append: async (record: NewRecord) => {
      const stored: LogRecord = { ...record, pos: records.length, ts: now };
      records.push(stored);
      return stored;
    },
  } as unknown as BoardLog;
  await seedBoard(sink, 'b', { points, seed: 7, elements, inFlight: 1, stamp: (ts) => (now = ts) });
  return records;
}

describe('a stored state in parts', () => {
  it('puts back exactly the bytes of the whole state, all along a board', async () => {
    const records = await seededRecords(60_000, 400);
    const state = emptyBoard();
    let checked = 0;
    for (const rec of records) {
      applyRecord(state, rec);
      if (rec.pos % 5_000 === 4_999 || rec.pos === records.length - 1) {
        const { recipe, parts } = stateInParts(state);
        const assembled = assembleState(recipe, (name) => Buffer.from(parts.get(name)!));
        expect(assembled.equals(encodeState(state))).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(4);
    expect(state.shapes.size).toBeGreaterThan(0);
  });

  it('shares most of its parts with the states stored before it: storing many costs a few times one', async () => {
    const records = await seededRecords(200_000, 400);
    const state = emptyBoard();
    const unique = new Map<string, number>();
    let states = 0;
    let whole = 0;
    let sumOfWholes = 0;
    for (const rec of records) {
      applyRecord(state, rec);
      if (rec.pos % 5_000 === 4_999 || rec.pos === records.length - 1) {
        const { recipe, parts } = stateInParts(state);
        for (const [name, text] of parts) unique.set(name, text.length);
        whole = parts.size === 0 ? 0 : [...parts.values()].reduce((sum, text) => sum + text.length, 0);
        sumOfWholes += whole;
        states++;
        expect(partsOf(recipe).length).toBe(parts.size);
      }
    }
    expect(states).toBeGreaterThanOrEqual(18);
    const stored = [...unique.values()].reduce((sum, n) => sum + n, 0);
    // Whole copies would cost about states / 2 times the last state (each
    // as big as the board was then); parts cost the last state and what
    // changed between states.
    expect(sumOfWholes / whole).toBeGreaterThan(states / 2 - 1);
    expect(stored / whole).toBeLessThan(4);
    expect(stored).toBeLessThan(sumOfWholes / 2);
  });
});

describe('thinning stored states', () => {
  const stored = (every: number, count: number, keep: number) => {
    let kept: number[] = [];
    for (let i = 1; i <= count; i++) {
      kept.push(i * every);
      const dropped = new Set(statesToDrop(kept, keep));
      kept = kept.filter((p) => !dropped.has(p));
    }
    return kept;
  };

  it('keeps the newest state and at most `keep` of them', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50_000 }), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 40 }), (every, count, keep) => {
        const kept = stored(every, count, keep);
        expect(kept.length).toBe(Math.min(count, keep));
        expect(kept[kept.length - 1]).toBe(count * every);
      }),
    );
  });

  it('keeps them spread over the history, so a seek anywhere folds at most about 2 x history / keep records', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1_000, max: 50_000 }), fc.integer({ min: 1, max: 400 }), fc.integer({ min: 4, max: 64 }), (every, count, keep) => {
        const kept = stored(every, count, keep);
        const history = count * every;
        let gap = 0;
        let previous = -1;
        for (const pos of kept) {
          gap = Math.max(gap, pos - previous);
          previous = pos;
        }
        expect(gap).toBeLessThanOrEqual(Math.max(every, (2 * history) / keep + every));
      }),
    );
  });

  it('drops none while there are no more than `keep`', () => {
    expect(statesToDrop([5, 10, 15], 3)).toEqual([]);
  });
});

