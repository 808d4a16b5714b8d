import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAll } from '../contract/board-log-contract.ts';
import { applyRecord } from '../../server/board/fold.ts';
import { emptyBoard } from '../../server/board/state.ts';
import type { BoardLog } from '../../server/log/board-log.ts';
import { EmbeddedLog } from '../../server/log/embedded-log.ts';
import { CLOSE, ERROR, LIMITS } from '../../server/protocol/messages.ts';
import { encodePoints } from '../../server/protocol/points.ts';
import { converged, rawSocket, webClient, type TestClient } from '../support/board-client.ts';
import { startServer, tempDir, type RunningServer } from '../support/server.ts';

let server: RunningServer;
let good: TestClient;
let dir: Awaited<ReturnType<typeof tempDir>>;
const BOARD = 'hostile';
/** Appends to this board throw (not reject) inside the room: a bug met while handling a message. */
const EXPLODING_BOARD = 'explodes';

/** The embedded log, except that appending to one board throws, as a bug would. */
function withFaultyBoard(log: BoardLog): BoardLog {
  return new Proxy(log, {
    get(target, prop, receiver) {
      if (prop === 'append') {
        return (record: Parameters<BoardLog['append']>[0]) => {
          if (record.board === EXPLODING_BOARD) throw new TypeError('injected fault while appending');
          return target.append(record);
        };
      }
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

beforeAll(async () => {
  dir = await tempDir();
  // A budget large enough for the stroke-limit case to run without waiting.
  server = await startServer(withFaultyBoard(new EmbeddedLog(dir.path)), { quotas: { writeBurstPoints: 50_000 } });
  good = webClient(server.ws, BOARD, 'good', 'Good');
  await good.live();
  good.stroke();
  await converged([good]);
});
afterAll(async () => {
  good.close();
  await server.close();
  await dir.remove();
});

/** After each attack: the good client still draws, and the log holds only its records. */
async function boardStillWorks(): Promise<void> {
  const before = good.visible().length;
  good.stroke();
  await converged([good]);
  expect(good.visible().length).toBe(before + 1);
  expect(good.refusals).toEqual([]);
  const users = new Set((await readAll(server.log, BOARD)).map((r) => r.user));
  expect([...users]).toEqual([good.user]);
  expect((await fetch(`${server.http}/healthz`)).status).toBe(200);
}

describe('bad input is answered, and harms no one else', () => {
  it.each([
    ['malformed JSON', '{"t":"op",', /not valid JSON/],
    ['an unknown message type', { t: 'boom' }, /^t must be one of/],
    ['a type that is an object with its own toString', '{"t":{"toString":1}}', /^t must be one of/],
    ['an operation kind that is such an object', '{"t":"op","s":1,"o":{"k":{"toString":1}}}', /^o.k must be one of/],
    ['an array nested 5,000 deep', `{"t":${'['.repeat(5_000)}${']'.repeat(5_000)}}`, /nests deeper than 8/],
    ['a prototype key', '{"t":"__proto__"}', /^t must be one of/],
    ['an unknown operation', { t: 'op', s: 1, o: { k: 'fill' } }, /^o.k must be one of/],
    ['non-finite coordinates', '{"t":"cursor","x":NaN,"y":1}', /not valid JSON/],
    ['absurd coordinates', { t: 'op', s: 1, o: { k: 'begin', id: 'x1', color: '#000000', w: 3, p: encodePoints([{ x: 9e9, y: 0 }], false) } }, /out of range|absurdly large/],
    ['a precision finer than the protocol allows', { t: 'op', s: 1, o: { k: 'begin', id: 'x1', color: '#000000', w: 3, q: 4, p: encodePoints([{ x: 1, y: 0 }], false, 4) } }, /^o.q must be/],
    ['a precision that is not a whole number', { t: 'op', s: 1, o: { k: 'begin', id: 'x1', color: '#000000', w: 3, q: 1.5, p: 'AA' } }, /^o.q must be/],
    ['fine units past the edge of the board', { t: 'op', s: 1, o: { k: 'begin', id: 'x1', color: '#000000', w: 3, q: 3, p: encodePoints([{ x: 1_000_001, y: 0 }], false, 3) } }, /out of range/],
  ])('%s gets an error reply', async (_label, frame, reason) => {
    const bad = await rawSocket(server.ws, BOARD);
    await bad.hello();
    bad.send(frame);
    const error = await bad.next((m) => m.t === 'error');
    expect(error).toMatchObject({ t: 'error', code: ERROR.badMessage, reason: expect.stringMatching(reason) });
    expect(bad.socket.readyState).toBe(bad.socket.OPEN);
    bad.socket.close();
    await boardStillWorks();
  });

  it('the same hostile frames before hello get an error too, and the server stays up', async () => {
    const bad = await rawSocket(server.ws, BOARD);
    for (const frame of ['{"t":{"toString":1}}', '{"t":"op","s":1,"o":{"k":{"toString":1}}}', '['.repeat(5_000) + ']'.repeat(5_000)]) {
      bad.send(frame);
      expect(await bad.next((m) => m.t === 'error')).toMatchObject({ code: ERROR.badMessage });
    }
    bad.socket.close();
    await boardStillWorks();
  });

  it('operations the board would ignore never reach the log, and each refusal says why', async () => {
    const board = 'junk';
    const owner = webClient(server.ws, board, 'owner', 'Owner');
    await owner.live();
    const theirs = owner.stroke();
    await converged([owner]);
    const bad = await rawSocket(server.ws, board);
    await bad.hello();
    const refused: [number, Parameters<typeof bad.op>[1], RegExp][] = [
      [1, { k: 'ext', id: theirs, p: encodePoints([{ x: 1, y: 1 }], false) }, /no stroke of yours/],
      [2, { k: 'end', id: theirs }, /no stroke of yours/],
      [3, { k: 'end', id: 'never-begun' }, /no stroke of yours/],
      [4, { k: 'begin', id: theirs, color: '#000000', w: 2, p: encodePoints([{ x: 1, y: 1 }], false) }, /stroke id is taken/],
    ];
    for (const [s, op, reason] of refused) {
      bad.op(s, op);
      expect(await bad.next((m) => m.t === 'error' && m.s === s)).toMatchObject({ code: ERROR.refused, reason: expect.stringMatching(reason) });
    }
    // A stroke of its own, then the same sequence number again and one going backwards.
    bad.op(10, { k: 'begin', id: 'mine', color: '#000000', w: 2, p: encodePoints([{ x: 5, y: 5 }], false) });
    await bad.next((m) => m.t === 'rec' && m.r.seq === 10);
    bad.op(10, { k: 'begin', id: 'mine2', color: '#000000', w: 2, p: encodePoints([{ x: 5, y: 5 }], false) });
    expect(await bad.next((m) => m.t === 'ack')).toEqual({ t: 'ack', s: 10 });
    bad.op(7, { k: 'end', id: 'mine' });
    expect(await bad.next((m) => m.t === 'ack')).toEqual({ t: 'ack', s: 7 });
    bad.op(11, { k: 'end', id: 'mine' });
    await bad.next((m) => m.t === 'rec' && m.r.seq === 11);
    bad.op(12, { k: 'end', id: 'mine' });
    expect(await bad.next((m) => m.t === 'error' && m.s === 12)).toMatchObject({ code: ERROR.refused, reason: 'that stroke has ended' });

    const records = await readAll(server.log, board);
    const mine = records.filter((r) => r.cid !== owner.cid).map((r) => [r.seq, r.op.k]);
    expect(mine).toEqual([
      [10, 'begin'],
      [11, 'end'],
    ]);
    // Every record in the log is one the fold applies.
    const state = emptyBoard();
    for (const rec of records) expect(applyRecord(state, rec)).toBeNull();
    bad.socket.close();
    owner.close();
  });

  it('refusals count toward the bad-message limit; races an honest client meets do not', async () => {
    const board = 'counting';
    const owner = webClient(server.ws, board, 'owner2', 'Owner');
    await owner.live();
    const theirs = owner.stroke();
    await converged([owner]);

    const honest = await rawSocket(server.ws, board);
    await honest.hello();
    // Undo with nothing to undo, erasing what is gone, clearing an empty board: no effect, not counted.
    for (let s = 1; s <= LIMITS.maxErrorsPerSession + 5; s++) honest.op(s, s % 2 ? { k: 'undo' } : { k: 'erase', ids: ['gone'] });
    const last = await honest.next((m) => m.t === 'error' && m.s === LIMITS.maxErrorsPerSession + 5);
    expect(last).toMatchObject({ code: ERROR.noEffect });
    expect(honest.socket.readyState).toBe(honest.socket.OPEN);

    const hostile = await rawSocket(server.ws, board);
    await hostile.hello();
    for (let s = 1; s <= LIMITS.maxErrorsPerSession; s++) hostile.op(s, { k: 'end', id: theirs });
    expect(await hostile.closed).toEqual({ code: CLOSE.badRequest, reason: 'too many bad messages' });

    const early = await rawSocket(server.ws, board);
    for (let i = 0; i < LIMITS.maxErrorsPerSession; i++) early.op(i + 1, { k: 'clear' });
    expect(await early.closed).toEqual({ code: CLOSE.badRequest, reason: 'too many bad messages' });
    expect(owner.visible()).toEqual([theirs]);
    honest.socket.close();
    owner.close();
  });

  it('a stroke over its point limit is refused to its author, nothing past the limit is saved', async () => {
    const watcher = webClient(server.ws, 'long-strokes', 'watcher');
    await watcher.live();
    const bad = await rawSocket(server.ws, 'long-strokes');
    await bad.hello();
    const chunk = encodePoints(Array.from({ length: LIMITS.maxPointsPerOp }, (_, i) => ({ x: i, y: i })), false);
    bad.op(1, { k: 'begin', id: 'long1', color: '#000000', w: 2, p: chunk });
    const perStroke = LIMITS.maxPointsPerStroke / LIMITS.maxPointsPerOp;
    for (let s = 2; s <= perStroke + 1; s++) bad.op(s, { k: 'ext', id: 'long1', p: chunk });
    const error = await bad.next((m) => m.t === 'error');
    expect(error).toMatchObject({ code: ERROR.strokeTooLong, s: perStroke + 1 });
    await expect.poll(() => watcher.state.strokes.get('long1')?.n).toBe(LIMITS.maxPointsPerStroke);
    bad.op(perStroke + 2, { k: 'undo' }); // sent just before closing: still applied
    bad.socket.close();
    await expect.poll(() => watcher.state.strokes.get('long1')?.undone).toBe(true);
    watcher.close();
  });

  it('an exception while handling a message closes that client with 1011; the server and its other clients go on', async () => {
    const bystander = webClient(server.ws, EXPLODING_BOARD, 'bystander');
    await bystander.live();
    const victim = await rawSocket(server.ws, EXPLODING_BOARD);
    await victim.hello();
    victim.op(1, { k: 'begin', id: 'boom', color: '#000000', w: 2, p: encodePoints([{ x: 1, y: 1 }], false) });
    expect(await victim.closed).toMatchObject({ code: CLOSE.internalError });
    expect(bystander.status).toBe('live');
    await boardStillWorks();
    bystander.close();
  });

  it.each([
    ['an unknown frame type', [0x07], /unknown frame type 7/],
    ['unknown flags on an operation', [0x08 | 0x40, 0], /unknown flags/],
    ['a frame cut short', [0x08 | 0x00, 1], /ends too early/],
    ['bytes past the message', [0x02, 0x00], /bytes past its message/],
    ['an extension of a stroke number never bound', [0x08 | 0x01 | 0x20, 9, 2, 0, 0], /stroke number 9 is not bound/],
    ['a number that never ends', [0x01, ...new Array<number>(12).fill(0xff)], /too large/],
    ['a string that is not UTF-8', [0x08 | 0x03 | 0x20, 1, 2, 0xc3, 0x28], /not UTF-8/],
    ['more points than a message may hold', [0x08 | 0x01 | 0x20, 0, 1, 0x61, 0xf0, 0x2e], /at most 3000 values/],
    ['an absurd coordinate in a valid frame', [0x01, 0xff, 0xff, 0xff, 0xff, 0x7f, 0], /x must be/],
  ])('a binary frame with %s gets an error reply', async (_label, bytes, reason) => {
    const bad = await rawSocket(server.ws, BOARD);
    await bad.hello();
    bad.send(Buffer.from(bytes));
    const error = await bad.next((m) => m.t === 'error');
    expect(error).toMatchObject({ t: 'error', code: ERROR.badMessage, reason: expect.stringMatching(reason) });
    expect(bad.socket.readyState).toBe(bad.socket.OPEN);
    bad.socket.close();
    await boardStillWorks();
  });

  it('a binary operation that is refused names its sequence number, so its author can drop it', async () => {
    const bad = await rawSocket(server.ws, BOARD);
    await bad.hello();
    // An extension of stroke "a" by id, with no points: sequence number 1.
    bad.send(Buffer.from([0x08 | 0x01 | 0x20, 0, 1, 0x61, 0]));
    expect(await bad.next((m) => m.t === 'error')).toMatchObject({ code: ERROR.badMessage, s: 1, reason: expect.stringMatching(/^o.p /) });
    bad.socket.close();
    await boardStillWorks();
  });

  it.each([['a frame over the size limit', () => 'x'.repeat(LIMITS.maxFrameBytes + 1), CLOSE.tooBig]])('%s closes the socket with a code', async (_label, frame, code) => {
    const bad = await rawSocket(server.ws, BOARD);
    await bad.hello();
    bad.send(frame());
    expect((await bad.closed).code).toBe(code);
    await boardStillWorks();
  });

  it('an invalid board id closes with 4400 and a reason', async () => {
    const bad = await rawSocket(server.ws, 'not%20valid');
    expect(await bad.closed).toEqual({ code: CLOSE.badRequest, reason: 'invalid board id' });
  });

  it('an unsupported protocol version is closed with a reason', async () => {
    const bad = await rawSocket(server.ws, BOARD);
    bad.send({ t: 'hello', v: 99, user: 'u', cid: 'c', name: 'n' });
    expect(await bad.closed).toMatchObject({ code: CLOSE.badRequest, reason: expect.stringMatching(/version 99/) });
  });

  it('operations before hello are refused', async () => {
    const bad = await rawSocket(server.ws, BOARD);
    bad.op(1, { k: 'clear' });
    expect(await bad.next((m) => m.t === 'error')).toMatchObject({ code: ERROR.notJoined });
    bad.socket.close();
    await boardStillWorks();
  });

  it('a flood of bad messages closes the session; a flood of any messages is rate limited', async () => {
    const bad = await rawSocket(server.ws, BOARD);
    for (let i = 0; i < LIMITS.maxErrorsPerSession; i++) bad.send('nope');
    expect(await bad.closed).toMatchObject({ code: CLOSE.badRequest, reason: 'too many bad messages' });

    const flood = await rawSocket(server.ws, BOARD);
    await flood.hello();
    // A second's worth and a second's more for the network are allowed at once; three are not.
    for (let i = 0; i <= 3 * LIMITS.maxMessagesPerSecond; i++) flood.send({ t: 'cursor', x: i, y: i });
    expect(await flood.closed).toMatchObject({ code: CLOSE.rateLimited });
    await boardStillWorks();
  });

  it('the server keeps serving HTTP and new clients after all of it', async () => {
    expect((await fetch(`${server.http}/readyz`)).status).toBe(200);
    const late = webClient(server.ws, BOARD, 'late', 'Late');
    await late.live();
    await converged([good, late]);
    late.close();
  });
});
