/**
 * Self-check of the decoder written from docs/protocol.md alone
 * (test/support/doc-decoder.ts), on byte arrays built by hand from the
 * document. Deliberately no import of server/protocol/wire*.
 */
import { describe, expect, it } from 'vitest';
import { decodePoints } from '../../server/protocol/points.ts';
import { DocDownDecoder, DocUpDecoder } from '../support/doc-decoder.ts';

// The document's numbers and strings, spelled out for building frames.
function uint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}
const int = (n: number) => uint(n >= 0 ? n * 2 : -n * 2 - 1);
const str = (s: string) => {
  const bytes = [...new TextEncoder().encode(s)];
  return [...uint(bytes.length), ...bytes];
};
const pts = (values: number[]) => [...uint(values.length), ...values.flatMap(int)];
const frame = (...parts: (number | number[])[]) => new Uint8Array(parts.flat());

// Tags: bit 3 set, bits 0-2 the kind, bits 4-7 flags.
const BEGIN = 0x08, EXT = 0x09, END = 0x0a, ERASE = 0x0b, UNDO = 0x0c, CLAIM = 0x0f;
const NEXT_POS = 0x10, NEXT_SEQ = 0x20, SAME_AUTHOR = 0x40, NAME = 0x80;

describe('DocDownDecoder', () => {
  it('reads a person, then records with and without the flags', () => {
    const d = new DocDownDecoder('b1');
    const items = d.decode(
      frame(
        0x01, str('cidA'), str('userA'), // person 0
        UNDO | NEXT_POS, int(1000), uint(0), int(4), // pos 0, ts 1000, seq -1 + 1 + 4
        UNDO | NEXT_POS | NEXT_SEQ | SAME_AUTHOR, int(0), // pos 1, ts 1000, seq 5
        ERASE, int(9), int(-1), uint(0), int(0), uint(2), str('s1'), str('s2'), // pos 11, ts 999, seq 6
      ),
    );
    expect(items).toEqual([
      { t: 'rec', r: { board: 'b1', pos: 0, ts: 1000, user: 'userA', cid: 'cidA', seq: 4, op: { k: 'undo' } } },
      { t: 'rec', r: { board: 'b1', pos: 1, ts: 1000, user: 'userA', cid: 'cidA', seq: 5, op: { k: 'undo' } } },
      { t: 'rec', r: { board: 'b1', pos: 11, ts: 999, user: 'userA', cid: 'cidA', seq: 6, op: { k: 'erase', ids: ['s1', 's2'] } } },
    ]);
    // A claim from the server carries the key hash.
    const [claim] = d.decode(frame(CLAIM | NEXT_POS | NEXT_SEQ | SAME_AUTHOR, int(1), int(0), str('hash')));
    expect(claim).toEqual({ t: 'rec', r: { board: 'b1', pos: 12, ts: 1000, user: 'userA', cid: 'cidA', seq: 7, op: { k: 'claim', key: 'hash' } } });
  });

  it('binds a stroke number in a begin, then reads an ext relative to its last point', () => {
    const d = new DocDownDecoder('b');
    const [begin] = d.decode(
      frame(
        0x01, str('c'), str('u'),
        BEGIN | NEXT_POS | NAME, int(5), uint(0), int(0), str('Ann'),
        uint(1), str('st1'), uint(0xff8000), uint(4), 0x00, pts([10, 20, 2, -1]), // (10, 20), (12, 19)
      ),
    );
    expect(begin).toEqual({
      t: 'rec',
      r: { board: 'b', pos: 0, ts: 5, user: 'u', cid: 'c', seq: 0, name: 'Ann', op: { k: 'begin', id: 'st1', color: '#ff8000', w: 4, p: expect.any(String) } },
    });
    const beginOp = (begin as { r: { op: { p: string } } }).r.op;
    expect(decodePoints(beginOp.p, false)).toEqual([{ x: 10, y: 20 }, { x: 12, y: 19 }]);

    // The first point is a difference from (12, 19); the chunk in text form starts absolute.
    const [ext] = d.decode(frame(EXT | NEXT_POS | NEXT_SEQ | SAME_AUTHOR, int(1), uint(1), pts([1, 1, 3, 3])));
    const extOp = (ext as { r: { op: { k: string; id: string; p: string } } }).r.op;
    expect(extOp.k).toBe('ext');
    expect(extOp.id).toBe('st1');
    expect(decodePoints(extOp.p, false)).toEqual([{ x: 13, y: 20 }, { x: 16, y: 23 }]);

    // Half a point moves nothing: the next chunk is still relative to (16, 23).
    const [half] = d.decode(frame(EXT | NEXT_POS | NEXT_SEQ | SAME_AUTHOR, int(0), uint(1), pts([4])));
    // In text form the lone value is absolute: 16 + 4 = 20, zigzag 40, digits 8 + 32 ('o') then 1 ('B').
    expect((half as { r: { op: { p: string } } }).r.op.p).toBe('oB');
    const [next] = d.decode(frame(EXT | NEXT_POS | NEXT_SEQ | SAME_AUTHOR, int(0), uint(1), pts([1, 1])));
    expect(decodePoints((next as { r: { op: { p: string } } }).r.op.p, false)).toEqual([{ x: 17, y: 24 }]);
  });

  it('reads a pressure begin with precision, lower-case colour', () => {
    const d = new DocDownDecoder('b');
    const [rec] = d.decode(
      frame(0x01, str('c'), str('u'), BEGIN, int(0), int(1), uint(0), int(0), uint(2), str('p'), uint(0xabcdef), uint(2), 0b101, pts([1, 2, 50])),
    );
    const op = (rec as { r: { op: Record<string, unknown> } }).r.op;
    expect(op).toEqual({ k: 'begin', id: 'p', color: '#abcdef', w: 2, pr: 1, q: 2, p: expect.any(String) });
    expect(decodePoints(op.p as string, true)).toEqual([{ x: 1, y: 2, p: 0.5 }]);
  });

  it('frees a number at end: naming it afterwards is refused', () => {
    const d = new DocDownDecoder('b');
    d.decode(frame(0x01, str('c'), str('u'), BEGIN | NEXT_POS, int(0), uint(0), int(0), uint(3), str('x'), uint(0), uint(1), 0, pts([0, 0])));
    const [end] = d.decode(frame(END | NEXT_POS | NEXT_SEQ | SAME_AUTHOR, int(0), uint(3)));
    expect((end as { r: { op: unknown } }).r.op).toEqual({ k: 'end', id: 'x' });
    expect(() => d.decode(frame(END | NEXT_POS | NEXT_SEQ | SAME_AUTHOR, int(0), uint(3)))).toThrow(/not bound/);
  });

  it('replaces the record context with a context item', () => {
    const d = new DocDownDecoder('b');
    const items = d.decode(
      frame(
        0x05, uint(100), int(5000), uint(4), uint(10), // last pos 99, ts 5000, last person 3, next person 10
        uint(1), uint(3), str('c3'), str('u3'), int(41), // person 3, last seq 41
        uint(1), uint(7), str('sx'), uint(2), uint(2), int(100), int(200), // stroke 7 'sx', last point (100, 200)
        EXT | NEXT_POS | NEXT_SEQ | SAME_AUTHOR, int(5), uint(7), pts([1, -1]),
        0x01, str('c10'), str('u10'), // person 10
        UNDO | NEXT_POS | NEXT_SEQ, int(0), uint(10),
      ),
    );
    expect(items).toHaveLength(2);
    const ext = (items[0] as { r: { op: { p: string } } }).r;
    expect(ext).toMatchObject({ pos: 100, ts: 5005, user: 'u3', cid: 'c3', seq: 42, op: { k: 'ext', id: 'sx' } });
    expect(decodePoints(ext.op.p, false)).toEqual([{ x: 101, y: 199 }]);
    expect(items[1]).toEqual({ t: 'rec', r: { board: 'b', pos: 101, ts: 5005, user: 'u10', cid: 'c10', seq: 0, op: { k: 'undo' } } });
    expect(() => d.decode(frame(UNDO, int(0), int(0), uint(0), int(0)))).toThrow(/person 0/);
  });

  it('reads cursors, cursor gone and a new pointer', () => {
    const d = new DocDownDecoder('b');
    const items = d.decode(
      frame(
        0x04, str('cA'), // pointer 0
        0x02, uint(0), int(5), int(-3),
        0x02, uint(0), int(1), int(1),
        0x03, uint(0),
        0x04, str('cA'), // pointer 1, from 0, 0
        0x02, uint(1), int(2), int(2),
      ),
    );
    expect(items).toEqual([
      { t: 'cursor', cid: 'cA', x: 5, y: -3 },
      { t: 'cursor', cid: 'cA', x: 6, y: -2 },
      { t: 'cursor', cid: 'cA', x: null, y: null },
      { t: 'cursor', cid: 'cA', x: 2, y: 2 },
    ]);
    expect(() => d.decode(frame(0x02, uint(0), int(0), int(0)))).toThrow(/pointer 0/);
  });

  it('refuses invalid frames', () => {
    const bad: [number[], RegExp][] = [
      [[0x06], /unknown item/],
      [[0x00], /unknown item/],
      [[0x02, 0x00, 0x00, 0x00], /pointer/],
      [[0x04, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00], /8 bytes/],
      [[0x04, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f], /2\^53/],
      [[0x04, ...uint(257), ...new Array<number>(257).fill(0x61)], /256 bytes/],
      [[0x04, 0x02, 0xc3, 0x28], /UTF-8/],
      [[0x04, 0x05, 0x61], /ends/],
      [[0x01, ...str('c'), ...str('u'), EXT, ...int(0), ...int(0), ...uint(0), ...int(0), ...uint(0), ...str('s'), ...uint(3001)], /3,000/],
      [[0x01, ...str('c'), ...str('u'), EXT, ...int(0), ...int(0), ...uint(0), ...int(0), ...uint(9)], /not bound/],
      [[0x01, ...str('c'), ...str('u'), BEGIN, ...int(0), ...int(0), ...uint(0), ...int(0), ...uint(4097)], /4,096/],
      [[0x01, ...str('c'), ...str('u'), ERASE, ...int(0), ...int(0), ...uint(0), ...int(0), ...uint(1001)], /1,000/],
      [[0x01, ...str('c'), ...str('u'), UNDO, ...int(2 ** 48), ...int(0), ...uint(0), ...int(0)], /position/],
      [[UNDO | SAME_AUTHOR | NEXT_POS | NEXT_SEQ, ...int(0)], /person -1/],
    ];
    for (const [bytes, reason] of bad) expect(() => new DocDownDecoder('b').decode(new Uint8Array(bytes)), reason.source).toThrow(reason);
  });
});

