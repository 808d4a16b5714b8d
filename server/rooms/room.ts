/**
 * A live board in this process: its folded state, its sessions, fan-out.
 *
 * A client's operation goes to the log first; the room hears it back from
 * the log's subscription, folds it and sends it to every session, the author
 * included (that echo is the author's acknowledgement). So every client sees
 * one order: the log's.
 */
import type { Logger } from '../logger.ts';
import { applyRecord } from '../board/fold.ts';
import { emptyBoard, type BoardState } from '../board/state.ts';
import { toSnapshot } from '../board/snapshot.ts';
import { LogUnavailableError, type BoardLog } from '../log/board-log.ts';
import {
  CLOSE,
  ERROR,
  LIMITS,
  PROTOCOL_VERSION,
  type CursorMessage,
  type Hello,
  type LogRecord,
  type OpMessage,
  type ServerMessage,
} from '../protocol/messages.ts';
import { countPoints } from '../protocol/points.ts';
import { validateExtension } from '../protocol/validate.ts';
import type { Session } from './session.ts';

/** Behind by more than this many records, a client gets the whole board instead. */
const MAX_CATCH_UP_RECORDS = 5_000;

export class Room {
  readonly sessions = new Set<Session>();
  private state: BoardState = emptyBoard();
  /** Records heard while loading; folded once the history is in. */
  private early: LogRecord[] | null = [];
  readonly loaded: Promise<void>;

  constructor(
    readonly board: string,
    private readonly log: BoardLog,
    private readonly logger: Logger,
  ) {
    this.loaded = this.load();
  }

  private async load(): Promise<void> {
    const started = Date.now();
    for await (const page of this.log.read(this.board, 0)) {
      for (const rec of page) applyRecord(this.state, rec);
    }
    for (const rec of this.early!) applyRecord(this.state, rec);
    this.early = null;
    this.logger.debug({ board: this.board, pos: this.state.pos, ms: Date.now() - started }, 'board loaded');
  }

  /** Called by the log subscription, in log order. */
  onRecord(rec: LogRecord): void {
    if (this.early) {
      this.early.push(rec);
      return;
    }
    if (rec.pos <= this.state.pos) return;
    applyRecord(this.state, rec);
    const json = JSON.stringify(rec);
    for (const session of this.sessions) session.sendRecord(rec.pos, json);
  }

  /** Joins a session; `hello` carries public ids (see Connection). */
  async join(session: Session, hello: Hello): Promise<void> {
    await this.loaded;
    // The client may have gone while the board loaded; it has already left.
    if (!session.isOpen()) return;
    session.user = hello.user;
    session.cid = hello.cid;
    session.name = hello.name;
    this.sessions.add(session);
    const since = hello.since;
    const canResume = since !== undefined && since <= this.state.pos && this.state.pos - since <= MAX_CATCH_UP_RECORDS;
    if (!canResume) {
      const acked = this.state.seqs.get(session.cid);
      session.send({
        t: 'welcome',
        v: PROTOCOL_VERSION,
        board: this.board,
        user: session.user,
        cid: session.cid,
        state: toSnapshot(this.state),
        ...(acked === undefined ? {} : { acked }),
      });
      session.sentPos = this.state.pos;
    } else {
      session.send({ t: 'welcome', v: PROTOCOL_VERSION, board: this.board, user: session.user, cid: session.cid });
      await this.catchUp(session, since);
      if (!session.isOpen()) {
        this.sessions.delete(session);
        return;
      }
    }
    session.joined = true;
    session.send({ t: 'synced', pos: session.sentPos });
    this.broadcastPresence();
  }

  /** Sends the records after `since` from the log, then whatever arrived meanwhile. */
  private async catchUp(session: Session, since: number): Promise<void> {
    session.backlog = [];
    session.sentPos = since;
    try {
      for await (const page of this.log.read(this.board, since + 1)) {
        for (const rec of page) {
          if (rec.pos <= session.sentPos) continue;
          session.sentPos = rec.pos;
          session.queueRecord(JSON.stringify(rec));
        }
        session.flushRecords(); // a page a frame
        if (!session.isOpen()) return;
      }
    } finally {
      const backlog = session.backlog;
      session.backlog = null;
      for (const { pos, text } of backlog) session.sendRecord(pos, text);
    }
  }

  leave(session: Session): void {
    if (!this.sessions.delete(session)) return;
    if (session.joined) {
      this.broadcast({ t: 'cursor', cid: session.cid, x: null, y: null }, session);
      this.broadcastPresence();
    }
  }

  rename(session: Session, name: string): void {
    session.name = name;
    this.broadcastPresence();
  }

  cursor(session: Session, msg: CursorMessage): void {
    this.broadcast({ t: 'cursor', cid: session.cid, x: msg.x, y: msg.y }, session);
  }

  /** Checks an operation against the board, then appends it; the log's echo does the rest. */
  op(session: Session, msg: OpMessage): void {
    const op = msg.o;
    const reject = (code: (typeof ERROR)[keyof typeof ERROR], reason: string) =>
      session.send({ t: 'error', code, reason, s: msg.s });
    if (op.k === 'begin') {
      const existing = this.state.strokes.get(op.id);
      if (existing && existing.user !== session.user) return reject(ERROR.badMessage, `stroke id ${op.id} is taken`);
      session.strokes.set(op.id, { pr: op.pr === 1, n: countPoints(op.p, op.pr === 1) });
    } else if (op.k === 'ext') {
      const stroke = this.ownStroke(session, op.id);
      if (!stroke) return reject(ERROR.badMessage, `no stroke ${op.id} of yours is in progress`);
      const valid = validateExtension(op.p, stroke.pr);
      if (!valid.ok) return reject(ERROR.badMessage, valid.reason);
      const n = countPoints(op.p, stroke.pr);
      if (stroke.n + n > LIMITS.maxPointsPerStroke) {
        return reject(ERROR.strokeTooLong, `a stroke holds at most ${LIMITS.maxPointsPerStroke} points`);
      }
      stroke.n += n;
    } else if (op.k === 'end') {
      session.strokes.delete(op.id);
    }
    this.log
      .append({
        board: this.board,
        user: session.user,
        cid: session.cid,
        seq: msg.s,
        ...(op.k === 'begin' ? { name: session.name } : {}),
        op,
      })
      .catch((err: unknown) => {
        this.logger.warn({ board: this.board, cid: session.cid, err }, 'append failed');
        if (err instanceof LogUnavailableError) {
          // The client keeps the op and sends it again once it is back.
          session.close(CLOSE.unavailable, 'board storage is unavailable; reconnecting');
        } else {
          reject(ERROR.notSaved, 'the board could not save this change');
        }
      });
  }

  /** A stroke this user may extend: begun in this session, or before a reconnect. */
  private ownStroke(session: Session, id: string): { pr: boolean; n: number } | undefined {
    const mine = session.strokes.get(id);
    if (mine) return mine;
    const stroke = this.state.strokes.get(id);
    if (!stroke || stroke.user !== session.user || stroke.ended) return undefined;
    const resumed = { pr: stroke.pr, n: stroke.n };
    session.strokes.set(id, resumed);
    return resumed;
  }

  private broadcastPresence(): void {
    const people = [...this.sessions].filter((s) => s.joined).map((s) => s.participant);
    this.broadcast({ t: 'presence', people });
  }

  private broadcast(message: ServerMessage, except?: Session): void {
    const text = JSON.stringify(message);
    for (const session of this.sessions) {
      if (session !== except && session.joined) session.sendText(text);
    }
  }
}
