/**
 * The eraser's geometry: a swipe between two far-apart points of a stroke
 * still meets it, and segments' distance is right where they cross or not.
 */
import { describe, expect, it } from 'vitest';
import { segmentsDistance } from '../../web/src/stroke-geometry.ts';

describe('segmentsDistance', () => {
  it('is 0 where segments cross, and the gap between them otherwise', () => {
    expect(segmentsDistance({ x: 0, y: 0 }, { x: 100, y: 0 }, { x: 50, y: -10 }, { x: 50, y: 10 })).toBe(0);
    expect(segmentsDistance({ x: 0, y: 0 }, { x: 100, y: 0 }, { x: 50, y: 5 }, { x: 50, y: 30 })).toBe(5);
    expect(segmentsDistance({ x: 0, y: 0 }, { x: 100, y: 0 }, { x: 110, y: 0 }, { x: 120, y: 0 })).toBe(10);
    expect(segmentsDistance({ x: 0, y: 0 }, { x: 0, y: 0 }, { x: 3, y: 4 }, { x: 3, y: 4 })).toBe(5);
  });

  it('finds a swipe across the middle of a long segment, far from both its ends', () => {
    // A fast stroke: two points 60 units apart; the eraser crosses halfway, 30 units from either.
    expect(segmentsDistance({ x: 0, y: 0 }, { x: 60, y: 0 }, { x: 30, y: -2 }, { x: 30, y: 2 })).toBe(0);
  });
});
