import fc from 'fast-check';
import { elementProblem, propsProblem } from '../../server/board/element-rules.ts';
import { describe, expect, it } from 'vitest';
import { COLOR_PATTERN, ID_PATTERN, LIMITS, type ClientMessage } from '../../server/protocol/messages.ts';
import { decodePointValues, encodePoints } from '../../server/protocol/points.ts';
import { isValidBoardId, nestingDepth, parseClientMessage, validateExtension } from '../../server/protocol/validate.ts';
import { clientFrames, hostileFrame, REGRESSION_FRAMES, validMessage } from '../support/frames.ts';

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

  it("never takes a key's hash from a page: the server writes those from hello", () => {
    expect(parse({ t: 'op', s: 1, o: { k: 'own', owner: 'forged', key: 'forged' } })).toEqual({ ok: true, value: { t: 'op', s: 1, o: { k: 'own' } } });
    expect(parse({ t: 'op', s: 1, o: { k: 'pause', on: 1, by: 'forged' } })).toEqual({ ok: true, value: { t: 'op', s: 1, o: { k: 'pause', on: 1 } } });
    expect(parse({ t: 'op', s: 1, o: { k: 'rekey', key: 'forged', by: 'forged' } })).toEqual({ ok: true, value: { t: 'op', s: 1, o: { k: 'rekey' } } });
    expect(parse({ t: 'op', s: 1, o: { k: 'board', v: 1, name: '  Biology\t 3B ' } })).toMatchObject({ ok: false });
    expect(parse({ t: 'op', s: 1, o: { k: 'board', v: 1, name: '  Biology 3B ' } })).toEqual({ ok: true, value: { t: 'op', s: 1, o: { k: 'board', v: 1, name: 'Biology 3B' } } });
  });
});

describe('protocol validation: bad input is refused with a reason', () => {
  it.each([
    ['not JSON', '{"t":', /not valid JSON/],
    ['not an object', '[1,2]', /must be an object/],
    ['unknown type', { t: 'explode' }, /^t must be one of hello, op, cursor, name, view, laser, follow, present$/],
    ['unknown op', { t: 'op', s: 1, o: { k: 'paint' } }, /^o.k must be one of begin, ext, end, erase, undo, redo, clear, claim, own, rekey, pause, revert, board, add, set, xf$/],
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
    ['revert backwards in time', { t: 'op', s: 1, o: { k: 'revert', user: 'u', from: 10, to: 5 } }, /o.from must not be after o.to/],
    ['revert of nobody', { t: 'op', s: 1, o: { k: 'revert', user: '../x', from: 0, to: 5 } }, /^o.user must match pattern/],
    ['revert before time', { t: 'op', s: 1, o: { k: 'revert', user: 'u', from: -1, to: 5 } }, /^o.from must be >= 0/],
    ['pause half way', { t: 'op', s: 1, o: { k: 'pause', on: 0.5 } }, /^o.on/],
    ['paper nobody sells', { t: 'op', s: 1, o: { k: 'board', v: 1, paper: 'graph' } }, /^o.paper/],
    ['board op setting nothing', { t: 'op', s: 1, o: { k: 'board', v: 1 } }, /must set name or paper/],
    ['board name too long', { t: 'op', s: 1, o: { k: 'board', v: 1, name: 'x'.repeat(400) } }, /^o.name must not have more than 320 characters/],
    ['view of nothing', { t: 'view', x: 0, y: 0, w: 0, h: 10 }, /^w must be > 0/],
    ['view beyond the board', { t: 'view', x: 5e6, y: 0, w: 10, h: 10 }, /^x must be <= 1000000/],
    ['half a laser point', { t: 'laser', x: 1, y: null }, /must both be numbers or both null/],
    ['following a bad id', { t: 'follow', cid: '<script>' }, /^cid/],
    ['presenting maybe', { t: 'present', on: 'yes' }, /^on must be boolean/],
    ['huge erase', { t: 'op', s: 1, o: { k: 'erase', ids: Array.from({ length: LIMITS.maxEraseIds + 1 }, (_, i) => `s${i}`) } }, /^o.ids must not have more than 1000 items/],
  ])('%s', (_label, message, reason) => {
    expect(reasonOf(message)).toMatch(reason);
  });

  it('a refused op carries its sequence number, so its author can drop it', () => {
    expect(parse({ t: 'op', s: 7, o: { k: 'erase', ids: [] } })).toMatchObject({ ok: false, s: 7 });
    expect(parse({ t: 'cursor', x: 'a', y: 0, s: 7 })).not.toHaveProperty('s');
  });

  it('checks an extension against its stroke’s point format', () => {
    expect(validateExtension(p, false, 0).ok).toBe(true);
    expect(validateExtension('AAA', false, 0)).toEqual({ ok: false, reason: 'points end in the middle of a point' });
  });

  it('board ids: URL-safe, 1-64 characters', () => {
    expect(isValidBoardId('abc-DEF_123')).toBe(true);
    for (const bad of ['', 'a/b', 'x'.repeat(65), 'sp ace', 'é']) expect(isValidBoardId(bad)).toBe(false);
  });
});

