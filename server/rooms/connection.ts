/**
 * The edge of one client connection: parses and validates every frame,
 * enforces the message rate, the write budget and the bad-message limit,
 * and hands typed messages to the room one at a time, in order. A bad frame
 * is answered here and goes no further; an exception while handling one
 * closes this client with 1011 and no one else.
 */
import { createHash } from 'node:crypto';
import type { Logger } from '../logger.ts';
import { recordWeight } from '../board/weight.ts';
import { LogUnavailableError } from '../log/board-log.ts';
import { CLOSE, ERROR, LIMITS, PROTOCOL_VERSION, type ClientMessage, type ErrorCode } from '../protocol/messages.ts';
import { isValidBoardId, parseClientFrame, parseClientMessage, type Parsed } from '../protocol/validate.ts';
import { UpDecoder } from '../protocol/wire.ts';
import { MessageRate } from '../quotas/message-rate.ts';
import type { WriteBudget } from '../quotas/write-budget.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type { Room } from './room.ts';
import { keysOf } from './roles.ts';
import type { Rooms } from './rooms.ts';
import { Session, type ClientSocket } from './session.ts';

/** The public id for a client's secret key: the secret cannot be recovered from it. */
export function publicId(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url').slice(0, 16);
}

/**
 * Refusals an honest client can meet do not count toward the bad-message
 * limit: a race with someone else (no-effect), a full board or disk, a
 * failed save. Everything else does.
 */
const COUNTED: ReadonlySet<ErrorCode> = new Set([ERROR.badMessage, ERROR.notJoined, ERROR.refused, ERROR.strokeTooLong, ERROR.viewOnly]);

/** Messages waiting to be handled past which the socket is no longer read, and below which it is again. */
const QUEUE_HIGH = 256;
const QUEUE_LOW = 64;

export class Connection {
  private readonly session: Session;
  private room: Room | null = null;
  private errors = 0;
  /** Messages counted as they arrive, time the socket was held counting as time the client sent them. */
  private readonly rate = new MessageRate(LIMITS.maxMessagesPerSecond);
  /** Messages run one after another; a join must finish before the next op. */
  private queue: Promise<void> = Promise.resolve();
  private queued = 0;
  /** Why the socket is not being read. */
  private readonly pausedFor = new Set<'budget' | 'backlog'>();
  /** This connection's context for the page's binary frames (wire.ts). */
  private readonly decoder = new UpDecoder();

  constructor(
    board: string,
    private readonly socket: ClientSocket,
    private readonly rooms: Rooms,
    private readonly logger: Logger,
    private readonly budget: WriteBudget,
    private readonly metrics: Pick<Metrics, 'opRefused' | 'throttled'>,
  ) {
    this.session = new Session(board, socket);
    if (!isValidBoardId(board)) {
      this.session.close(CLOSE.badRequest, 'invalid board id');
    }
  }

  /** A frame arrived: text (JSON) or binary (operations and cursors, wire.ts). */
  onMessage(frame: string | Uint8Array): void {
    try {
      if (!this.session.isOpen()) return;
      if (!this.rate.take()) {
        this.metrics.throttled('messages');
        this.session.close(CLOSE.rateLimited, 'too many messages');
        return;
      }
      let parsed: Parsed<ClientMessage>;
      if (typeof frame === 'string') {
        parsed = parseClientMessage(frame);
        // A JSON operation or cursor moves the binary context as the page's encoder moved it.
        this.decoder.text(parsed);
      } else {
        parsed = parseClientFrame(frame, this.decoder);
      }
      if (!parsed.ok) {
        this.refuse(ERROR.badMessage, parsed.reason, parsed.s);
        return;
      }
      const message = parsed.value;
      // Cursors go at once, never behind operations waiting for the write budget.
      if (message.t === 'cursor' && this.room && this.session.joined) {
        this.room.cursor(this.session, message);
        return;
      }
      this.enqueue(message);
    } catch (err) {
      this.fail(err);
    }
  }

  /** Messages run one after another; past QUEUE_HIGH waiting, the socket is not read until they drain. */
  private enqueue(message: ClientMessage): void {
    if (++this.queued >= QUEUE_HIGH) this.setPaused('backlog', true);
    this.queue = this.queue
      .then(() => this.handle(message))
      .catch((err: unknown) => this.fail(err))
      .finally(() => {
        if (--this.queued <= QUEUE_LOW) this.setPaused('backlog', false);
      });
  }

  onClose(): void {
    if (!this.room) return;
    this.room.leave(this.session);
    this.rooms.release(this.room);
  }

