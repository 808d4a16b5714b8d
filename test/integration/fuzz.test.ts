/**
 * Seeded fuzzing against a running server: while honest clients draw,
 * hostile clients (one holding the edit key, one with a view-only link)
 * send streams of valid messages and hostile frames, fast-check's and the
 * fixed shapes that once took the server down. Whatever they send, the
 * server stays up, the honest clients converge with their work intact, and
 * every record in the log is one the fold applies. Every frame either way
 * reads the same with a decoder written from docs/protocol.md alone
 * (support/checked-decoders.ts).
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyRecord } from '../../server/board/fold.ts';
import { emptyBoard } from '../../server/board/state.ts';
import { PROTOCOL_VERSION } from '../../server/protocol/messages.ts';
import { encodePoints } from '../../server/protocol/points.ts';
import { readAll } from '../contract/board-log-contract.ts';
import { publicId } from '../../server/rooms/connection.ts';
import { parseClientMessage } from '../../server/protocol/validate.ts';
import { converged, rawSocket, waitUntil, webClient, type RawSocket, type TestClient } from '../support/board-client.ts';
import { CheckedUpDecoder } from '../support/checked-decoders.ts';
import { BinaryConnection, binaryClientFrames, clientFrames, REGRESSION_FRAMES, type BinaryItem } from '../support/frames.ts';
import { startServer, type RunningServer } from '../support/server.ts';

let server: RunningServer;
beforeAll(async () => {
  // Quotas as shipped, but for the number of sockets from this one test address.
  server = await startServer(undefined, { quotas: { maxConnectionsPerIp: 1_000 } });
});
afterAll(() => server.close());

const points = (seed: number, n: number) => encodePoints(Array.from({ length: n }, (_, i) => ({ x: seed * 10 + i, y: i * 3 })), false);

/**
 * A hostile client that reconnects whenever the server closes it, until its
 * frames are sent: text frames, then binary ones, encoded in the context of
 * the connection they go out on.
 */
async function hostile(board: string, key: string | undefined, frames: (string | BinaryItem)[], owner?: string): Promise<string[]> {
  const users: string[] = [];
  let socket: RawSocket | null = null;
  let binary = new BinaryConnection(1_000);
  // The server's context of this connection, mirrored: what it reads of each frame must be what the document reads.
  let mirror = new CheckedUpDecoder();
  const send = (frame: string | BinaryItem) => {
    if (typeof frame === 'string') {
      mirror.text(parseClientMessage(frame));
      return socket!.send(frame);
    }
    const bytes = binary.frame(frame);
    // Throws ProtocolMismatch where the two disagree.
    mirror.decode(bytes);
    socket!.send(bytes);
  };
  const connect = async () => {
    socket = await rawSocket(server.ws, board);
    // Sequence numbers above the text frames' (at most 150), going up across connections.
    binary = new BinaryConnection(1_000 + 1_000 * users.length);
    mirror = new CheckedUpDecoder();
    const user = randomBytes(6).toString('hex');
    // A few frames before hello, then hello (with or without the edit key).
    for (const frame of frames.splice(0, 2)) send(frame);
    socket.send({ t: 'hello', v: PROTOCOL_VERSION, user, cid: user, name: 'Fuzz', ...(key ? { key } : {}), ...(owner ? { owner } : {}) });
    await socket.next((m) => m.t === 'synced' || m.t === 'error').catch(() => undefined);
    users.push(user);
  };
  await connect();
  while (frames.length > 0) {
    if (socket!.socket.readyState !== socket!.socket.OPEN) await connect();
    send(frames.shift()!);
    if (frames.length % 8 === 0) await new Promise((r) => setImmediate(r));
  }
  await new Promise((r) => setTimeout(r, 100));
  socket!.socket.close();
  return users;
}

/** Honest drawing: strokes in several pieces, a note typed in and dragged, an undo and a redo, an erase of one's own stroke. */
async function draw(client: TestClient, ids: string[]): Promise<void> {
  for (const [i, id] of ids.entries()) {
    client.send({ k: 'ext', id, p: points(i, 3) });
    client.send({ k: 'end', id });
    await new Promise((r) => setTimeout(r, 5));
  }
  const extra = `${ids[0]}-more`;
  client.send({ k: 'begin', id: extra, color: '#1971c2', w: 3, p: points(9, 2) });
  client.send({ k: 'end', id: extra });
  const note = `${ids[0]}-note`;
  client.send({ k: 'add', v: 1, els: [{ id: note, type: 'note', m: [1, 0, 0, 1, 0, 0], w: 200, h: 200, color: '#1e1e1e', fill: '#ffec99', fs: 20 }] });
  client.send({ k: 'set', v: 1, ids: [note], p: { text: 'H' } });
  client.send({ k: 'set', v: 1, c: 1, p: { text: 'Hi' } });
  client.send({ k: 'xf', v: 1, ids: [note, ids[0]!], m: [1, 0, 0, 1, 5, 5] });
  client.send({ k: 'xf', v: 1, c: 1, m: [1, 0, 0, 1, 5, 5] });
  client.send({ k: 'undo' });
  client.send({ k: 'redo' });
  client.send({ k: 'erase', ids: [extra] });
}

