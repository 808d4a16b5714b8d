import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAll } from '../contract/board-log-contract.ts';
import { CLOSE, ERROR, LIMITS } from '../../server/protocol/messages.ts';
import { encodePoints } from '../../server/protocol/points.ts';
import { converged, rawSocket, webClient, type TestClient } from '../support/board-client.ts';
import { startServer, type RunningServer } from '../support/server.ts';

let server: RunningServer;
let good: TestClient;
const BOARD = 'hostile';

beforeAll(async () => {
  server = await startServer();
  good = webClient(server.ws, BOARD, 'good', 'Good');
  await good.live();
  good.stroke();
  await converged([good]);
});
afterAll(async () => {
  good.close();
  await server.close();
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
}

describe('bad input is answered, and harms no one else', () => {
  it.each([
    ['malformed JSON', '{"t":"op",', /not valid JSON/],
    ['an unknown message type', { t: 'boom' }, /unknown message type/],
    ['an unknown operation', { t: 'op', s: 1, o: { k: 'fill' } }, /unknown operation/],
    ['non-finite coordinates', '{"t":"cursor","x":NaN,"y":1}', /not valid JSON/],
    ['absurd coordinates', { t: 'op', s: 1, o: { k: 'begin', id: 'x1', color: '#000000', w: 3, p: encodePoints([{ x: 9e9, y: 0 }], false) } }, /out of range|absurdly large/],
    ['an extension of a stroke that is not theirs', { t: 'op', s: 1, o: { k: 'ext', id: 'nope', p: encodePoints([{ x: 1, y: 1 }], false) } }, /no stroke nope/],
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

  it.each([
    ['a frame over the size limit', () => 'x'.repeat(LIMITS.maxFrameBytes + 1), CLOSE.tooBig],
    ['a binary frame', () => Buffer.from([1, 2, 3]), CLOSE.unsupportedData],
  ])('%s closes the socket with a code', async (_label, frame, code) => {
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
    for (let i = 0; i <= LIMITS.maxMessagesPerSecond; i++) flood.send({ t: 'cursor', x: i, y: i });
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
