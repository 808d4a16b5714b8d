/**
 * The renderer reads only what changed (web/src/scene-index.ts with a scene
 * that names its changes, server/board/changed-items.ts for the log's
 * records): whatever two people do, in any order, that picture equals the
 * one a full read of the board gives, settled items and live ones alike.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { itemsChangedBy } from '../../server/board/changed-items.ts';
import type { Matrix } from '../../server/board/elements.ts';
import { applyRecord } from '../../server/board/fold.ts';
import { emptyBoard, isVisible, itemOf, visibleItems, type BoardState } from '../../server/board/state.ts';
import type { LogRecord, Op } from '../../server/protocol/messages.ts';
import { encodePoints } from '../../server/protocol/points.ts';
import { linesStuckTo, StuckLines } from '../../web/src/optimistic.ts';
import { SceneIndex, SETTLE_MS } from '../../web/src/scene-index.ts';
import type { ChangingScene, SceneItem } from '../../web/src/scene.ts';

const at = (x: number, y: number): Matrix => [1, 0, 0, 1, x, y];
const COLORS = ['#e03131', '#2f9e44', '#1971c2'];

/** A board folded from records, telling what each record changed, its stuck lines indexed as the page does (one changed item at a time). */
class LogScene implements ChangingScene {
  readonly state: BoardState = emptyBoard();
  private changed: Set<string> = new Set();
  readonly stuck = new StuckLines();
  constructor(readonly live: Set<string>) {}

  fold(rec: LogRecord): void {
    const verdict = applyRecord(this.state, rec);
    for (const id of itemsChangedBy(this.state, rec, verdict)) {
      this.changed.add(id);
      this.stuck.update(id, this.state.shapes.get(id));
    }
  }
  changes(): ReadonlySet<string> {
    const changed = new Set([...this.changed, ...this.live]);
    this.changed = new Set();
    return changed;
  }
  item(id: string): SceneItem | undefined {
    const item = itemOf(this.state, id);
    return item && isVisible(item) ? item : undefined;
  }
  linesStuckTo(ids: ReadonlySet<string>): Iterable<string> {
    return new Set([...ids].flatMap((id) => [...this.stuck.linesOf(id)]));
  }
  items(): Iterable<SceneItem> {
    return visibleItems(this.state);
  }
  isLive(id: string): boolean {
    return this.live.has(id);
  }
}

/** What the renderer holds: each settled item's bounds, and the live items in order. */
function picture(index: SceneIndex) {
  const settled = [...index.settled.values()].map((g) => [g.id, [g.minX, g.minY, g.maxX, g.maxY].map((v) => Math.round(v * 1000) / 1000)] as const);
  return { settled: new Map(settled), live: index.live.map((g) => g.id), searched: index.index.all().map((g) => g.id).sort() };
}

type Act = (ids: string[], user: string, made: () => string) => Op | Op[] | null;
const pick = (ids: string[], n: number) => ids[n % Math.max(1, ids.length)];

const acts: fc.Arbitrary<Act>[] = [
  fc.record({ x: fc.integer({ min: 0, max: 400 }), type: fc.constantFrom('rect', 'ellipse', 'note') }).map(({ x, type }) => (_ids, _u, made) => ({ k: 'add', v: 1, els: [{ id: made(), type, m: at(x, 0), w: 60, h: 40, color: '#1e1e1e', ...(type === 'note' ? { fill: '#ffec99', text: 'hi there' } : { sw: 2 }) }] }) as Op),
  fc.record({ a: fc.nat(), b: fc.nat() }).map(({ a, b }) => (ids, _u, made) => {
    const boxes = ids.filter((id) => id.startsWith('s') && !id.endsWith('-line'));
    if (boxes.length < 2) return null;
    return { k: 'add', v: 1, els: [{ id: `${made()}-line`, type: 'arrow', m: at(0, 0), pts: [0, 0, 10, 10], color: '#1e1e1e', sw: 2, sb: { id: pick(boxes, a), u: 1, v: 0.5 }, eb: { id: pick(boxes, b + 1), u: 0, v: 0.5 } }] } as Op;
  }),
  fc.integer({ min: 0, max: 400 }).map((x) => (_ids, _u, made) => {
    const id = made().replace('s', 'k');
    return [
      { k: 'begin', id, color: '#000000', w: 4, p: encodePoints([{ x, y: 100 }, { x: x + 5, y: 120 }], false) },
      { k: 'ext', id, p: encodePoints([{ x: x + 9, y: 130 }], false) },
      { k: 'end', id },
    ] as Op[];
  }),
  fc.record({ n: fc.nat(), color: fc.constantFrom(...COLORS) }).map(({ n, color }) => (ids) => (ids.length ? ({ k: 'set', v: 1, ids: [pick(ids, n)], p: { color } } as Op) : null)),
  fc.record({ n: fc.nat(), z: fc.integer({ min: -5, max: 500 }) }).map(({ n, z }) => (ids) => (ids.length ? ({ k: 'set', v: 1, ids: [pick(ids, n)], p: { z } } as Op) : null)),
  fc.record({ n: fc.nat(), dx: fc.integer({ min: -30, max: 30 }) }).map(({ n, dx }) => (ids) => (ids.length ? ({ k: 'xf', v: 1, ids: [pick(ids, n), pick(ids, n + 2)], m: at(dx, 3) } as Op) : null)),
  fc.integer({ min: -30, max: 30 }).map((dx) => () => ({ k: 'xf', v: 1, c: 1, m: at(dx, 0) }) as Op),
  fc.integer({ min: -30, max: 30 }).map((dx) => () => ({ k: 'xf', v: 1, all: 1, m: at(dx, dx) }) as Op),
  fc.nat().map((n) => (ids) => (ids.length ? ({ k: 'erase', ids: [pick(ids, n)] } as Op) : null)),
  fc.constant(() => ({ k: 'undo' }) as Op),
  fc.constant(() => ({ k: 'redo' }) as Op),
  fc.constant(() => ({ k: 'clear' }) as Op),
  // The owner takes back one person's work since some moment (the board is owned by 'o').
  fc.record({ whom: fc.constantFrom('ann', 'bob'), from: fc.integer({ min: 0, max: 60 }) }).map(({ whom, from }) => () => ({ k: 'revert', user: whom, from, to: 10 ** 9, by: 'o' }) as Op),
];

