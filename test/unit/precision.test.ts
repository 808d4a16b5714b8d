/**
 * Strokes drawn zoomed in carry a precision (q): the fold keeps it, joins
 * the stroke's chunks into one that decodes to the same world points, and
 * a fork copies it (or the forked strokes would come out 2^q times larger).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { foldRecords } from '../../server/board/fold.ts';
import { strokePoints } from '../../server/board/outline.ts';
import { planFork } from '../../server/history/fork.ts';
import { EmbeddedLog } from '../../server/log/embedded-log.ts';
import { encodePoints } from '../../server/protocol/points.ts';
import { RecordMaker } from '../support/records.ts';

const first = [{ x: 10.25, y: -4.5 }, { x: 10.5, y: -4.25 }];
const second = [{ x: 11, y: -4 }, { x: 11.75, y: -3.5 }, { x: 12, y: -3.25 }];

describe('stroke precision', () => {
  it('the fold keeps q and a settled stroke is one chunk of the same world points', () => {
    const make = new RecordMaker('board');
    const state = foldRecords([
      make.rec('ann', { k: 'begin', id: 's1', color: '#1e1e1e', w: 2, q: 2, p: encodePoints(first, false, 2) }),
      make.rec('ann', { k: 'ext', id: 's1', p: encodePoints(second, false, 2) }),
      make.rec('ann', { k: 'end', id: 's1' }),
    ]);
    const stroke = state.strokes.get('s1')!;
    expect(stroke.q).toBe(2);
    expect(stroke.chunks).toHaveLength(1);
    expect(strokePoints(stroke)).toEqual([...first, ...second]);
  });

  it('a fork writes the stroke with its precision', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'precision-'));
    const log = new EmbeddedLog(dir);
    try {
      const base = { board: 'src', user: 'ann', cid: 'ann-page' };
      await log.append({ ...base, seq: 1, op: { k: 'begin', id: 's1', color: '#1e1e1e', w: 2, q: 2, p: encodePoints(first, false, 2) } });
      await log.append({ ...base, seq: 2, op: { k: 'ext', id: 's1', p: encodePoints(second, false, 2) } });
      const last = await log.append({ ...base, seq: 3, op: { k: 'end', id: 's1' } });
      const records = await planFork(log, 'src', last.ts + 1, 'copy', { owner: 'owner-hash', key: 'key-hash' });
      const copy = foldRecords(records.map((r, pos) => ({ ...r, pos, ts: last.ts })));
      expect(strokePoints(copy.strokes.get('s1')!)).toEqual([...first, ...second]);
    } finally {
      await log.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
