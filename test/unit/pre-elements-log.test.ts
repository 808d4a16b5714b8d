/**
 * A log written by the code of before elements (test/fixtures/pre-elements:
 * a seeded board of four people drawing, erasing, undoing and redoing, then
 * a claim, a clear and its undo, and a stroke left open), with the board
 * that code folded from it. Today's fold must make the same board of it:
 * any record ever written stays readable, and means what it meant.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { foldRecords } from '../../server/board/fold.ts';
import { fromSnapshot, toSnapshot, type BoardSnapshot } from '../../server/board/snapshot.ts';
import type { LogRecord } from '../../server/protocol/messages.ts';

const dir = new URL('../fixtures/pre-elements/', import.meta.url);
const records = readFileSync(new URL('log.ndjson', dir), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as LogRecord);
const before = JSON.parse(readFileSync(new URL('board.json', dir), 'utf8')) as Record<string, unknown>;

/** What a board made before owners and board settings is: no owner, not paused, blank and unnamed. */
const BEFORE_OWNERS = { owner: null, keyGen: 0, paused: false, settings: { name: '', paper: 'blank' } };

describe('a log written before elements', () => {
  it('folds to the board it folded to then', () => {
    expect(records.length).toBeGreaterThan(2_000);
    const now = toSnapshot(foldRecords(records));
    expect(now.shapes).toEqual([]);
    // The fixture holds that board as snapshots of its day did (version 3, every field written): read as such a snapshot is read today.
    const then = toSnapshot(fromSnapshot({ ...before, shapes: [], ...BEFORE_OWNERS } as unknown as BoardSnapshot));
    // Actions now carry their time, which that code did not keep.
    expect(now.actions.every((a) => a.ts > 0)).toBe(true);
    const untimed = { ...now, actions: now.actions.map(({ ts: _, ...a }) => a) };
    expect(JSON.parse(JSON.stringify(untimed))).toEqual(JSON.parse(JSON.stringify(then)));
    expect(then.strokes.length).toBeGreaterThan(50);
  });
});
