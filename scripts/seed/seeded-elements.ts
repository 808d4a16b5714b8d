/**
 * Elements among the ink of a seeded board, as a class would add them over a
 * session: boxes, ellipses and diamonds, arrows from one to another (stuck to
 * both), lines, sticky notes and labels with text, and now and then a
 * shape moved or recoloured. Their authors add nothing else, so no undo
 * of someone's ink ever takes an element back instead.
 */
import { DEFAULT_FONT_SIZE } from '../../server/board/element-fold.ts';
import type { Matrix } from '../../server/board/elements.ts';
import type { Op } from '../../server/protocol/messages.ts';
import { layoutText } from '../../server/text/layout.ts';
import type { Random } from './prng.ts';

export type ElementAuthor = { user: string; cid: string; name: string };
export type TimedElementOp<A> = { ts: number; author: A; op: Op; name?: string };

const COLORS = ['#1e1e1e', '#e03131', '#1971c2', '#2f9e44', '#f08c00', '#9c36b5'];
const NOTE_FILLS = ['#ffec99', '#ffc9c9', '#b2f2bb', '#a5d8ff'];
const PHRASES = ['Homework: page 12, exercises 3-5', 'Photosynthesis', 'Why?', 'Step 1: read the question twice', 'Mitochondria', 'Remember units!', 'x = (-b ± √(b² − 4ac)) / 2a', 'Group A', 'Group B', 'Questions for Friday', 'Good idea', 'Draft', 'TODO: check sources'];

type Placed = { id: string; box: boolean; m: Matrix; w: number; h: number };

/**
 * `count` element operations spread over the session, each author's in
 * time order, as one stream sorted by time (ties: the order made).
 */
export function seededElements<A extends ElementAuthor>(random: Random, authors: A[], count: number, start: number, sessionMs: number, canvas: { width: number; height: number }): TimedElementOp<A>[] {
  const out: TimedElementOp<A>[] = [];
  const placed: Placed[] = [];
  const times = Array.from({ length: count }, () => start + random.range(0, sessionMs)).sort((a, b) => a - b);
  for (const ts of times) {
    const author = random.pick(authors);
    const at = (): Matrix => [1, 0, 0, 1, Math.round(random.range(0, canvas.width)), Math.round(random.range(0, canvas.height))];
    const color = random.chance(0.7) ? '#1e1e1e' : random.pick(COLORS);
    const r = random.next();
    const boxes = placed.filter((p) => p.box);
    if (r < 0.08 && placed.length > 0) {
      // Something already there moved a little.
      const target = random.pick(placed);
      const dx = Math.round(random.range(-200, 200));
      const dy = Math.round(random.range(-200, 200));
      out.push({ ts: Math.round(ts), author, op: { k: 'xf', v: 1, ids: [target.id], m: [1, 0, 0, 1, dx, dy] } });
      target.m = [1, 0, 0, 1, target.m[4] + dx, target.m[5] + dy];
      continue;
    }
    if (r < 0.12 && placed.length > 0) {
      out.push({ ts: Math.round(ts), author, op: { k: 'set', v: 1, ids: [random.pick(placed).id], p: { color: random.pick(COLORS) } } });
      continue;
    }
    const id = random.id(12);
    let el: Record<string, unknown>;
    if (r < 0.4) {
      const w = Math.round(random.range(60, 300));
      const h = Math.round(random.range(40, 200));
      el = { id, type: random.pick(['rect', 'rect', 'ellipse', 'diamond']), m: at(), w, h, color, sw: random.pick([2, 2, 4]), ...(random.chance(0.3) ? { fill: random.pick(NOTE_FILLS) } : {}), ...(random.chance(0.15) ? { dash: 1 } : {}) };
      placed.push({ id, box: true, m: el.m as Matrix, w, h });
    } else if (r < 0.58 && boxes.length >= 2) {
      // An arrow from one box's right edge to another's left edge, stuck to both.
      const from = random.pick(boxes);
      const to = random.pick(boxes.filter((b) => b !== from));
      const [x1, y1] = [from.m[4] + from.w, from.m[5] + from.h / 2];
      const [x2, y2] = [to.m[4], to.m[5] + to.h / 2];
      el = { id, type: 'arrow', m: [1, 0, 0, 1, 0, 0], pts: [x1, y1, x2, y2], color, sw: 2, sb: { id: from.id, u: 1, v: 0.5 }, eb: { id: to.id, u: 0, v: 0.5 } };
      placed.push({ id, box: false, m: el.m as Matrix, w: 0, h: 0 });
    } else if (r < 0.66) {
      const m = at();
      el = { id, type: random.chance(0.5) ? 'line' : 'arrow', m, pts: [0, 0, Math.round(random.range(-200, 200)), Math.round(random.range(-200, 200))], color, sw: random.pick([2, 4]) };
      placed.push({ id, box: false, m, w: 0, h: 0 });
    } else if (r < 0.86) {
      el = { id, type: 'note', m: at(), w: 200, h: 200, color: '#1e1e1e', fill: random.pick(NOTE_FILLS), text: random.pick(PHRASES), fs: DEFAULT_FONT_SIZE };
      placed.push({ id, box: true, m: el.m as Matrix, w: 200, h: 200 });
    } else {
      const text = random.pick(PHRASES);
      const fs = random.pick([16, 20, 28, 36]);
      const { width, height } = layoutText(text, fs, 480);
      el = { id, type: 'text', m: at(), w: Math.ceil(width), h: Math.ceil(height), color, text, fs };
      placed.push({ id, box: true, m: el.m as Matrix, w: Math.ceil(width), h: Math.ceil(height) });
    }
    out.push({ ts: Math.round(ts), author, op: { k: 'add', v: 1, els: [el] } as unknown as Op, name: author.name });
  }
  return out.sort((a, b) => a.ts - b.ts);
}
