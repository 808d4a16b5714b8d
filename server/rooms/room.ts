/**
 * A live board in this process: its folded state, its sessions, fan-out.
 *
 * A client's operation is judged (admission.ts), goes to the log, and the
 * room hears it back from the log's subscription, folds it and sends it to
 * every session, the author included (that echo is the author's
 * acknowledgement). So every client sees one order: the log's.
 */
import type { Logger } from '../logger.ts';
import { applyRecord, REFUSALS } from '../board/fold.ts';
import { emptyBoard, type BoardState } from '../board/state.ts';
import { loadBoard } from '../history/load-board.ts';
import { stateJsonOf } from '../log/snapshots/snapshot-codec.ts';
import { toSnapshot } from '../board/snapshot.ts';
import { LogUnavailableError, type BoardLog, type NewRecord } from '../log/board-log.ts';
import {
  CLOSE,
  ERROR,
  PROTOCOL_VERSION,
  type CursorMessage,
  type ErrorCode,
  type Hello,
  type LogRecord,
  type Op,
  type OpMessage,
  type ServerMessage,
  type Welcome,
} from '../protocol/messages.ts';
import { validateExtension } from '../protocol/validate.ts';
import { DownEncoder, WireError } from '../protocol/wire.ts';
import type { SharedPresence } from '../presence/shared-presence.ts';
import { Admission } from './admission.ts';
import { roleOn } from './roles.ts';
import type { Session } from './session.ts';

/** Behind by more than this many records, a client gets the whole board instead. */
const MAX_CATCH_UP_RECORDS = 5_000;
/**
 * A joiner is sent the board's stored state as it was stored, then the
 * records after it, while there are at most this many: encoding a board of
 * a million points again costs the server 150 ms a joiner, but the page
 * folds whatever comes after the state (a few hundred records of a drag
 * of 500 elements, a select-all move, cost it more than that).
 */
const MAX_AFTER_STORED = 200;

export type RoomOptions = {
  /** A board whose records weigh this much (board/weight.ts) takes no more. */
  maxBoardPoints: number;
  /** Why nothing can be saved right now (the disk is nearly full), or null. */
  storageProblem(): string | null;
  /** Presence shared with other instances on Kafka; absent on a single instance. */
  presence?: SharedPresence | null;
};

/** Why an operation was not appended; the connection answers it, and counts it toward the bad-message limit if `counts`. */
export type OpRefusal = { code: ErrorCode; reason: string; counts: boolean };

export class Room {
  readonly sessions = new Set<Session>();
  /** The board as folded from the log; others only read it (rooms.ts stores it now and then). */
  readonly state: BoardState = emptyBoard();
  /** Created once the board is loaded. */
  private admission: Admission | null = null;
  /** Records heard while loading; folded once the history is in. */
  private early: LogRecord[] | null = [];
  /** Every live record encoded once, for the pages that adopted this context (protocol/wire.ts). */
  private readonly encoder = new DownEncoder();
  readonly loaded: Promise<void>;
  /** The stored state the board loaded from, as stored: sent to joiners while few records came after it. */
  private asStored: { pos: number; json: Uint8Array } | null = null;

  constructor(
    readonly board: string,
    private readonly log: BoardLog,
    private readonly logger: Logger,
    private readonly options: RoomOptions,
  ) {
    this.loaded = this.load();
  }

  /** The board's newest stored state, then the records after it (all of them when none is stored). */
  private async load(): Promise<void> {
    const started = Date.now();
    const loaded = await loadBoard(this.log, this.board, { logger: this.logger });
    Object.assign(this.state, loaded.state);
    for (const rec of this.early!) applyRecord(this.state, rec);
    this.early = null;
    this.admission = new Admission(this.state);
    const json = loaded.stored && stateJsonOf(loaded.stored.bytes);
    if (json) this.asStored = { pos: loaded.stored!.pos, json };
    const { storedThrough, folded } = loaded;
    this.logger.debug({ board: this.board, pos: this.state.pos, storedThrough, folded, ms: Date.now() - started }, 'board loaded');
  }

  /** True once the history is in: `state` is the board as the log has it. */
  get isLoaded(): boolean {
    return this.early === null;
  }

