import fc from 'fast-check';
import { SaxesParser } from 'saxes';
import { describe, expect, it } from 'vitest';
import { PAPER_SPACING, type Paper } from '../../server/board/board-settings.ts';
import { foldRecords } from '../../server/board/fold.ts';
import { apply, boxCorners, type Matrix } from '../../server/board/elements.ts';
import { NOTE_PADDING, strokeOutline } from '../../server/board/outline.ts';
import { emptyBoard, type BoardState, type Stroke } from '../../server/board/state.ts';
import { escapeXml, exportFileName, MARGIN, outlineReach, svgDocument, viewBoxOf } from '../../server/history/export-svg.ts';
import type { LogRecord, Op } from '../../server/protocol/messages.ts';
import { encodePoints, type Point } from '../../server/protocol/points.ts';
import { svgFontFace } from '../../server/text/font-file.ts';
import { wrapText } from '../../server/text/layout.ts';
import { RecordMaker } from '../support/records.ts';

type Element = { name: string; uri: string; attrs: Record<string, string>; text: string };

/**
 * Parses with saxes, a strict XML 1.0 parser: any well-formedness error
 * (a stray `&` or `<`, a character XML forbids, a duplicate attribute)
 * throws, where lenient DOM parsers let several through.
 */
function parseSvg(text: string): Element[] {
  const parser = new SaxesParser({ xmlns: true });
  const elements: Element[] = [];
  const open: Element[] = [];
  parser.on('error', (error) => {
    throw error;
  });
  parser.on('opentag', (tag) => {
    const attrs = Object.fromEntries(Object.entries(tag.attributes).map(([name, a]) => [name, a.value]));
    const element = { name: tag.local, uri: tag.uri, attrs, text: '' };
    elements.push(element);
    if (!tag.isSelfClosing) open.push(element);
  });
  parser.on('text', (t) => {
    const current = open.at(-1);
    if (current) current.text += t;
  });
  parser.on('closetag', () => open.pop());
  parser.write(text).close();
  return elements;
}

const render = (state: BoardState, at = Date.UTC(2025, 0, 2, 3, 4, 5, 678)) => [...svgDocument(state, { board: 'b1', at })].join('');
const viewBox = (svg: Element) => svg.attrs.viewBox!.split(' ').map(Number) as [number, number, number, number];
/** Every coordinate pair of a path's `d` (its curves stay within their control points). */
const coordinates = (d: string) => {
  const numbers = d.match(/-?\d+(\.\d+)?/g)!.map(Number);
  return Array.from({ length: numbers.length / 2 }, (_, i) => [numbers[2 * i]!, numbers[2 * i + 1]!] as const);
};

function begin(m: RecordMaker, user: string, id: string, points: Point[], extra: { color?: string; w?: number; q?: number; name?: string } = {}): LogRecord {
  const { color = '#1971c2', w = 4, q, name = user } = extra;
  return { ...m.rec(user, { k: 'begin', id, color, w, p: encodePoints(points, false, q), ...(q ? { q } : {}) }), name };
}

