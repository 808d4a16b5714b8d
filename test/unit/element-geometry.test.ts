/**
 * Where elements are, as the select tool, the eraser and the marquee ask
 * (web/src/element-geometry.ts), from the look every picture draws
 * (server/board/outline.ts): no browser needed.
 */
import { describe, expect, it } from 'vitest';
import { apply, ARROW_END, boxCorners, type Matrix, type Shape } from '../../server/board/elements.ts';
import { boxHeight, lookOf, NOTE_PADDING, shapeBounds, type ShapeLook } from '../../server/board/outline.ts';
import { LINE_HEIGHT, wrapText } from '../../server/text/layout.ts';
import { hitShape, insideShape, sameLook, shapePlacement, shapeTouches, within } from '../../web/src/element-geometry.ts';

const at = (x: number, y: number): Matrix => [1, 0, 0, 1, x, y];
const turned = (angle: number, x: number, y: number): Matrix => [Math.cos(angle), Math.sin(angle), -Math.sin(angle), Math.cos(angle), x, y];

function look(over: Partial<ShapeLook>): ShapeLook {
  return { type: 'rect', m: at(0, 0), w: 100, h: 50, pts: null, color: '#1e1e1e', fill: null, sw: 2, dash: 0, text: '', fs: 20, ah: 0, file: null, ends: null, ...over };
}
const line = (ends: [[number, number], [number, number]], over: Partial<ShapeLook> = {}) => look({ type: 'line', pts: [...ends[0], ...ends[1]], ends, ...over });