/** What any accepted message must be, checked apart from the schemas that accepted it. */
function expectWellFormed(m: ClientMessage): void {
  switch (m.t) {
    case 'hello':
      expect([m.user, m.cid, ...(m.key ? [m.key] : [])].every((id) => ID_PATTERN.test(id))).toBe(true);
      expect(m.name.trim()).toBe(m.name);
      return;
    case 'name':
      expect(m.name.length).toBeGreaterThan(0);
      expect(m.name.length).toBeLessThanOrEqual(LIMITS.maxNameLength);
      expect(m.name).not.toMatch(/[\u0000-\u001f\u007f]/);
      return;
    case 'cursor':
    case 'laser':
      if (m.x === null) expect(m.y).toBeNull();
      else expect(Math.abs(m.x) <= LIMITS.maxCoord && Math.abs(m.y!) <= LIMITS.maxCoord).toBe(true);
      return;
    case 'view':
      expect([m.x, m.y, m.w, m.h].every(Number.isFinite) && m.w > 0 && m.h > 0).toBe(true);
      return;
    case 'follow':
      if (m.cid !== null) expect(m.cid).toMatch(ID_PATTERN);
      return;
    case 'present':
      expect(typeof m.on).toBe('boolean');
      return;
    case 'op': {
      expect(Number.isSafeInteger(m.s) && m.s >= 0).toBe(true);
      const o = m.o;
      // Never a key's hash (`key`, `owner`, `by`): the server adds those from hello.
      expect(Object.keys(o).every((k) => ['k', 'id', 'color', 'w', 'pr', 'q', 'p', 'ids', 'v', 'els', 'c', 'all', 'm', 'on', 'user', 'from', 'to', 'name', 'paper'].includes(k))).toBe(true);
      if (o.k === 'revert') expect(o.user).toMatch(ID_PATTERN);
      if (o.k === 'revert') expect(Number.isSafeInteger(o.from) && Number.isSafeInteger(o.to) && o.from >= 0 && o.from <= o.to).toBe(true);
      if (o.k === 'board') expect(o.name === undefined || (o.name.length <= LIMITS.maxBoardNameLength && o.name.trim() === o.name && !/[\u0000-\u001f\u007f]/.test(o.name))).toBe(true);
      if (o.k === 'board') expect(o.name !== undefined || o.paper !== undefined).toBe(true);
      if ('id' in o) expect(o.id).toMatch(ID_PATTERN);
      if (o.k === 'begin') {
        expect(o.color).toMatch(COLOR_PATTERN);
        expect(o.q === undefined || (Number.isInteger(o.q) && o.q >= 1 && o.q <= 3)).toBe(true);
        // Points within the board: ±maxCoord world units, in units of 2^-q.
        expect(() => decodePointValues(o.p, o.pr === 1, { maxPoints: LIMITS.maxPointsPerOp, maxCoord: LIMITS.maxCoord * 2 ** (o.q ?? 0) })).not.toThrow();
      }
      if (o.k === 'erase') expect(new Set(o.ids).size).toBe(o.ids.length);
      if (o.k === 'add') {
        // Each element as its kind takes it: an invertible placement, its own properties only, ink points that decode.
        for (const el of o.els) expect(elementProblem(el)).toBeNull();
        expect(new Set(o.els.map((e) => e.id)).size).toBe(o.els.length);
      }
      if (o.k === 'set') expect(propsProblem(o.p)).toBeNull();
      if (o.k === 'xf') expect(o.m.every(Number.isFinite) && Math.abs(o.m[0]! * o.m[3]! - o.m[1]! * o.m[2]!) > 0).toBe(true);
      if (o.k === 'set' || o.k === 'xf') expect([o.ids !== undefined, 'all' in o && o.all === 1, o.c === 1].filter(Boolean)).toHaveLength(1);
      return;
    }
  }
}

