/**
 * Two pages editing elements at once, as the log orders them: whatever the
 * interleaving, each page shows the log's board with its own pending
 * operations folded on (web/src/optimistic.ts), a page's own change does
 * not jump when the log confirms it, and once nothing is pending every page
 * shows exactly the log's board.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Matrix, Shape } from '../../server/board/elements.ts';
import { applyRecord } from '../../server/board/fold.ts';
import { emptyBoard, isVisible, type BoardState, type Stroke } from '../../server/board/state.ts';
import type { ClientOp, LogRecord } from '../../server/protocol/messages.ts';
import { foldPending } from '../../web/src/optimistic.ts';

type Page = { user: string; cid: string; name: string; seq: number; pending: ClientOp[]; made: number };
type Step = { page: 0 | 1; act: 'send'; op: (page: Page, known: string[]) => ClientOp } | { page: 0 | 1; act: 'deliver' };

const at = (x: number, y: number): Matrix => [1, 0, 0, 1, x, y];
const COLORS = ['#e03131', '#2f9e44', '#1971c2'];

/** What a page shows of an item: its look, not when it was made. */
function look(item: Stroke | Shape): unknown {
  if ('chunks' in item) return { ink: item.id, m: item.m ?? null, color: item.color, w: item.w, z: item.z ?? null };
  const { pos: _p, ts: _t, i: _i, undone: _u, hiddenBy: _h, user: _user, name: _n, z, ...rest } = item;
  return { ...rest, z: z ?? null };
}

/** The board as a page shows it: the log's, with its own pending operations folded on. */
function shown(log: BoardState, page: Page): Map<string, unknown> {
  const overlay = foldPending(log, page.pending, page);
  const out = new Map<string, unknown>();
  for (const item of [...log.strokes.values(), ...log.shapes.values(), ...overlay.items.values()]) {
    const seen = overlay.items.get(item.id) ?? item;
    if (isVisible(seen) && !overlay.erased.has(item.id)) out.set(item.id, look(seen));
    else out.delete(item.id);
  }
  return out;
}

const pick = <T,>(items: readonly T[], n: number): T | undefined => (items.length === 0 ? undefined : items[n % items.length]);

function opArbitrary(): fc.Arbitrary<(page: Page, known: string[]) => ClientOp> {
  return fc.oneof(
    fc.record({ x: fc.integer({ min: 0, max: 500 }), kind: fc.constantFrom('rect', 'note', 'image') }).map(({ x, kind }) => (page: Page) => {
      const id = `${page.cid}-${++page.made}`;
      const own = kind === 'rect' ? { sw: 2 } : kind === 'note' ? { fill: '#ffec99', text: 'hi' } : { file: 'c'.repeat(64) };
      return { k: 'add', v: 1, els: [{ id, type: kind, m: at(x, 0), w: 100, h: 60, color: '#1e1e1e', ...own }] } as unknown as ClientOp;
    }),
    fc.record({ n: fc.nat(), lock: fc.constantFrom(0, 1) }).map(({ n, lock }) => (_page: Page, known: string[]) => ({ k: 'set', v: 1, ids: [pick(known, n) ?? 'none'], p: { lock } }) as ClientOp),
    fc.record({ n: fc.nat(), color: fc.constantFrom(...COLORS) }).map(({ n, color }) => (_page: Page, known: string[]) => ({ k: 'set', v: 1, ids: [pick(known, n) ?? 'none'], p: { color } }) as ClientOp),
    fc.record({ n: fc.nat(), dx: fc.integer({ min: -20, max: 20 }) }).map(({ n, dx }) => (_page: Page, known: string[]) => ({ k: 'xf', v: 1, ids: [pick(known, n) ?? 'none'], m: at(dx, 1) }) as ClientOp),
    fc.integer({ min: -20, max: 20 }).map((dx) => () => ({ k: 'xf', v: 1, c: 1, m: at(dx, 0) }) as ClientOp),
    fc.constantFrom(...COLORS).map((color) => () => ({ k: 'set', v: 1, c: 1, p: { color } }) as ClientOp),
    fc.nat().map((n) => (_page: Page, known: string[]) => ({ k: 'erase', ids: [pick(known, n) ?? 'none'] }) as ClientOp),
  );
}

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ page: fc.constantFrom<0 | 1>(0, 1), act: fc.constant('send' as const), op: opArbitrary() }),
  fc.record({ page: fc.constantFrom<0 | 1>(0, 1), act: fc.constant('deliver' as const) }),
);

describe('two pages editing elements, any interleaving', () => {
  it('property: a page’s own change does not jump when the log confirms it, and with nothing pending every page shows the log’s board', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        const log = emptyBoard();
        const pages: Page[] = ['ann', 'bob'].map((name) => ({ user: `u-${name}`, cid: `c-${name}`, name, seq: 0, pending: [], made: 0 }));
        let pos = 0;
        const deliver = (page: Page) => {
          if (page.pending.length === 0) return;
          const before = shown(log, page);
          const op = page.pending.shift()!;
          const rec = { board: 'b', pos: pos++, ts: pos, user: page.user, cid: page.cid, seq: ++page.seq, name: page.name, op } as LogRecord;
          // The server appends only what the fold applies; a refused operation is dropped by its page.
          applyRecord(log, rec);
          // Nothing of anyone else's came between: the page shows the same board before and after.
          expect(shown(log, page)).toEqual(before);
        };
        for (const s of steps) {
          const page = pages[s.page]!;
          if (s.act === 'send') {
            const known = [...log.shapes.keys(), ...page.pending.flatMap((o) => (o.k === 'add' ? o.els.map((e) => e.id) : []))];
            page.pending.push(s.op(page, known));
          } else {
            deliver(page);
          }
        }
        // The rest arrives, one page's after the other's.
        for (const page of pages) while (page.pending.length > 0) deliver(page);
        const logShown = shown(log, { ...pages[0]!, pending: [] });
        for (const page of pages) expect(shown(log, page)).toEqual(logShown);
      }),
      { seed: 18_003, numRuns: 400 },
    );
  });
});