describe('DocUpDecoder', () => {
  it('reads operations with and without the next-sequence flag', () => {
    const u = new DocUpDecoder();
    expect(u.decode(frame(UNDO | NEXT_SEQ))).toEqual({ t: 'op', s: 1, o: { k: 'undo' } });
    expect(u.decode(frame(UNDO, int(8)))).toEqual({ t: 'op', s: 10, o: { k: 'undo' } });
    expect(u.decode(frame(CLAIM | NEXT_SEQ, int(0), str('')))).toEqual({ t: 'op', s: 11, o: { k: 'claim' } });
    const begin = u.decode(frame(BEGIN | NEXT_SEQ, uint(1), str('a'), uint(0x000001), uint(3), 0, pts([7, 7])));
    expect(begin).toEqual({ t: 'op', s: 12, o: { k: 'begin', id: 'a', color: '#000001', w: 3, p: expect.any(String) } });
    const ext = u.decode(frame(EXT | NEXT_SEQ, uint(1), pts([-7, -7])));
    expect(ext).toMatchObject({ t: 'op', s: 13, o: { k: 'ext', id: 'a' } });
    if (ext.t !== 'op') throw new Error('expected an operation');
    expect(decodePoints(String(ext.o.p), false)).toEqual([{ x: 0, y: 0 }]);
  });

  it('reads cursors as differences from the last one; cursor gone keeps it', () => {
    const u = new DocUpDecoder();
    expect(u.decode(frame(0x01, int(10), int(-4)))).toEqual({ t: 'cursor', x: 10, y: -4 });
    expect(u.decode(frame(0x02))).toEqual({ t: 'cursor', x: null, y: null });
    expect(u.decode(frame(0x01, int(1), int(1)))).toEqual({ t: 'cursor', x: 11, y: -3 });
  });

  it('moves the context with JSON text frames', () => {
    const u = new DocUpDecoder();
    u.decode(frame(BEGIN | NEXT_SEQ, uint(1), str('a'), uint(0), uint(1), 0, pts([0, 0])));
    u.text({ t: 'op', s: 40, o: { k: 'ext', id: 'a' } }); // frees number 1
    expect(() => u.decode(frame(EXT | NEXT_SEQ, uint(1), pts([1, 1])))).toThrow(/not bound/);
    expect(u.decode(frame(UNDO | NEXT_SEQ))).toMatchObject({ s: 42 }); // 41 was the refused ext
    u.text({ t: 'cursor', x: 2.6, y: -1.4 });
    u.text({ t: 'cursor', x: null, y: null });
    expect(u.decode(frame(0x01, int(1), int(1)))).toEqual({ t: 'cursor', x: 4, y: 0 });
  });

  it('refuses invalid frames, counting a sequence number read before the error', () => {
    const u = new DocUpDecoder();
    expect(() => u.decode(frame())).toThrow();
    expect(() => u.decode(frame(0x03))).toThrow(/unknown/);
    expect(() => u.decode(frame(UNDO | 0x10))).toThrow(/unknown/);
    expect(() => u.decode(frame(UNDO | NAME))).toThrow(/unknown/);
    expect(() => u.decode(frame(0x01, int(1), int(1), 0x00))).toThrow(/past the message/);
    expect(() => u.decode(frame(CLAIM, int(4), int(0), str('key')))).toThrow(/empty string/); // s = 5
    expect(() => u.decode(frame(BEGIN | NEXT_SEQ, uint(1), str('a'), uint(0), uint(1), 0b1000, pts([])))).toThrow(/flags/); // s = 6
    expect(u.decode(frame(UNDO | NEXT_SEQ))).toEqual({ t: 'op', s: 7, o: { k: 'undo' } });
    expect(() => u.decode(new Uint8Array(64 * 1024 + 1))).toThrow(/64 KiB/);
    expect(() => u.decode(frame(UNDO, int(2 ** 48)))).toThrow(/sequence number/);
  });
});
