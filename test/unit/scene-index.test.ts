/**
 * The renderer's picture of the scene (web/src/scene-index.ts): what goes
 * to the tiles and what is painted live, and the select tool's and the
 * eraser's questions, over a board folded from records.
 */
import { describe, expect, it } from 'vitest';
import { foldRecords } from '../../server/board/fold.ts';
import type { Matrix } from '../../server/board/elements.ts';
import { visibleItems, type BoardState } from '../../server/board/state.ts';
import type { Op } from '../../server/protocol/messages.ts';
import { SceneIndex, SETTLE_MS } from '../../web/src/scene-index.ts';
import type { SceneItem } from '../../web/src/scene.ts';
import { RecordMaker } from '../support/records.ts';

const at = (x: number, y: number): Matrix => [1, 0, 0, 1, x, y];
const op = (o: object) => o as Op;

function setup() {
  const m = new RecordMaker();
  const state = foldRecords([
    ...m.stroke('ann', 'ink'), // points (1, 2), (3, 4), (5, 6)
    m.rec('ann', op({ k: 'add', v: 1, els: [
      { id: 'box', type: 'rect', m: at(0, 0), w: 20, h: 20, color: '#000000', sw: 2, fill: '#ffec99' },
      { id: 'far', type: 'ellipse', m: at(500, 500), w: 50, h: 50, color: '#000000', sw: 2 },
      { id: 'arrow', type: 'arrow', m: at(0, 0), pts: [0, 0, 0, 0], color: '#000000', sw: 2, sb: { id: 'box', u: 1, v: 0.5 }, eb: { id: 'far', u: 0, v: 0.5 } },
    ] })),
  ]);
  const live = new Set<string>();
  let extra: SceneItem[] = [];
  const index = new SceneIndex({ items: () => [...visibleItems(state), ...extra], isLive: (id) => live.has(id) });
  const apply = (o: object) => foldRecords([m.rec('ann', op(o))], state);
  return { state, index, live, apply, setExtra: (items: SceneItem[]) => (extra = items) };
}
const ids = (change: { added: { g: { id: string } }[]; removed: { id: string }[] }) => ({ added: change.added.map(({ g }) => g.id), removed: change.removed.map((g) => g.id) });
const liveIds = (index: SceneIndex) => index.live.map((g) => g.id);

describe('the scene index', () => {
  it('items seen for the first time settle at once, ink and elements alike', () => {
    const { index } = setup();
    expect(ids(index.update(0))).toEqual({ added: ['ink', 'box', 'far', 'arrow'], removed: [] });
    expect(liveIds(index)).toEqual([]);
    expect(ids(index.update(10))).toEqual({ added: [], removed: [] });
  });

  it('an element that changes is live until left alone for a while, then settles again; so is a line stuck to it', () => {
    const { index, apply } = setup();
    index.update(0);
    apply({ k: 'xf', v: 1, ids: ['box'], m: at(100, 0) });
    const moved = index.update(1_000);
    expect(ids(moved)).toEqual({ added: [], removed: ['box', 'arrow'] });
    expect(liveIds(index)).toEqual(['box', 'arrow']);
    expect(moved.settleIn).toBe(SETTLE_MS);
    // Another frame of the drag: still live, the countdown starts over.
    apply({ k: 'xf', v: 1, c: 1, m: at(10, 0) });
    expect(index.update(1_500).settleIn).toBe(SETTLE_MS);
    expect(ids(index.update(1_500 + SETTLE_MS - 1))).toEqual({ added: [], removed: [] });
    const settled = index.update(1_500 + SETTLE_MS);
    expect(ids(settled)).toEqual({ added: ['box', 'arrow'], removed: [] });
    expect(settled.settleIn).toBeNull();
    expect(liveIds(index)).toEqual([]);
    expect(index.boundsOf('box')).toMatchObject({ minX: 109, maxX: 131 });
  });

  it('a recolour and a change of stack are changes too; what the page says is live is live', () => {
    const { index, apply, live } = setup();
    index.update(0);
    apply({ k: 'set', v: 1, ids: ['ink'], p: { color: '#e03131' } });
    expect(ids(index.update(1))).toEqual({ added: [], removed: ['ink'] });
    live.add('far');
    expect(ids(index.update(2))).toEqual({ added: [], removed: ['far'] });
    expect(liveIds(index)).toEqual(['ink', 'far']);
  });

  it("a local draft that becomes the logged stroke settles at once: that is no change of look", () => {
    const { index, setExtra } = setup();
    setExtra([{ id: 'draft', color: '#000000', w: 4, pr: false, ended: false, points: [{ x: 0, y: 0 }, { x: 9, y: 9 }], n: 2 }]);
    index.update(0);
    expect(liveIds(index)).toEqual(['draft']);
    setExtra([{ id: 'draft', color: '#000000', w: 4, pr: false, ended: true, pos: 99, chunks: ['AAASEg'], n: 2 }]);
    expect(ids(index.update(1)).added).toContain('draft');
    expect(liveIds(index)).toEqual([]);
  });

  it('answers where things are: topmost first, ink under its matrix, marquees holding items whole', () => {
    const { index, apply } = setup();
    index.update(0);
    // The box covers the ink (drawn before it); the arrow starts at the box's right edge.
    expect(index.itemsAt({ x: 3, y: 4 }, 2)).toEqual(['box', 'ink']);
    expect(index.itemsAt({ x: 20, y: 10 }, 2)).toEqual(['arrow', 'box']);
    expect(index.itemsTouching({ x: 300, y: 200 }, { x: 300, y: 400 }, 4)).toEqual(['arrow']);
    expect(index.itemsIn({ minX: -10, minY: -10, maxX: 40, maxY: 40 })).toEqual(['ink', 'box']);
    // Ink moved away is found where it went, and its box is its points' bounds placed by its matrix.
    apply({ k: 'xf', v: 1, ids: ['ink'], m: [2, 0, 0, 2, 1_000, 0] });
    index.update(SETTLE_MS * 3);
    expect(index.itemsAt({ x: 3, y: 4 }, 2)).toEqual(['box']);
    expect(index.itemsAt({ x: 1_006, y: 8 }, 2)).toEqual(['ink']);
    expect(index.placementOf('ink')).toEqual({ m: [2, 0, 0, 2, 1_002, 4], w: 4, h: 4 });
    expect(index.placementOf('nobody')).toBeNull();
  });

  it('an item hidden goes from the tiles', () => {
    const { index, apply, state } = setup();
    index.update(0);
    apply({ k: 'erase', ids: ['far'] });
    // The arrow stuck to it falls back on its own end (every picture finds only drawn elements): a change of look.
    expect(ids(index.update(1))).toEqual({ added: [], removed: ['arrow', 'far'] });
    expect(liveIds(index)).toEqual(['arrow']);
    expect((state as BoardState).shapes.get('far')!.hiddenBy.length).toBe(1);
  });
});
