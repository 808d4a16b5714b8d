import { describe, expect, it } from 'vitest';
import { LIMITS } from '../../server/protocol/messages.ts';
import { encodePoints } from '../../server/protocol/points.ts';
import { isValidBoardId, parseClientMessage, validateExtension } from '../../server/protocol/validate.ts';

const p = encodePoints([{ x: 1, y: 1 }, { x: 2, y: 3 }], false);
const parse = (v: unknown) => parseClientMessage(typeof v === 'string' ? v : JSON.stringify(v));
const reasonOf = (v: unknown) => {
  const r = parse(v);
  return r.ok ? 'accepted' : r.reason;
};

describe('protocol validation: valid input', () => {
  it.each([
    { t: 'hello', v: 1, user: 'u1', cid: 'c1', name: 'Ann' },
    { t: 'hello', v: 1, user: 'u1', cid: 'c1', name: 'Ann', since: 41 },
    { t: 'op', s: 1, o: { k: 'begin', id: 's1', color: '#ff0000', w: 4, p } },
    { t: 'op', s: 2, o: { k: 'begin', id: 's1', color: '#ff0000', w: 4, pr: 1, p: encodePoints([{ x: 1, y: 1, p: 0.3 }], true) } },
    { t: 'op', s: 3, o: { k: 'ext', id: 's1', p } },
    { t: 'op', s: 4, o: { k: 'end', id: 's1' } },
    { t: 'op', s: 5, o: { k: 'erase', ids: ['s1', 's2'] } },
    { t: 'op', s: 6, o: { k: 'undo' } },
    { t: 'op', s: 7, o: { k: 'redo' } },
    { t: 'op', s: 8, o: { k: 'clear' } },
    { t: 'cursor', x: 10.5, y: -3 },
    { t: 'cursor', x: null, y: null },
    { t: 'name', name: '  Bob  ' },
  ])('accepts %j', (message) => {
    expect(reasonOf(message)).toBe('accepted');
  });

  it('returns typed values with only the known fields', () => {
    const r = parse({ t: 'op', s: 1, o: { k: 'undo', extra: 'dropped' }, junk: 1 });
    expect(r).toEqual({ ok: true, value: { t: 'op', s: 1, o: { k: 'undo' } } });
    expect(parse({ t: 'name', name: '  Bob  ' })).toEqual({ ok: true, value: { t: 'name', name: 'Bob' } });
  });
});

describe('protocol validation: bad input is refused with a reason', () => {
  it.each([
    ['not JSON', '{"t":', /not valid JSON/],
    ['not an object', '[1,2]', /must be an object/],
    ['unknown type', { t: 'explode' }, /^t must be one of hello, op, cursor, name$/],
    ['unknown op', { t: 'op', s: 1, o: { k: 'paint' } }, /^o.k must be one of begin, ext, end, erase, undo, redo, clear, claim$/],
    ['missing seq', { t: 'op', o: { k: 'undo' } }, /required properties s/],
    ['fractional seq', { t: 'op', s: 1.5, o: { k: 'undo' } }, /^s must be integer/],
    ['bad user id', { t: 'hello', v: 1, user: '../etc', cid: 'c', name: 'A' }, /^user must match pattern/],
    ['empty name', { t: 'hello', v: 1, user: 'u', cid: 'c', name: '   ' }, /name must be 1-32/],
    ['long name', { t: 'name', name: 'x'.repeat(33) }, /name must be 1-32/],
    ['control characters in name', { t: 'name', name: 'a\u0007b' }, /^name must match pattern/],
    ['bad colour', { t: 'op', s: 1, o: { k: 'begin', id: 's', color: 'red', w: 4, p } }, /color/],
    ['width too large', { t: 'op', s: 1, o: { k: 'begin', id: 's', color: '#000000', w: 500, p } }, /w must be/],
    ['fractional width', { t: 'op', s: 1, o: { k: 'begin', id: 's', color: '#000000', w: 2.5, p } }, /w must be/],
    ['garbage points', { t: 'op', s: 1, o: { k: 'begin', id: 's', color: '#000000', w: 4, p: '<script>' } }, /outside base64url/],
    ['absurd coordinate', { t: 'op', s: 1, o: { k: 'begin', id: 's', color: '#000000', w: 4, p: encodePoints([{ x: 5e6, y: 0 }], false) } }, /out of range/],
    ['too many points', { t: 'op', s: 1, o: { k: 'begin', id: 's', color: '#000000', w: 4, p: encodePoints(Array.from({ length: LIMITS.maxPointsPerOp + 1 }, (_, i) => ({ x: i, y: 0 })), false) } }, /too many points/],
    ['non-finite cursor', '{"t":"cursor","x":1e999,"y":0}', /^x must be/],
    ['absurd cursor', { t: 'cursor', x: 1e12, y: 0 }, /^x must be <= 1000000/],
    ['string cursor', { t: 'cursor', x: '1', y: 0 }, /^x must be number/],
    ['half a cursor', { t: 'cursor', x: 1, y: null }, /must both be numbers or both null/],
    ['empty erase', { t: 'op', s: 1, o: { k: 'erase', ids: [] } }, /^o.ids must not have fewer than 1 items/],
    ['huge erase', { t: 'op', s: 1, o: { k: 'erase', ids: Array.from({ length: LIMITS.maxEraseIds + 1 }, (_, i) => `s${i}`) } }, /^o.ids must not have more than 1000 items/],
  ])('%s', (_label, message, reason) => {
    expect(reasonOf(message)).toMatch(reason);
  });

  it('a refused op carries its sequence number, so its author can drop it', () => {
    expect(parse({ t: 'op', s: 7, o: { k: 'erase', ids: [] } })).toMatchObject({ ok: false, s: 7 });
    expect(parse({ t: 'cursor', x: 'a', y: 0, s: 7 })).not.toHaveProperty('s');
  });

  it('checks an extension against its stroke’s point format', () => {
    expect(validateExtension(p, false).ok).toBe(true);
    expect(validateExtension('AAA', false)).toEqual({ ok: false, reason: 'points end in the middle of a point' });
  });

  it('board ids: URL-safe, 1-64 characters', () => {
    expect(isValidBoardId('abc-DEF_123')).toBe(true);
    for (const bad of ['', 'a/b', 'x'.repeat(65), 'sp ace', 'é']) expect(isValidBoardId(bad)).toBe(false);
  });
});
