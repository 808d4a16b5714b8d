import { describe, expect, it } from 'vitest';
import { countPoints, decodePoints, decodePointValues, encodePoints } from '../../server/protocol/points.ts';

const limits = { maxPoints: 1000, maxCoord: 1_000_000 };

describe('point codec', () => {
  it('round-trips whole-pixel points, with and without pressure', () => {
    const pts = [{ x: 10, y: 20 }, { x: 11, y: 19 }, { x: -300, y: 999_999 }, { x: 0, y: 0 }];
    expect(decodePoints(encodePoints(pts, false), false)).toEqual(pts);
    const pressured = pts.map((p, i) => ({ ...p, p: i / 4 }));
    expect(decodePoints(encodePoints(pressured, true), true)).toEqual(pressured);
  });

  it('rounds coordinates to whole pixels', () => {
    expect(decodePoints(encodePoints([{ x: 1.4, y: 2.6 }], false), false)).toEqual([{ x: 1, y: 3 }]);
  });

  it('spends two or three characters on a typical hand-drawn point', () => {
    const pts = Array.from({ length: 100 }, (_, i) => ({ x: 400 + i * 3, y: 300 + Math.round(Math.sin(i / 5) * 20) }));
    const text = encodePoints(pts, false);
    expect(text.length / pts.length).toBeLessThanOrEqual(3);
    expect(countPoints(text, false)).toBe(100);
  });

  it('rejects characters outside base64url, truncation, and out-of-range values', () => {
    expect(() => decodePointValues('AA!A', false, limits)).toThrow(/outside base64url/);
    expect(() => decodePointValues('g', false, limits)).toThrow(/middle of a number/);
    expect(() => decodePointValues('AAA', false, limits)).toThrow(/middle of a point/);
    expect(() => decodePointValues(encodePoints([{ x: 2_000_000, y: 0 }], false), false, limits)).toThrow(/coordinate is out of range/);
    expect(() => decodePointValues('gggggggggggggA', false, limits)).toThrow(/absurdly large/);
    expect(() => decodePointValues(encodePoints([{ x: 0, y: 0, p: 2 }], true), true, limits)).not.toThrow();
    // Pressure is clamped when encoding; a hand-made string can still lie.
    expect(() => decodePointValues('AAqG', true, limits)).toThrow(/pressure is out of range/);
  });

  it('rejects more points than one message may carry', () => {
    const pts = Array.from({ length: 1001 }, (_, i) => ({ x: i, y: i }));
    expect(() => decodePointValues(encodePoints(pts, false), false, limits)).toThrow(/too many points/);
  });
});
