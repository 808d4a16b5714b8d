/**
 * The binary frames of protocol 4 (server/protocol/wire.ts): every message
 * type round-trips through its connection's context, however messages are
 * mixed and frames cut, and no frame makes a decoder throw anything but its
 * own error. Every frame is also read by a decoder written from
 * docs/protocol.md alone (support/checked-decoders.ts), which must agree.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ClientOp, LogRecord, Op, OpMessage } from '../../server/protocol/messages.ts';
import { encodePoints } from '../../server/protocol/points.ts';
import { parseClientFrame, parseClientMessage } from '../../server/protocol/validate.ts';
import { DownDecoder, DownEncoder, UpDecoder, UpEncoder, WireError, type DownMessage } from '../../server/protocol/wire.ts';
import { CheckedDownDecoder, CheckedUpDecoder } from '../support/checked-decoders.ts';
import { loggedOp, validOp } from '../support/frames.ts';

const STROKE_IDS = ['a', 'b', 'c', 'stroke-4', 'x_y-Z9'];

/** Strokes drawn as pages draw them: begin, extensions, end, on a few ids, with the other operations among them. */
const opStream: fc.Arbitrary<ClientOp[]> = fc.array(validOp(STROKE_IDS), { minLength: 1, maxLength: 60 });

type UpMessage = { t: 'op'; s: number; o: ClientOp } | { t: 'cursor'; x: number | null; y: number | null };

/** The frames one page's encoder writes for these messages, one each. */
function upFrames(messages: UpMessage[]): Uint8Array[] {
  const encoder = new UpEncoder();
  return messages.map((m) => (m.t === 'op' ? encoder.op(m as OpMessage) : encoder.cursor(m.x, m.y)));
}

/** Operations as a page sends them: sequence numbers mostly one up, sometimes not (a resend after reconnecting). */
const upMessages = fc
  .tuple(
    opStream,
    fc.array(fc.oneof({ weight: 5, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.integer({ min: -50, max: 5_000 }) }), { minLength: 60, maxLength: 60 }),
    fc.array(fc.option(fc.record({ x: fc.integer({ min: -1_000_000, max: 1_000_000 }), y: fc.integer({ min: -1_000_000, max: 1_000_000 }) }), { nil: null }), {
      maxLength: 20,
    }),
  )
  .map(([ops, steps, cursors]) => {
    const out: UpMessage[] = [];
    let s = 0;
    ops.forEach((o, i) => {
      s = Math.max(0, s + steps[i]!);
      out.push({ t: 'op', s, o });
      const cursor = cursors[i];
      if (cursor !== undefined) out.push(cursor ? { t: 'cursor', ...cursor } : { t: 'cursor', x: null, y: null });
    });
    return out;
  });

/** What the log holds: the client's operation, or a claim, owning or owner operation with its keys' hashes. */
const logOp: fc.Arbitrary<Op> = fc.oneof(
  { weight: 9, arbitrary: validOp(STROKE_IDS).map((o) => loggedOp(o)) },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{43}$/).map((key): Op => ({ k: 'claim', key })) },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{43}$/).map((owner): Op => ({ k: 'own', owner, key: owner.slice(1) })) },
);

const person = fc.constantFrom(
  { user: 'u1', cid: 'c1' },
  { user: 'u1', cid: 'c2' },
  { user: 'u2', cid: 'c3' },
  { user: 'u3', cid: 'c4' },
);