describe('SVG export', () => {
  it('draws the visible strokes in drawing order, with id, author and colour, on a white page', () => {
    const m = new RecordMaker();
    const state = foldRecords([
      begin(m, 'ann', 's1', [{ x: 0, y: 0 }, { x: 40, y: 30 }], { color: '#e03131' }),
      m.rec('ann', { k: 'end', id: 's1' }),
      begin(m, 'bob', 's2', [{ x: 10, y: 50 }, { x: 60, y: 55 }]),
      m.rec('bob', { k: 'end', id: 's2' }),
      begin(m, 'bob', 's3', [{ x: 5, y: 5 }, { x: 6, y: 90 }]),
      m.rec('bob', { k: 'end', id: 's3' }),
      begin(m, 'cat', 's4', [{ x: 70, y: 70 }]),
      m.rec('ann', { k: 'erase', ids: ['s2'] }),
      m.rec('bob', { k: 'undo' }), // undoes s3: Bob's last action
      // s4 is still being drawn: drawn as it is so far, as a replay shows it.
    ]);
    const elements = parseSvg(render(state));
    const [svg, title, rect, ...paths] = elements;
    expect(svg).toMatchObject({ name: 'svg', uri: 'http://www.w3.org/2000/svg' });
    expect(title).toMatchObject({ name: 'title', text: 'Board b1 at 2025-01-02T03:04:05.678Z' });
    const [x, y, width, height] = viewBox(svg!);
    expect(svg!.attrs).toMatchObject({ width: String(width), height: String(height) });
    expect(rect).toMatchObject({ name: 'rect', attrs: { x: String(x), y: String(y), width: String(width), height: String(height), fill: '#ffffff' } });
    expect(paths.map((p) => [p.name, p.attrs['data-id'], p.attrs['data-author'], p.attrs.fill])).toEqual([
      ['path', 's1', 'ann', '#e03131'],
      ['path', 's4', 'cat', '#1971c2'],
    ]);
    for (const p of paths) expect(p.attrs.d).toMatch(/^M[-\d. ]+(Q[-\d. ]+)*Z$/);
  });

  it('escapes what users typed and drops characters XML forbids', () => {
    const m = new RecordMaker();
    const name = `<script>alert("x")</script> & 'co'\uFFFF\uD800 ok`;
    const state = foldRecords([begin(m, 'ann', 's1', [{ x: 1, y: 1 }, { x: 9, y: 9 }], { name })]);
    // The builder trusts nothing, not even what the edge validated.
    const stroke = state.strokes.get('s1')!;
    stroke.color = '"/><script>alert(1)</script><x a="';
    const elements = parseSvg(render(state));
    expect(elements.map((e) => e.name)).toEqual(['svg', 'title', 'rect', 'path']);
    expect(elements[3]!.attrs['data-author']).toBe(`<script>alert("x")</script> & 'co' ok`);
    expect(elements[3]!.attrs.fill).toBe(stroke.color);
    expect(escapeXml(`a&b<c>"d'\u0000`)).toBe('a&amp;b&lt;c&gt;&quot;d&apos;');
  });

  it('an empty board is a small blank white page', () => {
    const elements = parseSvg(render(emptyBoard()));
    expect(elements.map((e) => e.name)).toEqual(['svg', 'title', 'rect']);
    expect(viewBox(elements[0]!)).toEqual([0, 0, 64, 64]);
    expect(elements[2]!.attrs.fill).toBe('#ffffff');
  });

  it('the viewBox holds every path, wherever the drawing is, with a margin but not much more', () => {
    const m = new RecordMaker();
    const state = foldRecords([
      begin(m, 'ann', 'far', [{ x: -5000.25, y: -300.5 }, { x: -4990, y: -310 }, { x: -4980.75, y: -290 }], { q: 2, w: 64 }),
      m.rec('ann', { k: 'end', id: 'far' }),
      begin(m, 'ann', 'dot', [{ x: 1200, y: 800 }], { w: 1 }),
      m.rec('ann', { k: 'end', id: 'dot' }),
    ]);
    const [svg, , , ...paths] = parseSvg(render(state));
    const [x, y, width, height] = viewBox(svg!);
    for (const p of paths) {
      for (const [px, py] of coordinates(p.attrs.d!)) {
        expect(px).toBeGreaterThanOrEqual(x + MARGIN);
        expect(px).toBeLessThanOrEqual(x + width - MARGIN);
        expect(py).toBeGreaterThanOrEqual(y + MARGIN);
        expect(py).toBeLessThanOrEqual(y + height - MARGIN);
      }
    }
    // The points span x -5000.25..1200 and y -310..800; the page adds at most reach, margin and rounding.
    expect(x).toBeGreaterThanOrEqual(Math.floor(-5000.25 - outlineReach(64) - MARGIN));
    expect(x + width).toBeLessThanOrEqual(Math.ceil(1200 + outlineReach(64) + MARGIN));
    expect(y).toBeGreaterThanOrEqual(Math.floor(-310 - outlineReach(64) - MARGIN));
    expect(y + height).toBeLessThanOrEqual(Math.ceil(800 + outlineReach(64) + MARGIN));
  });

  it('no outline reaches past its points further than outlineReach', () => {
    const point = (spread: number, pr: boolean) =>
      fc.record({ x: fc.integer({ min: -spread, max: spread }), y: fc.integer({ min: -spread, max: spread }), p: pr ? fc.integer({ min: 0, max: 100 }).map((p) => p / 100) : fc.constant(undefined) });
    const stroke = fc.boolean().chain((pr) =>
      fc.record({
        pr: fc.constant(pr),
        // Thin pens too: the start cap of a short stroke reaches furthest past them.
        w: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 64 })),
        ended: fc.boolean(),
        // Short strokes (a few units: the start cap's worst case), dots and long scribbles.
        points: fc.oneof(fc.array(point(3, pr), { minLength: 1, maxLength: 12 }), fc.array(point(500, pr), { minLength: 1, maxLength: 60 })),
      }),
    );
    fc.assert(
      fc.property(stroke, ({ pr, w, ended, points }) => {
        const xs = points.map((p) => p.x);
        const ys = points.map((p) => p.y);
        const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
        let beyond = 0;
        for (const [x, y] of strokeOutline(points, { w, pr, ended })) beyond = Math.max(beyond, minX - x!, x! - maxX, minY - y!, y! - maxY);
        expect(beyond).toBeLessThanOrEqual(outlineReach(w));
      }),
      { seed: 20250102, numRuns: 2_000 },
    );
  });

  it('comes in pieces, one per stroke, so that a big board is streamed rather than built whole', () => {
    const m = new RecordMaker();
    const records = Array.from({ length: 5 }, (_, i) => begin(m, 'ann', `s${i}`, [{ x: i * 10, y: 0 }, { x: i * 10 + 5, y: 20 }]));
    const pieces = [...svgDocument(foldRecords(records), { board: 'b1', at: 0 })];
    expect(pieces).toHaveLength(5 + 2);
    expect(pieces.slice(1, -1).every((p) => p.startsWith('<path '))).toBe(true);
  });

  it('a stroke without points draws nothing and leaves the page blank', () => {
    const state = emptyBoard();
    const stroke: Stroke = { id: 'e', user: 'u', name: 'u', color: '#000000', w: 4, pr: false, chunks: [], n: 0, ended: true, undone: false, hiddenBy: [], pos: 0, ts: 0 };
    state.strokes.set('e', stroke);
    expect(viewBoxOf([stroke])).toEqual({ x: 0, y: 0, width: 64, height: 64 });
    expect(parseSvg(render(state)).map((e) => e.name)).toEqual(['svg', 'title', 'rect']);
  });

  it('with a box, the page is the box and holds only the strokes whose outline may meet it', () => {
    const m = new RecordMaker();
    const state = foldRecords([
      begin(m, 'ann', 'inside', [{ x: 10, y: 10 }, { x: 40, y: 40 }]),
      begin(m, 'ann', 'across', [{ x: -100, y: 50 }, { x: 300, y: 50 }]),
      // Its points stop 20 units short of the box; its pen (w 32) reaches past that.
      begin(m, 'ann', 'near', [{ x: 120, y: 10 }, { x: 130, y: 20 }], { w: 32 }),
      begin(m, 'ann', 'far', [{ x: 500, y: 500 }, { x: 520, y: 530 }]),
      begin(m, 'ann', 'above', [{ x: 50, y: -40 }, { x: 60, y: -30 }], { w: 2 }),
    ]);
    const box = { x: -0.123456, y: 0.5, width: 100.0004, height: 80 };
    const [svg, , rect, ...paths] = parseSvg([...svgDocument(state, { board: 'b1', at: 0, box })].join(''));
    expect(viewBox(svg!)).toEqual([-0.123, 0.5, 100, 80]);
    expect(rect!.attrs).toMatchObject({ x: '-0.123', y: '0.5', width: '100', height: '80' });
    expect(paths.map((p) => p.attrs['data-id'])).toEqual(['inside', 'across', 'near']);
    // Without one, every stroke, as before.
    expect(parseSvg(render(state)).filter((e) => e.name === 'path')).toHaveLength(5);
  });

  describe('with elements', () => {
    const at = (x: number, y: number): Matrix => [1, 0, 0, 1, x, y];
    const turned = (angle: number, x: number, y: number): Matrix => [Math.cos(angle), Math.sin(angle), -Math.sin(angle), Math.cos(angle), x, y];
    const TEXT = 'A label long enough that it wraps onto a few lines';
    const NOTE = 'Homework: page 12, exercises 3 to 7\nDue Friday';
    const ELEMENTS = [
      { id: 'r', type: 'rect', m: at(0, 0), w: 120, h: 80, color: '#1e1e1e', sw: 2, fill: '#ffec99' },
      { id: 'e', type: 'ellipse', m: at(300, 0), w: 100, h: 60, color: '#e03131', sw: 4, dash: 1 },
      { id: 'd', type: 'diamond', m: turned(Math.PI / 4, 600, 0), w: 80, h: 80, color: '#1971c2', sw: 2 },
      { id: 'l', type: 'line', m: at(0, 200), pts: [0, 0, 200, 0], color: '#1e1e1e', sw: 2 },
      { id: 'a', type: 'arrow', m: at(0, 0), pts: [0, 0, 50, 50], color: '#1e1e1e', sw: 2, sb: { id: 'r', u: 1, v: 0.5 }, eb: { id: 'e', u: 0, v: 0.5 } },
      { id: 't', type: 'text', m: at(0, 400), w: 160, h: 25, color: '#1e1e1e', text: TEXT, fs: 20 },
      { id: 'n', type: 'note', m: at(300, 400), w: 200, h: 200, color: '#1e1e1e', fill: '#a5d8ff', text: NOTE, fs: 20 },
    ];
    const op = (o: object) => o as Op;

    function board(): BoardState {
      const m = new RecordMaker();
      return foldRecords([
        begin(m, 'ann', 'under', [{ x: 10, y: 10 }, { x: 100, y: 60 }]),
        m.rec('ann', { k: 'end', id: 'under' }),
        { ...m.rec('ann', op({ k: 'add', v: 1, els: ELEMENTS })), name: 'ann' },
        begin(m, 'bob', 'over', [{ x: 320, y: 420 }, { x: 480, y: 580 }]),
        m.rec('bob', { k: 'end', id: 'over' }),
        // The rectangle brought to the front, over the ink drawn after it.
        m.rec('ann', op({ k: 'set', v: 1, ids: ['r'], p: { z: 1_000_000 } })),
      ]);
    }
    const renderWithFont = (state: BoardState) => [...svgDocument(state, { board: 'b1', at: 0, fontFace: svgFontFace() })].join('');

    it('draws each kind back to front among the ink, as the board stacks them', () => {
      const elements = parseSvg(renderWithFont(board()));
      const drawn = elements.filter((e) => e.attrs['data-id']);
      expect(drawn.map((e) => [e.attrs['data-id'], e.name, e.attrs['data-type']])).toEqual([
        ['under', 'path', undefined],
        ['e', 'g', 'ellipse'],
        ['d', 'g', 'diamond'],
        ['l', 'g', 'line'],
        ['a', 'g', 'arrow'],
        ['t', 'g', 'text'],
        ['n', 'g', 'note'],
        ['over', 'path', undefined],
        ['r', 'g', 'rect'],
      ]);
      const inside = (id: string) => {
        const at = elements.findIndex((e) => e.attrs['data-id'] === id);
        const end = elements.findIndex((e, i) => i > at && e.attrs['data-id']);
        return elements.slice(at + 1, end < 0 ? undefined : end);
      };
      // Fill and outline, in board units, stroked as wide as on the canvas.
      expect(inside('r')[0]!.attrs).toMatchObject({ fill: '#ffec99', stroke: '#1e1e1e', 'stroke-width': '2', d: 'M0 0L120 0L120 80L0 80Z' });
      expect(inside('e')[0]!.attrs).toMatchObject({ fill: 'none', stroke: '#e03131', 'stroke-dasharray': expect.stringMatching(/^\d+ \d+$/) });
      expect(inside('e')[0]!.attrs.d).toMatch(/^M400 30C/);
      expect(inside('l')[0]!.attrs).toMatchObject({ fill: 'none', d: 'M0 200L200 200' });
      // The arrow runs from the rectangle's right middle to the ellipse's left middle, and has a head.
      expect(inside('a').map((e) => e.attrs.d)).toEqual(['M120 40L300 30', expect.stringMatching(/^M[-\d. ]+L300 30L[-\d. ]+$/)]);
      // Text: one tspan per line of wrapText, under the element's matrix; a note's inside its padding, on its colour.
      const lines = (id: string) => inside(id).filter((e) => e.name === 'tspan').map((e) => e.text);
      expect(lines('t')).toEqual(wrapText(TEXT, 20, 160));
      expect(lines('t').length).toBeGreaterThan(1);
      expect(lines('n')).toEqual(wrapText(NOTE, 20, 200 - 2 * NOTE_PADDING));
      const text = inside('n').find((e) => e.name === 'text')!;
      expect(text.attrs).toMatchObject({ transform: 'matrix(1 0 0 1 300 400)', 'font-size': '20', fill: '#1e1e1e' });
      expect(text.attrs['font-family']).toMatch(/^BoardFont, /);
      expect(inside('n').find((e) => e.name === 'tspan')!.attrs.x).toBe(String(NOTE_PADDING));
      expect(inside('n')[0]!.attrs.fill).toBe('#a5d8ff');
      // The font travels inside the document.
      const style = elements.find((e) => e.name === 'style')!;
      expect(style.text).toContain("font-family:'BoardFont'");
      expect(style.text).toContain('data:font/woff2;base64,');
    });

    it('carries the font only when there is text', () => {
      const m = new RecordMaker();
      const state = foldRecords([m.rec('ann', op({ k: 'add', v: 1, els: [ELEMENTS[0]] }))]);
      expect(parseSvg(renderWithFont(state)).map((e) => e.name)).toEqual(['svg', 'title', 'rect', 'g', 'path']);
    });

    it('the viewBox covers moved ink and a rotated shape', () => {
      const m = new RecordMaker();
      const ink = [{ x: 0, y: 0 }, { x: 40, y: 10 }];
      const moved: Matrix = [2, 0, 0, 2, 5_000, -3_000];
      const state = foldRecords([
        begin(m, 'ann', 's', ink, { w: 4 }),
        m.rec('ann', { k: 'end', id: 's' }),
        m.rec('ann', op({ k: 'xf', v: 1, ids: ['s'], m: moved })),
        m.rec('ann', op({ k: 'add', v: 1, els: [{ id: 'box', type: 'rect', m: turned(0.5, -2_000, 1_000), w: 400, h: 100, color: '#1e1e1e', sw: 6 }] })),
      ]);
      const [svg, , , ...rest] = parseSvg(render(state));
      const [x, y, width, height] = viewBox(svg!);
      const holds = ([px, py]: readonly number[]) => px! >= x + MARGIN && px! <= x + width - MARGIN && py! >= y + MARGIN && py! <= y + height - MARGIN;
      // Every point of the moved stroke's outline, mapped by its matrix, and every corner of the turned box with its stroke.
      const path = rest.find((e) => e.attrs['data-id'] === 's')!;
      expect(path.attrs.transform).toBe('matrix(2 0 0 2 5000 -3000)');
      for (const [px, py] of coordinates(path.attrs.d!)) expect(holds(apply(moved, px, py))).toBe(true);
      for (const corner of boxCorners(turned(0.5, -2_000, 1_000), 400, 100)) expect(holds(corner)).toBe(true);
      // And not much more: the turned box's left corner and the stroke's right end bound it.
      expect(x).toBeGreaterThan(-2_000 - Math.sin(0.5) * 100 - MARGIN - 10);
      expect(x + width).toBeLessThan(5_000 + 80 + 2 * outlineReach(4) + MARGIN + 2);
    });

    it('with a box, only the elements that meet it', () => {
      const box = { x: 250, y: 350, width: 300, height: 300 };
      const ids = parseSvg([...svgDocument(board(), { board: 'b1', at: 0, box })].join(''))
        .map((e) => e.attrs['data-id'])
        .filter(Boolean);
      expect(ids).toEqual(['n', 'over']);
    });
  });

  describe('the paper', () => {
    /** A stroke, then the board's paper set (and undone, if asked). */
    const withPaper = (paper: Paper, undone = false) => {
      const m = new RecordMaker();
      return foldRecords([
        begin(m, 'ann', 's1', [{ x: 30, y: 40 }, { x: 90, y: 70 }]),
        m.rec('ann', { k: 'end', id: 's1' }),
        m.rec('bob', { k: 'board', v: 1, paper }),
        ...(undone ? [m.rec('bob', { k: 'undo' })] : []),
      ]);
    };
    const names = (elements: Element[]) => elements.map((e) => e.name);
    /** The cell's marks in one period: [name, attributes] each. */
    const CELLS: Record<Exclude<Paper, 'blank'>, [string, Record<string, string>][]> = {
      dots: [['circle', { cx: '12', cy: '12' }]],
      squares: [
        ['line', { x1: '12', y1: '0', x2: '12', y2: '24' }],
        ['line', { x1: '0', y1: '12', x2: '24', y2: '12' }],
      ],
      lines: [['line', { x1: '0', y1: '12', x2: '24', y2: '12' }]],
    };

    for (const paper of ['dots', 'squares', 'lines'] as const) {
      it(`${paper}: a pattern of one period on the grid's multiples fills the page, under the drawing`, () => {
        const elements = parseSvg(render(withPaper(paper)));
        const [x, y, width, height] = viewBox(elements[0]!);
        const pattern = elements.find((e) => e.name === 'pattern')!;
        expect(pattern.attrs).toMatchObject({ id: 'paper', 'data-paper': paper, patternUnits: 'userSpaceOnUse', x: '-12', y: '-12' });
        expect([pattern.attrs.width, pattern.attrs.height]).toEqual([String(PAPER_SPACING), String(PAPER_SPACING)]);
        const cell = elements.slice(elements.indexOf(pattern) + 1, elements.indexOf(pattern) + 1 + CELLS[paper].length);
        expect(cell.map((e) => [e.name, e.attrs])).toEqual(CELLS[paper].map(([name, attrs]) => [name, expect.objectContaining(attrs)]));
        const fill = elements.find((e) => e.name === 'rect' && e.attrs.fill === 'url(#paper)')!;
        expect(fill.attrs).toMatchObject({ x: String(x), y: String(y), width: String(width), height: String(height) });
        // White page, then paper, then ink.
        const white = elements.findIndex((e) => e.name === 'rect' && e.attrs.fill === '#ffffff');
        const ink = elements.findIndex((e) => e.attrs['data-id'] === 's1');
        expect(white).toBeLessThan(elements.indexOf(fill));
        expect(elements.indexOf(fill)).toBeLessThan(ink);
        expect(elements.filter((e) => e.name === 'path').map((e) => e.attrs['data-id'])).toEqual(['s1']);
      });

      it(`${paper} left out (paper: false): the page is white, as for blank paper`, () => {
        const svg = [...svgDocument(withPaper(paper), { board: 'b1', at: 0, paper: false })].join('');
        expect(svg).not.toMatch(/pattern|url\(#paper\)/);
        expect(names(parseSvg(svg))).toEqual(['svg', 'title', 'rect', 'path']);
      });
    }

    it('blank paper, never set or set and undone: no pattern', () => {
      expect(render(withPaper('blank'))).not.toMatch(/pattern|url\(#paper\)/);
      expect(render(withPaper('squares', true))).not.toMatch(/pattern|url\(#paper\)/);
      expect(names(parseSvg(render(withPaper('squares', true))))).toEqual(['svg', 'title', 'rect', 'path']);
    });

    it('with a box, the paper fills the box, still on the grid of the whole board', () => {
      const box = { x: 5.5, y: -100, width: 300, height: 200 };
      const elements = parseSvg([...svgDocument(withPaper('dots'), { board: 'b1', at: 0, box })].join(''));
      expect(elements.find((e) => e.name === 'pattern')!.attrs).toMatchObject({ x: '-12', y: '-12' });
      expect(elements.find((e) => e.attrs.fill === 'url(#paper)')!.attrs).toMatchObject({ x: '5.5', y: '-100', width: '300', height: '200' });
    });
  });

  it('names the download after the board and the moment, without colons', () => {
    expect(exportFileName('b1', Date.UTC(2025, 0, 2, 3, 4, 5, 678))).toBe('b1-20250102T030405.678Z.svg');
  });
});