describe('element geometry', () => {
  it('a shape with no fill is picked by its outline only; a filled one, a note or a text box anywhere inside', () => {
    const empty = look({ m: at(100, 100) });
    expect(hitShape(empty, { x: 150, y: 125 }, 4)).toBe(false);
    expect(hitShape(empty, { x: 103, y: 125 }, 4)).toBe(true); // near the left edge
    expect(hitShape(empty, { x: 90, y: 125 }, 4)).toBe(false);
    expect(hitShape(look({ m: at(100, 100), fill: '#ffec99' }), { x: 150, y: 125 }, 4)).toBe(true);
    expect(hitShape(look({ type: 'text', m: at(100, 100), text: 'hi' }), { x: 150, y: 125 }, 0)).toBe(true);
    expect(hitShape(look({ type: 'note', m: at(100, 100), text: '' }), { x: 150, y: 125 }, 0)).toBe(true);
  });

  it('ellipses and diamonds are their own shape, not their box', () => {
    const ellipse = look({ type: 'ellipse', fill: '#a5d8ff', w: 100, h: 100 });
    expect(hitShape(ellipse, { x: 50, y: 50 }, 0)).toBe(true);
    expect(hitShape(ellipse, { x: 5, y: 5 }, 2)).toBe(false); // a corner of the box, outside the ellipse
    expect(hitShape(ellipse, { x: 0, y: 50 }, 2)).toBe(true); // its left end
    const diamond = look({ type: 'diamond', fill: '#a5d8ff', w: 100, h: 100 });
    expect(insideShape(diamond, { x: 50, y: 10 })).toBe(true);
    expect(insideShape(diamond, { x: 10, y: 10 })).toBe(false);
    // The ellipse's outline is followed closely: a point just outside it at 45° is near it, one well outside is not.
    const rim = { x: 50 + 50 * Math.SQRT1_2, y: 50 + 50 * Math.SQRT1_2 };
    expect(hitShape(look({ type: 'ellipse', w: 100, h: 100 }), { x: rim.x + 2, y: rim.y + 2 }, 2)).toBe(true);
    expect(hitShape(look({ type: 'ellipse', w: 100, h: 100 }), { x: rim.x + 6, y: rim.y + 6 }, 2)).toBe(false);
  });

  it('a turned and scaled shape is picked where it is drawn, its stroke as wide as drawn', () => {
    const m: Matrix = [0, 2, -2, 0, 500, 0]; // a quarter turn, twice as big: the box covers x 400-500, y 0-200
    const box = look({ m, fill: '#ffec99' });
    expect(hitShape(box, { x: 450, y: 100 }, 0)).toBe(true);
    expect(hitShape(box, { x: 550, y: 100 }, 0)).toBe(false);
    // sw is in board units whatever the scale: half of 10 reaches 5 past the edge, not 10.
    const thick = look({ m, sw: 10 });
    expect(hitShape(thick, { x: 504, y: 100 }, 0)).toBe(true);
    expect(hitShape(thick, { x: 507, y: 100 }, 0)).toBe(false);
  });

  it('lines and arrows are picked within the radius of the segment and of their heads', () => {
    const arrow = line([[0, 0], [100, 0]], { type: 'arrow', ah: ARROW_END, sw: 2 });
    expect(hitShape(arrow, { x: 50, y: 4 }, 3)).toBe(true);
    expect(hitShape(arrow, { x: 50, y: 6 }, 3)).toBe(false);
    expect(hitShape(arrow, { x: 120, y: 0 }, 3)).toBe(false);
    // The head's sides reach back from the tip.
    expect(hitShape(arrow, { x: 88, y: 6 }, 1)).toBe(true);
  });

  it("the eraser's path touches what it crosses, and a filled shape anywhere inside", () => {
    const empty = look({ m: at(100, 100) });
    expect(shapeTouches(empty, { x: 80, y: 125 }, { x: 120, y: 125 }, 1)).toBe(true); // crosses the left edge
    expect(shapeTouches(empty, { x: 140, y: 120 }, { x: 160, y: 130 }, 1)).toBe(false); // inside, away from edges
    expect(shapeTouches(look({ m: at(100, 100), fill: '#ffec99' }), { x: 140, y: 120 }, { x: 160, y: 130 }, 1)).toBe(true);
    expect(shapeTouches(line([[0, 0], [100, 100]]), { x: 0, y: 100 }, { x: 100, y: 0 }, 0)).toBe(true);
  });

  it('bounds hold every corner of a turned box and its stroke, and a line with its heads', () => {
    const m = turned(0.7, 300, -50);
    const b = shapeBounds(look({ m, w: 200, h: 80, sw: 8 }));
    for (const [x, y] of boxCorners(m, 200, 80)) {
      expect(x - 4).toBeGreaterThanOrEqual(b.minX - 1e-9);
      expect(x + 4).toBeLessThanOrEqual(b.maxX + 1e-9);
      expect(y - 4).toBeGreaterThanOrEqual(b.minY - 1e-9);
      expect(y + 4).toBeLessThanOrEqual(b.maxY + 1e-9);
    }
    const arrow = shapeBounds(line([[0, 0], [100, 0]], { type: 'arrow', ah: ARROW_END, sw: 2 }));
    expect(arrow.minY).toBeLessThan(-5); // the head spreads across the line
    expect(within(arrow, { minX: -2, minY: -20, maxX: 102, maxY: 20 })).toBe(true);
  });

  it('text and notes grow to hold their text: the box drawn and picked is as tall as the lines', () => {
    const text = 'one two three four five six seven eight nine ten';
    const note = look({ type: 'note', w: 120, h: 40, text, fs: 20 });
    const lines = wrapText(text, 20, 120 - 2 * NOTE_PADDING);
    expect(boxHeight(note)).toBe(lines.length * 20 * LINE_HEIGHT + 2 * NOTE_PADDING);
    expect(shapePlacement(note)).toEqual({ m: at(0, 0), w: 120, h: boxHeight(note) });
    expect(hitShape(note, { x: 60, y: boxHeight(note) - 2 }, 0)).toBe(true);
  });

  it("a line's placement is its ends' bounds in its own units, a bound end where its element is now", () => {
    const shapes = new Map<string, Pick<Shape, 'm' | 'w' | 'h'>>([['box', { m: at(400, 300), w: 100, h: 100 }]]);
    const arrow = { type: 'arrow', m: at(10, 20), pts: [0, 0, 50, 50], sb: null, eb: { id: 'box', u: 0, v: 0.5 } } as unknown as Shape;
    const shape = { ...arrow, w: 0, h: 0, color: '#000000', fill: null, sw: 2, dash: 0, text: '', fs: 20, ah: ARROW_END } as Shape;
    const l = lookOf(shape, (id) => shapes.get(id));
    expect(l.ends).toEqual([[10, 20], [400, 350]]);
    const placed = shapePlacement(l);
    expect(placed).toEqual({ m: at(10, 20), w: 390, h: 330 });
    expect(apply(placed.m, placed.w, placed.h)).toEqual([400, 350]);
  });

  it('a change of look is seen, including a bound end that moved with its element', () => {
    const a = line([[0, 0], [10, 10]]);
    expect(sameLook(a, line([[0, 0], [10, 10]]))).toBe(true);
    expect(sameLook(a, line([[0, 0], [10, 11]]))).toBe(false);
    expect(sameLook(look({}), look({ fill: '#ffffff' }))).toBe(false);
    expect(sameLook(look({}), look({ m: at(0, 1) }))).toBe(false);
  });
});
