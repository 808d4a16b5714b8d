/**
 * Which client operations may go to the log: only those the fold would
 * apply where they will land. That is after every operation this room has
 * already sent to the log and not yet heard back, so the room keeps a
 * second state, `ahead`: the board with those operations folded in. A
 * candidate is judged by folding it into `ahead` (fold.ts's `applyOp`, the
 * same rule every reader of the log uses), so the edge and the fold cannot
 * disagree.
 *
 * On one instance the log's order is the order of admission, and `ahead`
 * ends exactly where the board does. Records this room did not admit
 * (another instance's, a fork's) are folded into `ahead` too; when one of
 * them lands before our operations and changes their outcome (two people
 * erasing one stroke at once on different instances), or an append fails,
 * `ahead` has drifted: it is rebuilt at once from the board and the
 * operations still in flight.
 */
import { applyLogged, applyOp, type OpRecord, type Verdict } from '../board/fold.ts';
import { cloneBoard, type BoardState } from '../board/state.ts';
import { recordWeight } from '../board/weight.ts';
import type { LogRecord } from '../protocol/messages.ts';
import type { NewRecord } from '../log/board-log.ts';

/**
 * Positions for operations folded ahead of the log, above any real one, so
 * that the actions they create never collide with those of logged records.
 */
const AHEAD_POSITIONS = 2 ** 52;

export class Admission {
  /**
   * Made from the board when the first operation is judged: until then it
   * would equal the board, and a copy of a board of a million points costs
   * a joiner of a board nobody draws on 60 ms.
   */
  private ahead: BoardState | null = null;
  /** Admitted operations not yet back from the log, in the order they were appended. */
  private readonly inFlight: OpRecord[] = [];
  private nextPos = AHEAD_POSITIONS;

  constructor(private readonly board: BoardState) {}

  /** The board as it will be once everything admitted is in the log. */
  get state(): BoardState {
    return this.ahead ?? this.board;
  }

  /** Judges a client's operation; if the fold applies it, it is admitted (and folded ahead). */
  admit(record: NewRecord): Verdict {
    // Built field by field: spreading the record cost more than folding it.
    const candidate: OpRecord = { pos: this.nextPos++, ts: this.board.ts, user: record.user, cid: record.cid, seq: record.seq, name: record.name, op: record.op };
    this.ahead ??= cloneBoard(this.board);
    const verdict = applyOp(this.ahead, candidate);
    if (verdict) return verdict;
    this.ahead.size += recordWeight(record.op);
    this.inFlight.push(candidate);
    return null;
  }

  /** A record came back from the log and was folded into the board with `verdict`. */
  logged(rec: LogRecord, verdict: Verdict): void {
    const head = this.inFlight[0];
    // A revert's effect depends on where it lands and when (its time range): judged ahead at
    // another place and time, it may have taken other work than the log's did. Start again from the board.
    if (rec.op.k === 'revert' && !verdict) {
      if (head && head.cid === rec.cid && head.seq === rec.seq) this.inFlight.shift();
      this.rebuild();
    } else if (head && head.cid === rec.cid && head.seq === rec.seq) {
      this.inFlight.shift();
      if (verdict) this.rebuild();
    } else if (this.ahead && (applyLogged(this.ahead, rec) === null) !== (verdict === null)) {
      this.rebuild();
    }
  }

  /** An admitted operation did not reach the log. */
  failed(record: NewRecord): void {
    const i = this.inFlight.findIndex((f) => f.cid === record.cid && f.seq === record.seq);
    if (i >= 0) this.inFlight.splice(i, 1);
    this.rebuild();
  }

  /**
   * `ahead` drifted from the board: start again from the board and fold in
   * what is still on its way, judged anew (what no longer applies there was
   * judged on a board that will not be).
   */
  private rebuild(): void {
    this.ahead = cloneBoard(this.board);
    for (const record of this.inFlight) {
      if (!applyOp(this.ahead, record)) this.ahead.size += recordWeight(record.op);
    }
  }
}