// Boxes and lines stuck to them twice as often: what is stuck is what a partial read could miss.
const step = fc.record({ who: fc.constantFrom('ann', 'bob'), act: fc.oneof(acts[0]!, acts[1]!, ...acts), wait: fc.constantFrom(0, 16, 16, 400, SETTLE_MS + 5), live: fc.option(fc.nat(), { nil: undefined }) });

describe('reading only what changed', () => {
  it('a line stuck to a box that moves is read again, though no record names it', () => {
    const scene = new LogScene(new Set());
    const index = new SceneIndex(scene);
    const rec = (pos: number, op: object) => scene.fold({ board: 'b', pos, ts: pos, user: 'ann', cid: 'c-ann', seq: pos, name: 'ann', op } as LogRecord);
    rec(0, { k: 'add', v: 1, els: [{ id: 'a', type: 'rect', m: at(0, 0), w: 60, h: 40, color: '#1e1e1e', sw: 2 }, { id: 'b', type: 'rect', m: at(200, 0), w: 60, h: 40, color: '#1e1e1e', sw: 2 }] });
    rec(1, { k: 'add', v: 1, els: [{ id: 'line', type: 'line', m: at(0, 0), pts: [0, 0, 10, 10], color: '#1e1e1e', sw: 2, sb: { id: 'a', u: 1, v: 0.5 }, eb: { id: 'b', u: 0, v: 0.5 } }] });
    index.update(0);
    expect(index.boundsOf('line')!.maxX).toBeCloseTo(201, 0);
    rec(2, { k: 'xf', v: 1, ids: ['b'], m: at(100, 0) });
    const change = index.update(16);
    expect(change.removed.map((g) => g.id).sort()).toEqual(['b', 'line']);
    expect(index.live.map((g) => g.id)).toEqual(['b', 'line']);
    expect(index.boundsOf('line')!.maxX).toBeCloseTo(301, 0);
  });

  it('property: after any operations of two people, the picture equals a full read of the board', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 5, maxLength: 60, size: 'large' }), (steps) => {
        const live = new Set<string>();
        const scene = new LogScene(live);
        const full = new SceneIndex({ items: () => scene.items(), isLive: (id) => live.has(id) });
        const some = new SceneIndex(scene);
        let pos = 0;
        let made = 0;
        let now = 0;
        const seqs = new Map<string, number>();
        scene.fold({ board: 'b', pos: pos++, ts: pos, user: 'teacher', cid: 'c-teacher', seq: 1, op: { k: 'own', owner: 'o' } });
        for (const { who, act, wait, live: liveAt } of steps) {
          const ids = visibleItems(scene.state).map((item) => item.id);
          const ops = act(ids, who, () => `s${++made}`);
          for (const op of ops === null ? [] : Array.isArray(ops) ? ops : [ops]) {
            const seq = (seqs.get(who) ?? 0) + 1;
            seqs.set(who, seq);
            scene.fold({ board: 'b', pos: pos++, ts: pos, user: who, cid: `c-${who}`, seq, name: who, op } as LogRecord);
          }
          // Sometimes an item becomes live on the page (a drag) or stops being live.
          if (liveAt !== undefined && ids.length > 0) {
            const id = pick(ids, liveAt)!;
            if (live.has(id)) live.delete(id);
            else live.add(id);
          }
          now += wait;
          full.update(now);
          some.update(now);
          expect(picture(some)).toEqual(picture(full));
          // The lines indexed one change at a time are those a scan of the board finds.
          for (const id of scene.state.shapes.keys()) expect([...scene.stuck.linesOf(id)].sort()).toEqual(linesStuckTo(scene.state.shapes.values(), new Set([id])).sort());
        }
      }),
      { numRuns: 300 },
    );
  });
});
