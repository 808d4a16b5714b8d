import type { LogRecord, Op } from '../../server/protocol/messages.ts';
import { encodePoints, type Point } from '../../server/protocol/points.ts';

/** Builds log records for fold tests: positions and times count up. */
export class RecordMaker {
  private pos = 0;
  constructor(readonly board = 'b1') {}

  rec(user: string, op: Op): LogRecord {
    const pos = this.pos++;
    return { board: this.board, pos, ts: 1_000 + pos, user, cid: `c-${user}`, seq: pos, op };
  }

  begin(user: string, id: string, points: Point[] = [{ x: 1, y: 2 }, { x: 3, y: 4 }]): LogRecord {
    return { ...this.rec(user, { k: 'begin', id, color: '#000000', w: 4, p: encodePoints(points, false) }), name: user };
  }

  stroke(user: string, id: string): LogRecord[] {
    return [this.begin(user, id), this.rec(user, { k: 'ext', id, p: encodePoints([{ x: 5, y: 6 }], false) }), this.rec(user, { k: 'end', id })];
  }
}