describe('fuzzing a running server', () => {
  it('hostile and valid frames mixed: the server stays up, honest clients converge, the log holds only what the fold applies', { timeout: 120_000 }, async () => {
    let run = 0;
    let insiderElementOps = 0;
    // Text frames, then binary ones in the same connection; element operations among them.
    const scenario = fc.record({
      insider: fc.tuple(clientFrames(['h0', 'h1', 'h2', 'h3', 'h0-note', 'f1'], 150), binaryClientFrames(['h0', 'h1', 'h2', 'h3', 'h2-note', 'f3'], 100)).map(([text, binary]) => [...text, ...binary]),
      outsider: fc.tuple(clientFrames(['h0', 'h2', 'f2'], 60), binaryClientFrames(['h0', 'h2', 'f4'], 40)).map(([text, binary]) => [...text, ...binary]),
    });
    await fc.assert(
      fc.asyncProperty(scenario, async ({ insider, outsider }) => {
        const board = `fuzz-${++run}`;
        const key = `fuzz-key-${run}`;
        const ann = webClient(server.ws, board, `ann${run}`, 'Ann', key);
        const bob = webClient(server.ws, board, `bob${run}`, 'Bob', key);
        try {
          await ann.live();
          ann.send({ k: 'claim' });
          await bob.live();
          // Honest strokes begin before the fuzzing does, so their ids are theirs.
          const annIds = ['h0', 'h1'];
          const bobIds = ['h2', 'h3'];
          for (const [client, ids] of [[ann, annIds], [bob, bobIds]] as const) {
            for (const [i, id] of ids.entries()) client.send({ k: 'begin', id, color: '#000000', w: 2, p: points(i, 2) });
          }
          await converged([ann, bob]);

          const [insiders, outsiders] = await Promise.all([
            hostile(board, key, [...insider]),
            hostile(board, undefined, [...outsider, ...REGRESSION_FRAMES.slice(0, 3)]),
            draw(ann, annIds),
            draw(bob, bobIds),
          ]);
          await converged([ann, bob], 20_000);

          expect((await fetch(`${server.http}/healthz`)).status).toBe(200);
          // The honest strokes are whole: nobody else could extend or end them.
          for (const id of [...annIds, ...bobIds]) expect(ann.state.strokes.get(id)).toMatchObject({ n: 5, ended: true });
          // A late joiner sees the same board.
          const late = webClient(server.ws, board, `late${run}`, 'Late', key);
          await late.live();
          await converged([ann, bob, late]);
          late.close();

          const records = await readAll(server.log, board);
          const state = emptyBoard();
          for (const rec of records) expect({ pos: rec.pos, verdict: applyRecord(state, rec) }).toEqual({ pos: rec.pos, verdict: null });
          // Nothing from the view-only link reached the log; the insider's meaningful operations did.
          const outsiderCids = new Set(outsiders.map(publicId));
          expect(records.filter((r) => outsiderCids.has(r.cid))).toEqual([]);
          expect(insiders.length).toBeGreaterThan(0);
          const insiderCids = new Set(insiders.map(publicId));
          insiderElementOps += records.filter((r) => insiderCids.has(r.cid) && (r.op.k === 'add' || r.op.k === 'set' || r.op.k === 'xf')).length;
        } finally {
          ann.close();
          bob.close();
        }
      }),
      { seed: 20_261_122, numRuns: 12, endOnFailure: true },
    );
    // The fuzzing reached elements: some of the insider's element operations were ones the fold applies.
    expect(insiderElementOps).toBeGreaterThan(0);
  });

  it("an owner link in hostile hands: pauses, new edit links and reverts mixed with garbage; the owner's page and the log agree", { timeout: 120_000 }, async () => {
    let run = 0;
    let ownerOps = 0;
    const scenario = fc.tuple(clientFrames(['h0', 'h1', 'h0-note', 'f1'], 120), binaryClientFrames(['h0', 'h1', 'f3'], 60)).map(([text, binary]) => [...text, ...binary]);
    await fc.assert(
      fc.asyncProperty(scenario, async (frames) => {
        const board = `fuzz-owner-${++run}`;
        const owner = `fuzz-owner-key-${run}`;
        const ann = webClient(server.ws, board, `ann-o${run}`, 'Ann', undefined, owner);
        try {
          await ann.live();
          ann.send({ k: 'own' });
          await waitUntil(() => ann.role === 'owner', 'Ann owns the board');
          const ids = ['h0', 'h1'];
          for (const [i, id] of ids.entries()) ann.send({ k: 'begin', id, color: '#000000', w: 2, p: points(i, 2) });
          await converged([ann]);
          // The hostile page holds the owner link too: its owner operations are the owner's.
          const [hostiles] = await Promise.all([hostile(board, undefined, [...frames], owner), draw(ann, ids)]);
          await converged([ann], 20_000);
          expect((await fetch(`${server.http}/healthz`)).status).toBe(200);
          const late = webClient(server.ws, board, `late-o${run}`, 'Late', undefined, owner);
          await late.live();
          await converged([ann, late]);
          late.close();
          const records = await readAll(server.log, board);
          const state = emptyBoard();
          for (const rec of records) expect({ pos: rec.pos, verdict: applyRecord(state, rec) }).toEqual({ pos: rec.pos, verdict: null });
          const hostileCids = new Set(hostiles.map(publicId));
          ownerOps += records.filter((r) => hostileCids.has(r.cid) && (r.op.k === 'pause' || r.op.k === 'rekey' || r.op.k === 'revert' || r.op.k === 'board')).length;
        } finally {
          ann.close();
        }
      }),
      { seed: 20_261_204, numRuns: 6, endOnFailure: true },
    );
    // The fuzzing reached the owner's operations: some were ones the fold applies.
    expect(ownerOps).toBeGreaterThan(0);
  });
});
