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
  canDraw,
  CLOSE,
  ERROR,
  OWNER_OPS,
  PROTOCOL_VERSION,
  type CursorMessage,
  type ErrorCode,
  type Hello,
  type LogRecord,
  type Op,
  type OpMessage,
  type Participant,
  type ServerMessage,
  type ViewMessage,
  type ViewRect,
  type Welcome,
} from '../protocol/messages.ts';
import { validateExtension } from '../protocol/validate.ts';
import { DownEncoder, WireError } from '../protocol/wire.ts';
import type { SharedPresence } from '../presence/shared-presence.ts';
import type { Signal } from '../presence/presence-bus.ts';
import { FanoutClock } from '../metrics/fanout-clock.ts';
import { fanoutStart } from '../metrics/log-time.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { Admission } from './admission.ts';
import { editKeyForOwner, roleOn, toLogged, type Keys } from './roles.ts';
import type { Session } from './session.ts';

/** Operations that change who holds which role. */
const KEY_OPS: ReadonlySet<string> = new Set(['claim', 'own', 'rekey']);

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
  /** Where appends, fan-out and loads are timed and operations counted (metrics/metrics.ts). */
  metrics: Metrics;
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
  /** The last view of each page that sent one (here or on other instances): what a follower starts from. */
  private readonly views = new Map<string, ViewRect>();
  /** The stored state the board loaded from, as stored: sent to joiners while few records came after it. */
  private asStored: { pos: number; json: Uint8Array } | null = null;
  private readonly fanout: FanoutClock;

  constructor(
    readonly board: string,
    private readonly log: BoardLog,
    private readonly logger: Logger,
    private readonly options: RoomOptions,
  ) {
    this.fanout = new FanoutClock(options.metrics);
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
    this.options.metrics.boardLoaded(Date.now() - started);
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
    const started = fanoutStart(rec);
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
    if (this.sessions.size > 0) this.fanout.handed(started);
    if (!verdict && KEY_OPS.has(rec.op.k)) this.updateRoles();
  }

  /** Joins a session; `hello` carries public ids (see Connection). */
  async join(session: Session, hello: Hello, keys: Keys): Promise<void> {
    await this.loaded;
    // The client may have gone while the board loaded; it has already left.
    if (!session.isOpen()) return;
    session.user = hello.user;
    session.cid = hello.cid;
    session.name = hello.name;
    session.keys = keys;
    session.role = roleOn(this.admission!.state, keys);
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
      ...this.editLinkFor(session),
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
    // Someone presents: the joiner's view follows theirs from the start.
    const presenter = this.broadcastPresence().find((p) => p.presenting);
    const view = presenter && this.views.get(presenter.cid);
    if (presenter && view) session.send({ t: 'view', cid: presenter.cid, ...view });
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
    this.views.delete(session.cid);
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
    if (!canDraw(session.role)) return;
    this.broadcastCursor(session.cid, msg.x, msg.y, session);
    this.options.presence?.localCursor(this.board, session.cid, msg.x, msg.y);
  }

  // -------------------------------------------------------------------------
  // Views, follow, present, laser: volatile, relayed and never logged.

  /** Where a page looks: sent on to those who follow it, or to everyone while it presents. */
  view(session: Session, msg: ViewMessage): void {
    const view: ViewRect = { x: msg.x, y: msg.y, w: msg.w, h: msg.h };
    this.views.set(session.cid, view);
    this.relayView(session.cid, view, session.presenting);
    this.options.presence?.localSignal(this.board, { cid: session.cid, view });
  }

  /** A laser pointer's point (null: it went up); editors' only, like cursors. */
  laser(session: Session, x: number | null, y: number | null): void {
    if (!canDraw(session.role)) return;
    this.relayLaser(session.cid, x, y, session);
    this.options.presence?.localSignal(this.board, { cid: session.cid, laser: [x, y] });
  }

  follow(session: Session, cid: string | null): void {
    session.follows = cid === session.cid ? null : cid;
    this.broadcastPresence();
    const view = session.follows && this.views.get(session.follows);
    if (view) session.send({ t: 'view', cid: session.follows!, ...view });
  }

  /** The owner presents: everyone's view follows theirs (one presenter at a time: the latest). */
  present(session: Session, on: boolean): OpRefusal | null {
    if (session.role !== 'owner') return { code: ERROR.notOwner, reason: 'only the owner link may present', counts: false };
    if (on) for (const other of this.sessions) other.presenting = false;
    session.presenting = on;
    this.broadcastPresence();
    const view = on && this.views.get(session.cid);
    if (view) this.relayView(session.cid, view, true);
    return null;
  }

  /** A view or laser point from someone on another instance. */
  remoteSignal(signal: Signal): void {
    if ('view' in signal) {
      this.views.set(signal.cid, signal.view);
      const presenting = this.options.presence?.remotePeople(this.board).some((p) => p.cid === signal.cid && p.presenting) ?? false;
      this.relayView(signal.cid, signal.view, presenting);
    } else {
      this.relayLaser(signal.cid, signal.laser[0], signal.laser[1]);
    }
  }

  private relayView(cid: string, view: ViewRect, toEveryone: boolean): void {
    const text = JSON.stringify({ t: 'view', cid, ...view });
    for (const s of this.sessions) if (s.joined && s.cid !== cid && (toEveryone || s.follows === cid)) s.sendText(text);
  }

  private relayLaser(cid: string, x: number | null, y: number | null, except?: Session): void {
    this.broadcast({ t: 'laser', cid, x, y }, except);
  }

  /** Someone on another instance moved their cursor (null: it left the board, or they left). */
  remoteCursor(cid: string, x: number | null, y: number | null): void {
    this.broadcastCursor(cid, x, y);
  }

  /** The board's people on other instances changed. */
  remotePeopleChanged(): void {
    // The last views of those who left are no view to start from any more.
    const here = new Set(this.broadcastPresence().map((p) => p.cid));
    for (const cid of this.views.keys()) if (!here.has(cid)) this.views.delete(cid);
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
    // Someone claimed or owned the board first: a race, whoever lost it.
    if (o.k === 'claim' && admission.state.editKey !== null) return { ...REFUSALS.claimed, counts: false };
    if (o.k === 'own' && admission.state.owner !== null) return { code: ERROR.noEffect, reason: 'the board has an owner already', counts: false };
    // From the board as it will be, so that a claim or a new edit link on its way already counts.
    const role = roleOn(admission.state, session.keys);
    if (!canDraw(role)) {
      // Counted only once the client was told it watches: until its `role` arrives, an honest page still draws.
      return { code: ERROR.viewOnly, reason: 'this is a view-only link: ask for the edit link to draw', counts: session.role === 'viewer' };
    }
    if (OWNER_OPS.has(o.k) && role !== 'owner') return { code: ERROR.notOwner, reason: "only the board's owner may do that (the owner link)", counts: true };
    // Paused: the owner goes on; strokes already begun may end.
    if (admission.state.paused && role !== 'owner' && o.k !== 'end') {
      return { code: ERROR.paused, reason: 'the owner paused drawing: wait until it is resumed', counts: false };
    }
    const storage = this.options.storageProblem();
    if (storage) return { code: ERROR.storageFull, reason: storage, counts: false };
    const logged = toLogged(o, session.keys, admission.state);
    if (typeof logged === 'string') return { code: ERROR.badMessage, reason: logged, counts: true };
    const op: Op = logged;
    if (op.k === 'ext') {
      const stroke = admission.state.strokes.get(op.id);
      const valid = stroke && stroke.user === session.user ? validateExtension(op.p, stroke.pr, stroke.q ?? 0) : null;
      if (valid && !valid.ok) return { code: ERROR.badMessage, reason: valid.reason, counts: true };
    }
    // A full board takes only the ends of strokes in progress, so that they end.
    // The owner stays in control of a full board: pausing, a new link, or taking back whoever filled it.
    if (this.isFull() && op.k !== 'end' && !OWNER_OPS.has(op.k)) {
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
    const metrics = this.options.metrics;
    const started = performance.now();
    let appended: Promise<LogRecord>;
    try {
      appended = this.log.append(record);
    } catch (err) {
      admission.failed(record);
      throw err;
    }
    metrics.opAdmitted();
    appended.then(() => metrics.appendAcknowledged(performance.now() - started), (err: unknown) => {
      metrics.appendFailedToSave();
      admission.failed(record);
      if (record.op.k === 'begin') this.rememberRefusedStroke(session, record.op.id);
      if (KEY_OPS.has(record.op.k)) this.updateRoles();
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

  /** To an owner: the edit link it may share, when it is one its owner key makes. */
  private editLinkFor(session: Session): { edit?: string } {
    const edit = session.role === 'owner' ? editKeyForOwner(this.state, session.keys) : undefined;
    return edit ? { edit } : {};
  }

  /** The board was claimed, owned or given a new edit link: whoever lacks its keys watches from now on, and pages are told. */
  private updateRoles(): void {
    for (const session of this.sessions) {
      const role = roleOn(this.state, session.keys);
      if (role === session.role && role !== 'owner') continue;
      session.role = role;
      if (role !== 'owner') session.presenting = false;
      if (session.joined) session.send({ t: 'role', role, ...this.editLinkFor(session) });
    }
    this.broadcastPresence();
  }

  /** Everyone on the board: here, then on other instances (a page that just moved here is listed once). */
  private people(): Participant[] {
    const people = [...this.sessions].filter((s) => s.joined).map((s) => s.participant);
    const presence = this.options.presence;
    if (presence) {
      presence.localPeople(this.board, people);
      const here = new Set(people.map((p) => p.cid));
      people.push(...presence.remotePeople(this.board).filter((p) => !here.has(p.cid)));
    }
    return people;
  }

  /** Sends everyone the people list; returns it. */
  private broadcastPresence(): Participant[] {
    const people = this.people();
    this.broadcast({ t: 'presence', people });
    return people;
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
