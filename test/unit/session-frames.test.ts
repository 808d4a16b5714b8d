/**
 * What a page receives of a board's live records: every record handed to
 * it in one turn of the event loop (a commit of the log) goes out as one
 * binary frame, to every page of the board, in order; records and cursors
 * of a later turn go in a later frame. The pages read them back with the
 * web app's decoder. The transport is a socket that keeps what it is sent.
 */
import { describe, expect, it } from 'vitest';
import type { LogRecord } from '../../server/protocol/messages.ts';
import { DownDecoder, DownEncoder } from '../../server/protocol/wire.ts';
import { Session, type ClientSocket } from '../../server/rooms/session.ts';
import { RecordMaker } from '../support/records.ts';

class KeptSocket implements ClientSocket {
  readonly frames: (string | Uint8Array)[] = [];
  open = true;
  send(frame: string | Uint8Array): void {
    this.frames.push(frame);
  }
  sendTextBytes(frame: Uint8Array): void {
    this.frames.push(frame);
  }
  close(): void {
    this.open = false;
  }
  isOpen(): boolean {
    return this.open;
  }
  bufferedAmount(): number {
    return 0;
  }
  pause(): void {}
  resume(): void {}
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A board's pages, sharing the board's encoder as a room's do. */
function board(pages: number) {
  const encoder = new DownEncoder();
  const sockets = Array.from({ length: pages }, () => new KeptSocket());
  const sessions = sockets.map((socket) => new Session('b1', socket));
  for (const session of sessions) session.adopt(encoder);
  const hand = (rec: LogRecord) => {
    encoder.record(rec);
    const encoded = encoder.take();
    for (const session of sessions) session.sendRecord(rec, encoded);
  };
  return { sockets, sessions, hand };
}

/** What a page reads from its frames, frame by frame. */
function read(socket: KeptSocket): string[][] {
  const decoder = new DownDecoder('b1');
  return socket.frames.map((frame) => decoder.decode(frame as Uint8Array).map((m) => (m.t === 'rec' ? `rec ${m.r.pos} ${m.r.op.k}` : `cursor ${m.cid}`)));
}

describe('a board page receives live records', () => {
  it('a turn of records goes out as one frame to each page, in order; a later turn in a later frame', async () => {
    const { sockets, sessions, hand } = board(40);
    const make = new RecordMaker();
    const first = [...make.stroke('ann', 's1'), ...make.stroke('bob', 's2')];
    for (const rec of first) hand(rec);
    expect(sockets.every((s) => s.frames.length === 0)).toBe(true);
    await nextTurn();
    hand(make.begin('ann', 's3'));
    sessions[0]!.sendCursor('c-bob', 10, 20);
    await nextTurn();
    for (const socket of sockets.slice(1)) expect(read(socket)).toEqual([first.map((r) => `rec ${r.pos} ${r.op.k}`), ['rec 6 begin']]);
    expect(read(sockets[0]!)).toEqual([first.map((r) => `rec ${r.pos} ${r.op.k}`), ['rec 6 begin', 'cursor c-bob']]);
  });

  it('a page whose socket closed is sent nothing, and the others still get theirs', async () => {
    const { sockets, hand } = board(3);
    const make = new RecordMaker();
    sockets[1]!.open = false;
    for (const rec of make.stroke('ann', 's1')) hand(rec);
    await nextTurn();
    expect(sockets.map((s) => s.frames.length)).toEqual([1, 0, 1]);
    for (const rec of make.stroke('bob', 's2')) hand(rec);
    await nextTurn();
    expect(sockets.map((s) => s.frames.length)).toEqual([2, 0, 2]);
  });
});