describe('protocol validation cannot throw', () => {
  it.each(REGRESSION_FRAMES.map((frame) => [frame.slice(0, 60), frame]))('refuses %s with a reason', (_label, frame) => {
    const result = parseClientMessage(frame);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason.length).toBeGreaterThan(0);
  });

  it('measures nesting without parsing, ignoring brackets inside strings', () => {
    expect(nestingDepth('{"a":[1,{"b":2}]}', 8)).toBe(3);
    expect(nestingDepth('{"a":"[[[[[[[[[[[[["}', 8)).toBe(1);
    expect(nestingDepth('{"a":"\\"}', 8)).toBe(1);
    expect(nestingDepth('{"a":"\\\"[[[[[[[[[["}', 8)).toBe(1);
    expect(nestingDepth('['.repeat(100_000), 8)).toBe(9);
  });

  it('property: any frame gets a value or a reason, never an exception; what it accepts is well formed', () => {
    const anyFrame = fc.oneof(hostileFrame(['s1', 's2']), validMessage(['s1']).map((m) => JSON.stringify(m)), fc.string(), fc.string({ unit: 'binary' }));
    fc.assert(
      fc.property(anyFrame, (frame) => {
        const result = parseClientMessage(frame);
        if (result.ok) expectWellFormed(result.value);
        // The last-resort catch never fires: every frame meets a check that names its fault.
        else expect(result.reason).not.toBe('frame could not be read');
      }),
      { seed: 9_2026, numRuns: 3_000 },
    );
  });

  it('property: every valid message is accepted, unchanged but for trimmed names and de-duplicated erase ids', () => {
    fc.assert(
      fc.property(validMessage(['s1', 's2']), (message) => {
        const result = parseClientMessage(JSON.stringify(message));
        if (message.t === 'name' && !String(message.name).trim()) return expect(result.ok).toBe(false);
        if (message.t === 'name' && /[\u0000-\u001f\u007f]/.test(String(message.name))) return expect(result.ok).toBe(false);
        expect(result.ok).toBe(true);
        if (result.ok && result.value.t === 'op') expect(result.value.o.k).toBe((message.o as { k: string }).k);
      }),
      { seed: 9_2027, numRuns: 2_000 },
    );
  });

  it('property: in streams of mixed frames each frame is judged on its own: valid ones accepted, the rest refused with a named fault', () => {
    fc.assert(
      fc.property(clientFrames(['s1']), (frames) => {
        for (const frame of frames) {
          const result = parseClientMessage(frame);
          if (result.ok) expectWellFormed(result.value);
          else expect(result.reason).not.toBe('frame could not be read');
        }
      }),
      { seed: 9_2028, numRuns: 300 },
    );
  });
});
