/**
 * Pure geometry of editing (web/src/transform-math.ts, binding-math.ts,
 * element-specs.ts): resize keeps the opposite handle still, also on a
 * turned frame; rotation turns about the centre; drags are sent as steps
 * that add up; arrows stick on outlines; copies get new ids and keep their
 * bindings among themselves.
 */
import { describe, expect, it } from 'vitest';
import { apply, multiply, type Matrix } from '../../server/board/elements.ts';
import { bindingOnOutline } from '../../web/src/binding-math.ts';
import { addOps, copiesOf } from '../../web/src/element-specs.ts';
import { frameOfRect, framePoint, resizeTransform, rotateAbout, rotateTransform, stepBetween, translate, type Frame } from '../../web/src/transform-math.ts';
import type { ElementSpec } from '../../server/board/element-rules.ts';

const close = (a: readonly number[], b: readonly number[]) => a.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 6));

describe('resize', () => {
  const frame: Frame = { m: translate(100, 100), w: 200, h: 100 };

  it('a corner handle dragged moves that corner to the pointer and keeps the opposite one', () => {
    const t = resizeTransform(frame, [1, 1], [400, 250], false);
    close(apply(t, 300, 200), [400, 250]);
    close(apply(t, 100, 100), [100, 100]);
  });

  it('a side handle scales one way only; shift keeps the proportions', () => {
    const side = resizeTransform(frame, [1, 0.5], [500, 999], false);
    close(apply(side, 300, 200), [500, 200]);
    const kept = resizeTransform(frame, [1, 1], [500, 220], true);
    // Twice as wide (the larger change) means twice as tall.
    close(apply(kept, 300, 200), [500, 300]);
  });

  it('on a turned frame, the handle follows the pointer along the frame’s own sides', () => {
    const turned: Frame = { m: multiply(rotateAbout(Math.PI / 2, 0, 0), translate(0, 0)), w: 100, h: 50 };
    const corner = framePoint(turned, 1, 1);
    const target: [number, number] = [corner[0] - 10, corner[1] + 20];
    const t = resizeTransform(turned, [1, 1], target, false);
    close(apply(t, ...corner), target);
    close(apply(t, ...framePoint(turned, 0, 0)), framePoint(turned, 0, 0));
  });

  it('never flattens an item: a handle dragged onto the opposite side leaves at least one unit', () => {
    const t = resizeTransform(frame, [1, 0.5], [100, 150], false);
    expect(Math.abs(t[0] * 200)).toBeGreaterThanOrEqual(1 - 1e-9);
  });
});

describe('rotate and steps', () => {
  it('turns about the frame’s centre, in 15° steps with shift', () => {
    const frame = frameOfRect({ minX: 0, minY: 0, maxX: 100, maxY: 100 });
    const quarter = rotateTransform(frame, [50, -50], [150, 50], false);
    close(apply(quarter, 50, 50), [50, 50]);
    close(apply(quarter, 50, 0), [100, 50]);
    const snapped = rotateTransform(frame, [50, -50], [150, 40], true);
    close(apply(snapped, 50, 0), [100, 50]);
  });

  it('steps sent one after another add up to the transform wanted: rounding never accumulates', () => {
    let sent: Matrix = [1, 0, 0, 1, 0, 0];
    const path = Array.from({ length: 60 }, (_, i) => multiply(translate(i * 1.337, i * -0.771), rotateAbout(i * 0.013, 50, 50)));
    for (const wanted of path) {
      const step = stepBetween(sent, wanted);
      if (step) sent = multiply(step, sent);
      // Offsets are sent in hundredths: each step takes up the error left by the ones before.
      sent.forEach((v, i) => expect(Math.abs(v - wanted[i]!)).toBeLessThan(i < 4 ? 1e-5 : 0.02));
    }
    expect(stepBetween(sent, sent)).toBeNull();
  });
});

describe('arrows stick on outlines', () => {
  const box = { id: 'b', type: 'rect' as const, m: translate(100, 100), w: 100, h: 50 };
  it('a rectangle: where the way from the other end to the centre crosses its edge', () => {
    const { binding, at } = bindingOnOutline(box, [0, 125]);
    expect(binding).toEqual({ id: 'b', u: 0, v: 0.5 });
    close(at, [100, 125]);
  });
  it('an ellipse and a diamond: on their curves, not their boxes', () => {
    const e = bindingOnOutline({ ...box, type: 'ellipse' }, [300, 300]).binding;
    expect(Math.hypot(e.u - 0.5, e.v - 0.5)).toBeCloseTo(0.5, 3);
    const d = bindingOnOutline({ ...box, type: 'diamond' }, [300, 300]).binding;
    expect(Math.abs(d.u - 0.5) + Math.abs(d.v - 0.5)).toBeCloseTo(0.5, 3);
  });
});

describe('copies', () => {
  const specs: ElementSpec[] = [
    { id: 'r', type: 'rect', m: [1, 0, 0, 1, 0, 0], w: 10, h: 10, color: '#1e1e1e', sw: 2 },
    { id: 'a', type: 'arrow', m: [1, 0, 0, 1, 0, 0], pts: [0, 0, 50, 50], color: '#1e1e1e', sw: 2, sb: { id: 'r', u: 1, v: 1 }, eb: { id: 'gone', u: 0, v: 0 } },
  ];
  it('get new ids, move by the offset, keep bindings among themselves and drop the others', () => {
    let n = 0;
    const copies = copiesOf(specs, 5, 6, () => `n${n++}`);
    expect(copies.map((c) => c.id)).toEqual(['n0', 'n1']);
    expect(copies[0]!.m).toEqual([1, 0, 0, 1, 5, 6]);
    expect(copies[1]!.sb).toEqual({ id: 'n0', u: 1, v: 1 });
    expect(copies[1]!.eb).toBeUndefined();
    expect(specs[1]!.sb!.id).toBe('r');
  });
  it('are added in operations of at most 500, boxes before lines', () => {
    const many = Array.from({ length: 1200 }, (_, i) => ({ ...specs[0]!, id: `r${i}` }));
    const ops = addOps([specs[1]!, ...many]);
    expect(ops.map((o) => (o.k === 'add' ? o.els.length : 0))).toEqual([500, 500, 201]);
    const last = ops.at(-1)!;
    expect(last.k === 'add' && last.els.at(-1)!.type).toBe('arrow');
  });
});
