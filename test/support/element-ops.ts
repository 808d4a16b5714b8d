/**
 * fast-check arbitraries for the element operations (`add`, `set`, `xf`),
 * valid at the edge: every kind of element with the properties it takes,
 * property changes, and transforms that stay invertible. Ids are drawn
 * mostly from those given, so operations meet real elements (and each
 * other) in fold and fuzz tests.
 */
import fc from 'fast-check';
import { SHAPE_TYPES } from '../../server/board/elements.ts';
import type { ClientOp } from '../../server/protocol/messages.ts';
import { encodePoints } from '../../server/protocol/points.ts';

const color = fc.constantFrom('#1e1e1e', '#e03131', '#2f9e44', '#1971c2', '#ffec99');
const coord = fc.integer({ min: -5_000, max: 5_000 });
const size = fc.integer({ min: 0, max: 800 });
const unit = fc.double({ min: 0, max: 1, noNaN: true });
const fileHash = fc.constantFrom('a'.repeat(64), 'b'.repeat(64), '0123456789abcdef'.repeat(4));

/** Translation, scale or rotation, or some of each: always invertible. */
export const placement: fc.Arbitrary<number[]> = fc
  .record({ dx: coord, dy: coord, s: fc.double({ min: 0.25, max: 4, noNaN: true }), r: fc.double({ min: -Math.PI, max: Math.PI, noNaN: true }) })
  // + 0: JSON has no -0, and what travels must come back equal.
  .map(({ dx, dy, s, r }) => [s * Math.cos(r), s * Math.sin(r), -s * Math.sin(r), s * Math.cos(r), dx, dy].map((v) => v + 0));
export const translation: fc.Arbitrary<number[]> = fc.record({ dx: coord, dy: coord }).map(({ dx, dy }) => [1, 0, 0, 1, dx, dy]);

const anyId = (ids: readonly string[]) => (ids.length > 0 ? fc.oneof(fc.constantFrom(...ids), fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/)) : fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/));
const binding = (ids: readonly string[]) => fc.option(fc.record({ id: anyId(ids), u: unit, v: unit }), { nil: undefined });

/** One element of any kind, with the properties its kind takes. */
export function elementSpec(ids: readonly string[]): fc.Arbitrary<Record<string, unknown>> {
  const common = { id: anyId(ids), m: fc.oneof(translation, placement), color };
  const box = fc.record({ ...common, type: fc.constantFrom('rect', 'ellipse', 'diamond'), w: size, h: size, sw: fc.integer({ min: 1, max: 16 }), fill: fc.option(color, { nil: null }), dash: fc.constantFrom(0, 1) });
  const text = fc.record({ ...common, type: fc.constantFrom('text', 'note'), w: size, h: size, text: fc.string({ maxLength: 60 }), fs: fc.integer({ min: 8, max: 64 }), fill: fc.option(color, { nil: null }) });
  const line = fc.record({ ...common, type: fc.constantFrom('line', 'arrow'), pts: fc.array(coord, { minLength: 4, maxLength: 4 }), sw: fc.integer({ min: 1, max: 16 }), ah: fc.integer({ min: 0, max: 3 }), sb: binding(ids), eb: binding(ids) });
  // Images name a file by its hash; the log never holds the picture, so any well-formed hash folds.
  const image = fc.record({ ...common, type: fc.constant('image'), w: size, h: size, file: fileHash, lock: fc.option(fc.constantFrom(0, 1), { nil: undefined }) });
  const ink = fc.record({
    ...common,
    type: fc.constant('ink'),
    sw: fc.integer({ min: 1, max: 16 }),
    p: fc.array(fc.record({ x: coord, y: coord }), { minLength: 1, maxLength: 8 }).map((points) => encodePoints(points, false)),
  });
  return fc.oneof(box, text, line, image, ink).map((spec) => Object.fromEntries(Object.entries(spec).filter(([, v]) => v !== undefined)));
}

/** Some properties to set, each as its schema allows. */
function props(ids: readonly string[]): fc.Arbitrary<Record<string, unknown>> {
  return fc.record(
    {
      color,
      fill: fc.option(color, { nil: null }),
      sw: fc.integer({ min: 1, max: 32 }),
      dash: fc.constantFrom(0, 1),
      text: fc.string({ maxLength: 40 }),
      fs: fc.integer({ min: 8, max: 64 }),
      w: size,
      h: size,
      ah: fc.integer({ min: 0, max: 3 }),
      pts: fc.array(coord, { minLength: 4, maxLength: 4 }),
      sb: fc.option(fc.record({ id: anyId(ids), u: unit, v: unit }), { nil: null }),
      z: fc.integer({ min: -1_000, max: 1_000_000 }),
      file: fileHash,
      lock: fc.constantFrom(0, 1),
    },
    { requiredKeys: [] },
  ).filter((p) => Object.keys(p).length > 0);
}

/** An `add`, `set` or `xf` the edge accepts (the fold may still refuse it: unknown ids, a continuation with nothing to continue). */
export function validElementOp(ids: readonly string[]): fc.Arbitrary<ClientOp> {
  const targets = fc.uniqueArray(anyId(ids), { minLength: 1, maxLength: 4 });
  return fc.oneof(
    fc.uniqueArray(elementSpec(ids), { minLength: 1, maxLength: 3, selector: (e) => e.id }).map((els) => ({ k: 'add', v: 1, els }) as unknown as ClientOp),
    fc.record({ ids: targets, p: props(ids) }).map(({ ids: list, p }) => ({ k: 'set', v: 1, ids: list, p }) as unknown as ClientOp),
    props(ids).map((p) => ({ k: 'set', v: 1, c: 1, p }) as unknown as ClientOp),
    fc.record({ ids: targets, m: fc.oneof(translation, placement) }).map(({ ids: list, m }) => ({ k: 'xf', v: 1, ids: list, m }) as ClientOp),
    translation.map((m) => ({ k: 'xf', v: 1, c: 1, m }) as ClientOp),
    placement.map((m) => ({ k: 'xf', v: 1, all: 1, m }) as ClientOp),
  );
}

/** Every kind of element, for tests that need one of each. */
export const ELEMENT_KINDS = [...SHAPE_TYPES, 'ink'] as const;
