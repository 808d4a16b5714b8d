import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { countPoints, decodeFlat, decodePoints, decodePointValues, encodePoints, joinChunks } from '../../server/protocol/points.ts';

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

describe('joinChunks and precision', () => {
  const pointArb = (pressure: boolean) =>
    fc.record({
      x: fc.integer({ min: -5000, max: 5000 }),
      y: fc.integer({ min: -5000, max: 5000 }),
      ...(pressure ? { p: fc.integer({ min: 0, max: 100 }).map((v) => v / 100) } : {}),
    });

  it('one joined chunk decodes to the points of all the chunks, in order', () => {
    const strokes = fc.boolean().chain((pressure) =>
      fc.record({ pressure: fc.constant(pressure), chunks: fc.array(fc.array(pointArb(pressure), { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 8 }) }),
    );
    fc.assert(
      fc.property(strokes, ({ pressure, chunks }) => {
        const encoded = chunks.map((c) => encodePoints(c, pressure));
        const joined = joinChunks(encoded, pressure);
        expect(decodePoints(joined, pressure)).toEqual(encoded.flatMap((c) => decodePoints(c, pressure)));
      }),
      { numRuns: 300 },
    );
  });

  it('keeps fractions of a world unit down to 2^-q', () => {
    const points = [{ x: 10.125, y: -3.5 }, { x: 10.25, y: -3.375 }];
    expect(decodePoints(encodePoints(points, false, 3), false, 3)).toEqual(points);
    expect(decodePoints(encodePoints(points, false, 0), false, 0)).toEqual([{ x: 10, y: -3 }, { x: 10, y: -3 }]);
  });
});

describe('decodeFlat', () => {
  it('gives the same points as decodePoints, flat, across chunks and precisions', () => {
    const chunks = [[{ x: 1.5, y: -2.25, p: 0.3 }, { x: 4, y: 9, p: 1 }], [{ x: -700.125, y: 3, p: 0 }]];
    for (const q of [0, 1, 3]) {
      for (const pressure of [false, true]) {
        const encoded = chunks.map((c) => encodePoints(c, pressure, q));
        const expected = encoded.flatMap((c) => decodePoints(c, pressure, q)).flatMap((p) => (pressure ? [p.x, p.y, p.p!] : [p.x, p.y]));
        expect([...decodeFlat(encoded, pressure, q)].map((v) => Math.round(v * 1000) / 1000)).toEqual(expected.map((v) => Math.round(v * 1000) / 1000));
      }
    }
  });
});