  /** Called by the log subscription, in log order. */
  onRecord(rec: LogRecord): void {
    if (this.early) {
      this.early.push(rec);
      return;
    }
    if (rec.pos <= this.state.pos) return;
    const verdict = applyRecord(this.state, rec);
    this.admission!.logged(rec, verdict);
    // Encoded once for every page that adopted the board's context.
    let encoded: Uint8Array | null = null;
    try {
      this.encoder.record(rec);
      encoded = this.encoder.take();
    } catch (err) {
      if (!(err instanceof WireError)) throw err;
      this.logger.warn({ err, board: this.board, pos: rec.pos }, 'a record pages could not read is not sent');
    }
    for (const session of this.sessions) session.sendRecord(rec, encoded);
    if (rec.op.k === 'claim' && !verdict) this.updateRoles();
  }

  /** Joins a session; `hello` carries public ids (see Connection). */
  async join(session: Session, hello: Hello, keyHash: string | null): Promise<void> {
    await this.loaded;
    // The client may have gone while the board loaded; it has already left.
    if (!session.isOpen()) return;
    session.user = hello.user;
    session.cid = hello.cid;
    session.name = hello.name;
    session.keyHash = keyHash;
    session.role = roleOn(this.admission!.state, keyHash);
    this.sessions.add(session);
    const since = hello.since;
    const canResume = since !== undefined && since <= this.state.pos && this.state.pos - since <= MAX_CATCH_UP_RECORDS;
    const welcome: Welcome = {
      t: 'welcome',
      v: PROTOCOL_VERSION,
      board: this.board,
      user: session.user,
      cid: session.cid,
      role: session.role,
      ...(this.isFull() ? { full: true as const } : {}),
    };
    const acked = this.state.seqs.get(session.cid);
    const withState = { ...welcome, ...(acked === undefined ? {} : { acked }) };
    if (this.asStored && this.state.pos - this.asStored.pos > MAX_AFTER_STORED) this.asStored = null;
    if (!canResume && this.asStored) {
      session.sendWelcome(withState, this.asStored.json);
      if (this.asStored.pos === this.state.pos) session.sentPos = this.state.pos;
      else await this.catchUp(session, this.asStored.pos);
      if (!session.isOpen()) {
        this.sessions.delete(session);
        return;
      }
    } else if (!canResume) {
      session.send({ ...withState, state: toSnapshot(this.state) });
      session.sentPos = this.state.pos;
    } else {
      session.send(welcome);
      await this.catchUp(session, since);
      if (!session.isOpen()) {
        this.sessions.delete(session);
        return;
      }
    }
    // It holds every record the room has encoded (in its state, or sent): from here on it shares them.
    session.adopt(this.encoder);
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
          session.queueRecord(rec);
        }
        session.flushRecords(); // a page a frame
        if (!session.isOpen()) return;
      }
    } finally {
      const backlog = session.backlog;
      session.backlog = null;
      for (const rec of backlog) session.sendRecord(rec);
    }
  }

  leave(session: Session): void {
    if (!this.sessions.delete(session)) return;
    if (session.joined) {
      this.broadcastCursor(session.cid, null, null, session);
      this.broadcastPresence();
    }
  }

  rename(session: Session, name: string): void {
    session.name = name;
    this.broadcastPresence();
  }

  /** Viewers watch: their cursors are not shown to the board. */
  cursor(session: Session, msg: CursorMessage): void {
    if (session.role !== 'editor') return;
    this.broadcastCursor(session.cid, msg.x, msg.y, session);
    this.options.presence?.localCursor(this.board, session.cid, msg.x, msg.y);
  }

  /** Someone on another instance moved their cursor (null: it left the board, or they left). */
  remoteCursor(cid: string, x: number | null, y: number | null): void {
    this.broadcastCursor(cid, x, y);
  }

  /** The board's people on other instances changed. */
  remotePeopleChanged(): void {
    this.broadcastPresence();
  }

  /**
   * Admits an operation and appends it, or says why not. The log's echo
   * does the rest; a resend of a logged operation is answered with `ack`.
   */
  op(session: Session, msg: OpMessage): OpRefusal | null {
    const refusal = this.admit(session, msg);
    if (refusal && msg.o.k === 'begin') this.rememberRefusedStroke(session, msg.o.id);
    return refusal;
  }

  private admit(session: Session, msg: OpMessage): OpRefusal | null {
    const admission = this.admission!;
    const o = msg.o;
    if ((o.k === 'ext' || o.k === 'end') && session.refusedStrokes.has(o.id)) {
      return { code: ERROR.noEffect, reason: 'the start of this stroke was not saved', counts: false };
    }
    // Someone claimed the board first: a race, whoever lost it.
    if (o.k === 'claim' && admission.state.editKey !== null) return { ...REFUSALS.claimed, counts: false };
    // From the board as it will be, so that a claim on its way already counts.
    if (roleOn(admission.state, session.keyHash) !== 'editor') {
      // Counted only once the client was told it watches: until its `role` arrives, an honest page still draws.
      return { code: ERROR.viewOnly, reason: 'this is a view-only link: ask for the edit link to draw', counts: session.role === 'viewer' };
    }
    const storage = this.options.storageProblem();
    if (storage) return { code: ERROR.storageFull, reason: storage, counts: false };
    if (o.k === 'claim' && !session.keyHash) return { code: ERROR.badMessage, reason: 'a claim needs an edit key in hello', counts: true };
    const op: Op = o.k === 'claim' ? { k: 'claim', key: session.keyHash! } : o;
    if (op.k === 'ext') {
      const stroke = admission.state.strokes.get(op.id);
      const valid = stroke && stroke.user === session.user ? validateExtension(op.p, stroke.pr, stroke.q ?? 0) : null;
      if (valid && !valid.ok) return { code: ERROR.badMessage, reason: valid.reason, counts: true };
    }
    // A full board takes only the ends of strokes in progress, so that they end.
    if (this.isFull() && op.k !== 'end') {
      return { code: ERROR.boardFull, reason: 'this board is full: it is read-only now; start a new board to go on drawing', counts: false };
    }
    const record: NewRecord = { board: this.board, user: session.user, cid: session.cid, seq: msg.s, op };
    if (op.k === 'begin' || op.k === 'add') record.name = session.name;
    const verdict = admission.admit(record);
    if (verdict?.duplicate) {
      // In the log already: acknowledged now. Still on its way: its echo will be.
      if (msg.s <= (this.state.seqs.get(session.cid) ?? -1)) session.send({ t: 'ack', s: msg.s });
      return null;
    }
    if (verdict) return { code: verdict.code, reason: verdict.reason, counts: verdict.code !== ERROR.noEffect };
    this.append(session, record);
    return null;
  }

  private append(session: Session, record: NewRecord): void {
    const admission = this.admission!;
    let appended: Promise<LogRecord>;
    try {
      appended = this.log.append(record);
    } catch (err) {
      admission.failed(record);
      throw err;
    }
    appended.catch((err: unknown) => {
      admission.failed(record);
      if (record.op.k === 'begin') this.rememberRefusedStroke(session, record.op.id);
      if (record.op.k === 'claim') this.updateRoles();
      this.logger.warn({ board: this.board, cid: session.cid, err }, 'append failed');
      if (err instanceof LogUnavailableError) {
        // The client keeps the op and sends it again once it is back.
        session.close(CLOSE.unavailable, 'board storage is unavailable; reconnecting');
      } else {
        session.send({ t: 'error', code: ERROR.notSaved, reason: 'the board could not save this change', s: record.seq });
      }
    });
  }

  private rememberRefusedStroke(session: Session, id: string): void {
    if (session.refusedStrokes.size >= 100) session.refusedStrokes.clear();
    session.refusedStrokes.add(id);
  }

  /** A board takes operations until its records weigh the limit (the last may go past it). */
  private isFull(): boolean {
    return this.admission!.state.size >= this.options.maxBoardPoints;
  }

  /** The board was claimed: whoever lacks its edit key watches from now on. */
  private updateRoles(): void {
    for (const session of this.sessions) {
      const role = roleOn(this.state, session.keyHash);
      if (role === session.role) continue;
      session.role = role;
      if (session.joined) session.send({ t: 'role', role });
    }
    this.broadcastPresence();
  }

  /** Everyone on the board: here, then on other instances (a page that just moved here is listed once). */
  private broadcastPresence(): void {
    const people = [...this.sessions].filter((s) => s.joined).map((s) => s.participant);
    const presence = this.options.presence;
    if (presence) {
      presence.localPeople(this.board, people);
      const here = new Set(people.map((p) => p.cid));
      people.push(...presence.remotePeople(this.board).filter((p) => !here.has(p.cid)));
    }
    this.broadcast({ t: 'presence', people });
  }

  private broadcastCursor(cid: string, x: number | null, y: number | null, except?: Session): void {
    for (const session of this.sessions) {
      if (session !== except && session.joined) session.sendCursor(cid, x, y);
    }
  }

  private broadcast(message: ServerMessage, except?: Session): void {
    const text = JSON.stringify(message);
    for (const session of this.sessions) {
      if (session !== except && session.joined) session.sendText(text);
    }
  }
}