/** Records in log order (positions up, with gaps as a Kafka partition has), with cursors among them. */
const downItems = fc
  .array(
    fc.oneof(
      {
        weight: 6,
        arbitrary: fc.record({
          gap: fc.oneof({ weight: 4, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 1_000_000 }) }),
          dt: fc.oneof(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 10 ** 9 })),
          who: person,
          seq: fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 10 ** 6 }) }),
          name: fc.option(fc.string({ minLength: 1, maxLength: 32 }), { nil: undefined }),
          op: logOp,
        }),
      },
      { weight: 1, arbitrary: fc.record({ cursor: fc.constantFrom('c1', 'c2', 'c9'), at: fc.option(fc.tuple(fc.integer({ min: -1e6, max: 1e6 }), fc.integer({ min: -1e6, max: 1e6 })), { nil: null }) }) },
    ),
    { minLength: 1, maxLength: 80 },
  )
  .map((items) => {
    let pos = -1;
    let ts = 1_796_000_000_000;
    const seqs = new Map<string, number>();
    return items.map((item): DownMessage => {
      if ('cursor' in item) return { t: 'cursor', cid: item.cursor, x: item.at?.[0] ?? null, y: item.at?.[1] ?? null };
      pos += item.gap;
      ts += item.dt;
      const seq = item.seq ?? (seqs.get(item.who.cid) ?? 0) + 1;
      seqs.set(item.who.cid, seq);
      const r: LogRecord = { board: 'b', pos, ts, ...item.who, seq, ...(item.name === undefined ? {} : { name: item.name }), op: item.op };
      return { t: 'rec', r };
    });
  });

/** Whole strokes as a page draws them: a begin with pressure and precision or not, extensions of the same kind, an end. */
const strokes: fc.Arbitrary<ClientOp[]> = fc
  .array(
    fc.record({
      pr: fc.boolean(),
      q: fc.integer({ min: 0, max: 3 }),
      chunks: fc.array(
        fc.array(fc.record({ x: fc.integer({ min: -5_000, max: 5_000 }), y: fc.integer({ min: -5_000, max: 5_000 }), p: fc.integer({ min: 0, max: 100 }) }), { minLength: 1, maxLength: 5 }),
        { minLength: 1, maxLength: 8 },
      ),
      ended: fc.boolean(),
    }),
    { minLength: 1, maxLength: 6 },
  )
  .map((list) => {
    const ops: ClientOp[] = [];
    list.forEach((stroke, i) => {
      const id = `s${i}`;
      const chunk = (points: { x: number; y: number; p: number }[]) =>
        encodePoints(points.map((pt) => ({ x: pt.x / 2 ** stroke.q, y: pt.y / 2 ** stroke.q, p: pt.p / 100 })), stroke.pr, stroke.q);
      const [first, ...rest] = stroke.chunks;
      ops.push({ k: 'begin', id, color: '#1971c2', w: 3, ...(stroke.pr ? { pr: 1 as const } : {}), ...(stroke.q > 0 ? { q: stroke.q } : {}), p: chunk(first!) });
      for (const points of rest) ops.push({ k: 'ext', id, p: chunk(points) });
      if (stroke.ended) ops.push({ k: 'end', id });
    });
    return ops;
  });