  private async handle(message: ClientMessage): Promise<void> {
    if (message.t === 'hello') return this.hello(message);
    const room = this.room;
    if (!room || !this.session.joined) return this.refuse(ERROR.notJoined, 'send hello first');
    switch (message.t) {
      case 'op': {
        // Over its budget, the client is slowed down, not refused: its frames wait unread.
        // An op that arrived before the socket closed is still saved (a last stroke before
        // leaving), unless it would have to wait: then it is dropped, since a client that
        // comes back resends what was not acknowledged, and closed sockets must not pile up.
        const wait = this.budget.spend(recordWeight(message.o));
        if (wait > 0) {
          if (!this.session.isOpen()) return;
          this.metrics.throttled('write_points');
          await this.throttle(wait);
        }
        const refusal = room.op(this.session, message);
        if (refusal) this.refuse(refusal.code, refusal.reason, message.s, refusal.counts);
        return;
      }
      case 'cursor':
        return room.cursor(this.session, message);
      case 'name':
        return room.rename(this.session, message.name);
      case 'view':
        return room.view(this.session, message);
      case 'laser':
        return room.laser(this.session, message.x, message.y);
      case 'follow':
        return room.follow(this.session, message.cid);
      case 'present': {
        const refusal = room.present(this.session, message.on);
        if (refusal) this.refuse(refusal.code, refusal.reason, undefined, false);
        return;
      }
    }
  }

  private async hello(message: Extract<ClientMessage, { t: 'hello' }>): Promise<void> {
    // Joining a socket that already closed would leave it in the room forever.
    if (!this.session.isOpen()) return;
    if (this.room) return this.refuse(ERROR.badMessage, 'hello was already received');
    if (message.v !== PROTOCOL_VERSION) {
      this.session.close(CLOSE.badRequest, `protocol version ${message.v} is not supported; reload the page`);
      return;
    }
    if (!this.rooms.available) {
      this.session.close(CLOSE.unavailable, 'board storage is unavailable; reconnecting');
      return;
    }
    const { key, owner, ...rest } = message;
    const keys = keysOf(key, owner);
    if (this.closeIfGone(keys.ownerHash)) return;
    // Its partition moved between the socket's opening and this hello: the page reconnects and is sent on.
    if (!this.rooms.servesHere(this.session.board)) {
      this.session.close(CLOSE.unavailable, 'this board is moving to another instance; reconnecting');
      return;
    }
    this.room = this.rooms.open(this.session.board);
    await this.room.join(this.session, { ...rest, user: publicId(message.user), cid: publicId(message.cid) }, keys);
    // Deleted while it loaded: its room was closed without this session in it.
    this.closeIfGone(keys.ownerHash);
  }

  /** A deleted board is joined by nobody: the page is told (until when it can be restored, if it holds the key that deleted it), and closed. */
  private closeIfGone(ownerHash: string | null): boolean {
    const gone = this.rooms.gone(this.session.board, ownerHash);
    if (!gone) return false;
    this.session.send(gone);
    this.session.close(CLOSE.gone, 'this board was deleted');
    return true;
  }

  private async throttle(ms: number): Promise<void> {
    this.setPaused('budget', true);
    await new Promise((resolve) => setTimeout(resolve, ms));
    this.setPaused('budget', false);
  }

  /** The socket is read only while neither the write budget nor the backlog holds it. */
  private setPaused(reason: 'budget' | 'backlog', paused: boolean): void {
    const before = this.pausedFor.size > 0;
    if (paused) this.pausedFor.add(reason);
    else this.pausedFor.delete(reason);
    const after = this.pausedFor.size > 0;
    if (after && !before) {
      this.socket.pause();
      this.rate.hold();
    }
    if (!after && before) {
      this.socket.resume();
      this.rate.release();
    }
  }

  private refuse(code: ErrorCode, reason: string, s?: number, counts = COUNTED.has(code)): void {
    this.logger.debug({ board: this.session.board, cid: this.session.cid, code, reason }, 'message refused');
    this.metrics.opRefused(code);
    this.session.send({ t: 'error', code, reason, ...(s === undefined ? {} : { s }) });
    if (counts && ++this.errors >= LIMITS.maxErrorsPerSession) {
      this.session.close(CLOSE.badRequest, 'too many bad messages');
    }
  }

  /** A bug met while handling this client's message: it goes, the server stays. */
  private fail(err: unknown): void {
    if (err instanceof LogUnavailableError) {
      this.logger.warn({ board: this.session.board, cid: this.session.cid, err }, 'board storage unavailable');
      this.session.close(CLOSE.unavailable, 'board storage is unavailable; reconnecting');
      return;
    }
    this.logger.error({ board: this.session.board, cid: this.session.cid, err }, 'message handling failed');
    this.session.close(CLOSE.internalError, 'internal error; reconnecting');
  }
}