describe('binary frames (protocol 5)', () => {
  it('property: strokes with pressure and precision round-trip both ways, extensions relative to their last point', () => {
    fc.assert(
      fc.property(strokes, fc.nat(), (ops, shuffle) => {
        // Strokes drawn at the same time: their operations interleaved, each stroke's in order.
        const queues = new Map<string, ClientOp[]>();
        for (const op of ops) queues.set((op as { id: string }).id, [...(queues.get((op as { id: string }).id) ?? []), op]);
        const mixed: ClientOp[] = [];
        let turn = shuffle;
        while ([...queues.values()].some((q) => q.length > 0)) {
          const open = [...queues.values()].filter((q) => q.length > 0);
          mixed.push(open[turn++ % open.length]!.shift()!);
        }
        const up = new UpEncoder();
        const server = new CheckedUpDecoder();
        const down = new DownEncoder();
        const page = new CheckedDownDecoder('b');
        mixed.forEach((o, i) => {
          const message: OpMessage = { t: 'op', s: i + 1, o };
          expect(server.decode(up.op(message))).toEqual({ ok: true, value: message });
          const r: LogRecord = { board: 'b', pos: i, ts: 1_000 + i, user: 'u', cid: 'c', seq: i + 1, op: o as Op };
          down.record(r);
          expect(page.decode(down.take())).toEqual([{ t: 'rec', r }]);
        });
      }),
    );
  });

  it('property: a binary frame is accepted or refused exactly as the same message in JSON', () => {
    fc.assert(
      fc.property(upMessages, (messages) => {
        const decoder = new CheckedUpDecoder();
        upFrames(messages).forEach((frame, i) => expect(parseClientFrame(frame, decoder)).toEqual(parseClientMessage(JSON.stringify(messages[i]))));
      }),
    );
  });

  it('strokes that never end do not use the numbers up: past 4,096 the number bound longest ago is taken again, and every record still round-trips', () => {
    const down = new DownEncoder();
    const page = new CheckedDownDecoder('b');
    const p = encodePoints([{ x: 1, y: 2 }, { x: 3, y: 4 }], false);
    let pos = 0;
    /** Sends a record; returns the stroke number its frame names (after the tag and the time: same author, next position and sequence number). */
    const send = (op: Op) => {
      const r: LogRecord = { board: 'b', pos: pos++, ts: 5, user: 'u', cid: 'c', seq: pos, op };
      down.record(r);
      const frame = down.take();
      expect(page.decode(frame)).toEqual([{ t: 'rec', r }]);
      return frame[2]! < 128 ? frame[2]! : (frame[2]! & 127) + 128 * frame[3]!;
    };
    const numbers = Array.from({ length: 5_000 }, (_, i) => send({ k: 'begin', id: `never-${i}`, color: '#000000', w: 2, p }));
    // 1 to 4,096 in turn (the first record's frame also defines its author: skipped), then again from the one bound longest ago.
    expect(numbers.slice(1, 4_096)).toEqual(Array.from({ length: 4_095 }, (_, i) => i + 2));
    expect(numbers.slice(4_096, 4_100)).toEqual([1, 2, 3, 4]);
    // The first strokes lost their numbers (by id: number 0), the latest kept theirs: both extend correctly.
    expect(send({ k: 'ext', id: 'never-0', p })).toBe(0);
    expect(send({ k: 'ext', id: 'never-4999', p })).toBe(5_000 - 4_096);
    send({ k: 'end', id: 'never-4999' });
    // Its number is the lowest free one now.
    expect(send({ k: 'begin', id: 'after', color: '#000000', w: 2, p })).toBe(5_000 - 4_096);
  });

  it('a begin takes the lowest free stroke number, both ways', () => {
    const up = new UpEncoder();
    const down = new DownEncoder();
    const p = encodePoints([{ x: 1, y: 2 }], false);
    let s = 0;
    // The number is the byte after the tag (and, down, after the time: same author, next position and sequence number).
    const upNumber = (o: ClientOp) => up.op({ t: 'op', s: ++s, o })[1];
    const downNumber = (op: Op) => {
      down.record({ board: 'b', pos: s, ts: 0, user: 'u', cid: 'c', seq: s++, op });
      return down.take()[2];
    };
    for (const id of ['a', 'b', 'c', 'd']) expect(upNumber({ k: 'begin', id, color: '#000000', w: 2, p })).toBe(['a', 'b', 'c', 'd'].indexOf(id) + 1);
    upNumber({ k: 'end', id: 'c' });
    upNumber({ k: 'end', id: 'b' });
    // 2 and 3 are free: 2 first, then 3, then 5.
    expect([upNumber({ k: 'begin', id: 'e', color: '#000000', w: 2, p }), upNumber({ k: 'begin', id: 'f', color: '#000000', w: 2, p })]).toEqual([2, 3]);
    expect(upNumber({ k: 'begin', id: 'g', color: '#000000', w: 2, p })).toBe(5);

    s = 0;
    down.record({ board: 'b', pos: s, ts: 0, user: 'u', cid: 'c', seq: s++, op: { k: 'undo' } });
    down.take();
    expect(['a', 'b', 'c'].map((id) => downNumber({ k: 'begin', id, color: '#000000', w: 2, p }))).toEqual([1, 2, 3]);
    s--;
    down.record({ board: 'b', pos: ++s, ts: 0, user: 'u', cid: 'c', seq: s, op: { k: 'end', id: 'b' } });
    down.take();
    down.record({ board: 'b', pos: ++s, ts: 0, user: 'u', cid: 'c', seq: s, op: { k: 'end', id: 'a' } });
    down.take();
    const page = new CheckedDownDecoder('b');
    const next = new DownEncoder();
    next.adopt(down);
    page.decode(next.take());
    down.record({ board: 'b', pos: ++s, ts: 0, user: 'u', cid: 'c', seq: s, op: { k: 'begin', id: 'x', color: '#000000', w: 2, p } });
    const frame = down.take();
    // Tag, time, number 1 (the lowest free), then the id.
    expect([...frame.subarray(0, 4)]).toEqual([0x08 | 0x10 | 0x20 | 0x40, 0, 1, 1]);
    expect(page.decode(frame)).toMatchObject([{ t: 'rec', r: { op: { k: 'begin', id: 'x' } } }]);
  });

  it('a page that mixes JSON and binary frames keeps one context: sequence numbers, strokes and cursors', () => {
    const up = new UpEncoder();
    const server = new CheckedUpDecoder();
    const p = encodePoints([{ x: 10, y: 20 }, { x: 12, y: 21 }], false);
    const read = (frame: string | Uint8Array) => {
      if (typeof frame !== 'string') return parseClientFrame(frame, server);
      const parsed = parseClientMessage(frame);
      server.text(parsed);
      return parsed;
    };
    expect(read(up.op({ t: 'op', s: 1, o: { k: 'begin', id: 'a', color: '#000000', w: 2, p } }))).toMatchObject({ ok: true, value: { s: 1 } });
    // A JSON op with s = 2: the next binary op, "the last plus one", is 3.
    expect(read(up.json({ t: 'op', s: 2, o: { k: 'ext', id: 'a', p } }))).toMatchObject({ ok: true, value: { s: 2 } });
    const ext = up.op({ t: 'op', s: 3, o: { k: 'ext', id: 'a', p } });
    expect(ext[0]! & 0x20).toBe(0x20);
    // The JSON ext unbound the stroke: the binary one names it by id, points as in JSON.
    expect(read(ext)).toEqual({ ok: true, value: { t: 'op', s: 3, o: { k: 'ext', id: 'a', p } } });
    // A JSON op refused at the edge still counts its s.
    expect(read(JSON.stringify({ t: 'op', s: 10, o: { k: 'ext', id: 'a' } }))).toMatchObject({ ok: false, s: 10 });
    up.json({ t: 'op', s: 10, o: { k: 'ext', id: 'a', p } });
    expect(read(up.op({ t: 'op', s: 11, o: { k: 'end', id: 'a' } }))).toEqual({ ok: true, value: { t: 'op', s: 11, o: { k: 'end', id: 'a' } } });
    // A JSON cursor is the last cursor, rounded; leaving the board keeps it.
    expect(read(up.json({ t: 'cursor', x: 100.4, y: -50.6 }))).toMatchObject({ ok: true });
    expect(read(up.cursor(null, null))).toEqual({ ok: true, value: { t: 'cursor', x: null, y: null } });
    const cursor = up.cursor(101, -50);
    expect([...cursor]).toEqual([0x01, 2, 2]);
    expect(read(cursor)).toEqual({ ok: true, value: { t: 'cursor', x: 101, y: -50 } });
  });

  it('property: JSON and binary frames mixed in any order decode to the messages sent', () => {
    fc.assert(
      fc.property(upMessages, fc.array(fc.boolean(), { minLength: 80, maxLength: 80 }), (messages, asJson) => {
        const up = new UpEncoder();
        const server = new CheckedUpDecoder();
        messages.forEach((m, i) => {
          if (asJson[i]) {
            const parsed = parseClientMessage(up.json(m as OpMessage));
            server.text(parsed);
            expect(parsed).toEqual(parseClientMessage(JSON.stringify(m)));
          } else {
            const frame = m.t === 'op' ? up.op(m as OpMessage) : up.cursor(m.x, m.y);
            expect(server.decode(frame)).toEqual({ ok: true, value: m });
          }
        });
      }),
    );
  });

  it('a page’s binary claim with a key is refused; sequence numbers past 2^48 − 1 are refused, and records past it are not sent', () => {
    const claim = Uint8Array.from([0x08 | 7 | 0x20, 0, 3, 0x61, 0x62, 0x63]);
    expect(new CheckedUpDecoder().decode(claim)).toEqual({ ok: false, reason: 'a page’s claim carries no key', s: 1 });
    expect(new CheckedUpDecoder().decode(Uint8Array.from([0x08 | 7 | 0x20, 0, 0]))).toEqual({ ok: true, value: { t: 'op', s: 1, o: { k: 'claim' } } });
    const up = new UpEncoder();
    const big = { t: 'op' as const, s: 2 ** 48, o: { k: 'undo' as const } };
    // Refused by the wire, naming it (it still counts as the last: the page counted it).
    const server = new CheckedUpDecoder();
    expect(parseClientFrame(up.op(big), server)).toEqual({ ok: false, reason: 's must be from 0 to 281474976710655', s: 2 ** 48 });
    // A begin refused for its sequence number binds nothing: a later ext of its number names a number nobody bound.
    const sender = new UpEncoder();
    const negative = new CheckedUpDecoder();
    expect(negative.decode(sender.op({ t: 'op', s: -4, o: { k: 'begin', id: 'x', color: '#000000', w: 2, p: 'AA' } }))).toMatchObject({ ok: false, s: -4 });
    expect(negative.decode(sender.op({ t: 'op', s: 7, o: { k: 'ext', id: 'x', p: 'AA' } }))).toEqual({ ok: false, reason: 'stroke number 1 is not bound', s: 7 });
    expect(parseClientMessage(JSON.stringify(big))).toEqual({ ok: false, reason: 's must be <= 281474976710655' });
    expect(parseClientMessage(JSON.stringify({ ...big, s: 2 ** 48 - 1 }))).toMatchObject({ ok: true });
    // A record of a legal number, then one no page could read: the difference stays exact.
    const down = new DownEncoder();
    const page = new CheckedDownDecoder('b');
    const last: LogRecord = { board: 'b', pos: 2 ** 48 - 1, ts: 2 ** 48 - 1, user: 'u', cid: 'c', seq: 2 ** 48 - 1, op: { k: 'undo' } };
    down.record({ ...last, pos: 0, ts: 0, seq: 0 });
    down.record(last);
    expect(page.decode(down.take()).map((m) => m.t === 'rec' && m.r.seq)).toEqual([0, 2 ** 48 - 1]);
    expect(() => down.record({ ...last, pos: 2 ** 48, seq: 2 ** 53 - 1 })).toThrow(WireError);
    // Eight bytes of a number past 2^53 are refused, not read inexactly.
    expect(() => page.decode(Uint8Array.from([0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]))).toThrow(/too large/);
  });

  it('a board open for days names at most 4,096 people in a context; pointers count up, never reused', () => {
    const board = new DownEncoder();
    let pos = 0;
    for (let i = 0; i < 5_000; i++) board.record({ board: 'b', pos: pos++, ts: 0, user: `user-${i}`.padEnd(16, '-'), cid: `page-${i}`.padEnd(16, '-'), seq: 1, op: { k: 'undo' } });
    board.take();
    const own = new DownEncoder();
    own.adopt(board);
    const context = own.take();
    expect(context.length).toBeLessThan(4_096 * 45);
    const page = new CheckedDownDecoder('b');
    page.decode(context);
    // Someone the context forgot writes again: defined again, and read right.
    const early: LogRecord = { board: 'b', pos: pos++, ts: 1, user: 'user-0'.padEnd(16, '-'), cid: 'page-0'.padEnd(16, '-'), seq: 2, op: { k: 'redo' } };
    const recent: LogRecord = { ...early, pos: pos++, user: 'user-4999'.padEnd(16, '-'), cid: 'page-4999'.padEnd(16, '-') };
    board.record(early);
    board.record(recent);
    expect(page.decode(board.take())).toEqual([{ t: 'rec', r: early }, { t: 'rec', r: recent }]);

    const cursors = new DownEncoder();
    cursors.cursor('c1', 5, 5);
    cursors.cursor('c1', null, null);
    cursors.cursor('c1', 6, 6);
    // pointer 0, its cursor, gone; pointer 1 (a new number), its cursor from 0, 0.
    expect([...cursors.take()]).toEqual([0x04, 2, 0x63, 0x31, 0x02, 0, 10, 10, 0x03, 0, 0x04, 2, 0x63, 0x31, 0x02, 1, 12, 12]);
  });

  it('a record a page could not read is refused before anything is written, and the stream goes on', () => {
    const down = new DownEncoder();
    const page = new CheckedDownDecoder('b');
    const good: LogRecord = { board: 'b', pos: 1, ts: 5, user: 'u', cid: 'c', seq: 1, op: { k: 'undo' } };
    expect(() => down.record({ ...good, pos: 0, op: { k: 'ext', id: 'x', p: 'not points!' } })).toThrow(WireError);
    expect(() => down.record({ ...good, pos: 0, name: 'n'.repeat(300) })).toThrow(WireError);
    expect(() => down.record({ ...good, pos: 0, op: { k: 'begin', id: 's', color: '#000000', w: 2 ** 60, p: 'AA' } })).toThrow(WireError);
    expect(() => down.record({ ...good, pos: 0, op: { k: 'begin', id: 's', color: '#000000', w: 2, q: 1.5, p: 'AA' } })).toThrow(WireError);
    down.record(good);
    expect(page.decode(down.take())).toEqual([{ t: 'rec', r: good }]);
  });

  it('property: a page’s operations and cursors round-trip, one per frame, in the connection’s context', () => {
    fc.assert(
      fc.property(upMessages, (messages) => {
        const decoder = new CheckedUpDecoder();
        upFrames(messages).forEach((frame, i) => expect(decoder.decode(frame)).toEqual({ ok: true, value: messages[i] }));
      }),
    );
  });

  it('property: records and cursors round-trip, however they are cut into frames', () => {
    fc.assert(
      fc.property(downItems, fc.array(fc.boolean(), { minLength: 80, maxLength: 80 }), (items, cuts) => {
        const encoder = new DownEncoder();
        const decoder = new CheckedDownDecoder('b');
        const received: DownMessage[] = [];
        items.forEach((item, i) => {
          if (item.t === 'rec') encoder.record(item.r);
          else encoder.cursor(item.cid, item.x, item.y);
          if (cuts[i] || i === items.length - 1) received.push(...decoder.decode(encoder.take()));
        });
        // A cursor leaving is told only to pages that saw it.
        const shown = new Set<string>();
        const expected = items.filter((item) => {
          if (item.t !== 'cursor') return true;
          if (item.x !== null) return shown.add(item.cid);
          return shown.delete(item.cid);
        });
        expect(received).toEqual(expected);
      }),
    );
  });

  it('property: pages that adopt a board’s context at any point read its shared records exactly', () => {
    fc.assert(
      fc.property(downItems, fc.array(fc.nat({ max: 79 }), { minLength: 1, maxLength: 4 }), (items, joins) => {
        const board = new DownEncoder();
        const records = items.flatMap((item) => (item.t === 'rec' ? [item.r] : []));
        const pages: { at: number; own: DownEncoder; decoder: DownDecoder; got: LogRecord[] }[] = joins.map((at) => ({
          at: at % (records.length + 1),
          own: new DownEncoder(),
          decoder: new CheckedDownDecoder('b'),
          got: [],
        }));
        records.forEach((r, i) => {
          for (const page of pages) {
            if (page.at !== i) continue;
            // Joins here: its state holds the records before; it adopts the board's context.
            page.own.adopt(board);
            page.decoder.decode(page.own.take());
          }
          board.record(r);
          const shared = board.take();
          for (const page of pages) {
            if (page.at > i) continue;
            for (const m of page.decoder.decode(shared)) if (m.t === 'rec') page.got.push(m.r);
          }
        });
        for (const page of pages) expect(page.got).toEqual(records.slice(page.at));
      }),
    );
  });

  it('a live two-point extension costs a few bytes each way, not a JSON record', () => {
    const up = new UpEncoder();
    const down = new DownEncoder();
    const points = (i: number) => encodePoints([{ x: 400 + i * 4, y: 300 + (i % 3) }, { x: 402 + i * 4, y: 301 }], false);
    up.op({ t: 'op', s: 1, o: { k: 'begin', id: 'Kq3-stroke-17', color: '#1e1e1e', w: 4, p: points(0) } });
    const base = { board: 'b', user: 'user-public-id-1', cid: 'client-public-1' };
    down.record({ ...base, pos: 1000, ts: 1_796_000_000_000, seq: 1, name: 'Ann', op: { k: 'begin', id: 'Kq3-stroke-17', color: '#1e1e1e', w: 4, p: points(0) } });
    down.take();
    const sizes = { up: [] as number[], down: [] as number[] };
    for (let i = 1; i <= 20; i++) {
      sizes.up.push(up.op({ t: 'op', s: i + 1, o: { k: 'ext', id: 'Kq3-stroke-17', p: points(i) } }).length);
      down.record({ ...base, pos: 1000 + i, ts: 1_796_000_000_000 + 16 * i, seq: i + 1, op: { k: 'ext', id: 'Kq3-stroke-17', p: points(i) } });
      sizes.down.push(down.take().length);
    }
    // Tag, stroke number, value count, four one-byte values; down adds the time.
    expect(Math.max(...sizes.up)).toBeLessThanOrEqual(7);
    expect(Math.max(...sizes.down)).toBeLessThanOrEqual(8);
  });

  it('property: a frame changed in the middle of a valid stream makes neither decoder throw anything but a WireError', () => {
    const validUp = upMessages.map(upFrames);
    fc.assert(
      fc.property(validUp, fc.nat(), fc.nat(), fc.integer({ min: 0, max: 255 }), (frames, which, at, byte) => {
        const decoder = new CheckedUpDecoder();
        const cut = which % frames.length;
        // The valid frames before it bind strokes and set the context the changed one lands in.
        for (const frame of frames.slice(0, cut)) expect(decoder.decode(frame).ok).toBe(true);
        const changed = Uint8Array.from(frames[cut]!);
        changed[at % changed.length] = byte;
        expect(() => decoder.decode(changed)).not.toThrow();
        for (const frame of frames.slice(cut + 1)) expect(() => decoder.decode(frame)).not.toThrow();
      }),
    );
  });

  it('property: no frame makes the page-side decoder throw anything but a WireError, nor the server side throw at all', () => {
    const validUp = upMessages.map(upFrames);
    const mutated = fc.tuple(validUp, fc.nat(), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('flip', 'cut', 'append')).map(([frames, which, at, byte, how]) => {
      const frame = Uint8Array.from(frames[which % frames.length]!);
      if (how === 'cut') return frame.subarray(0, at % (frame.length + 1));
      if (how === 'append') return Uint8Array.from([...frame, byte]);
      frame[at % frame.length] = byte;
      return frame;
    });
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.uint8Array({ maxLength: 40 }), mutated), { maxLength: 30 }), (frames) => {
        const up = new CheckedUpDecoder();
        const down = new CheckedDownDecoder('b');
        for (const frame of frames) {
          expect(() => up.decode(frame)).not.toThrow();
          try {
            down.decode(frame);
          } catch (err) {
            expect(err).toBeInstanceOf(WireError);
          }
        }
      }),
    );
  });
});
