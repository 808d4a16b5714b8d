/**
 * The edge of one client connection: parses and validates every frame,
 * enforces rate and error limits, and hands typed messages to the room one
 * at a time, in order. A bad frame is answered here and goes no further.
 */
import { createHash } from 'node:crypto';
import type { Logger } from '../logger.ts';
import { CLOSE, ERROR, LIMITS, PROTOCOL_VERSION, type ClientMessage } from '../protocol/messages.ts';
import { isValidBoardId, parseClientMessage } from '../protocol/validate.ts';
import type { Room } from './room.ts';
import type { Rooms } from './rooms.ts';
import { Session, type ClientSocket } from './session.ts';

/** The public id for a client's secret key: the secret cannot be recovered from it. */
export function publicId(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url').slice(0, 16);
}

export class Connection {
  private readonly session: Session;
  private room: Room | null = null;
  private errors = 0;
  private windowStart = Date.now();
  private windowCount = 0;
  /** Messages run one after another; a join must finish before the next op. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    board: string,
    socket: ClientSocket,
    private readonly rooms: Rooms,
    private readonly logger: Logger,
  ) {
    this.session = new Session(board, socket);
    if (!isValidBoardId(board)) {
      this.session.close(CLOSE.badRequest, 'invalid board id');
    }
  }

  /** A frame arrived; `null` stands for a binary frame, which this protocol does not use. */
  onMessage(text: string | null): void {
    if (!this.session.isOpen()) return;
    if (!this.withinRate()) {
      this.session.close(CLOSE.rateLimited, 'too many messages');
      return;
    }
    if (text === null) {
      this.session.close(CLOSE.unsupportedData, 'binary frames are not supported');
      return;
    }
    const parsed = parseClientMessage(text);
    if (!parsed.ok) {
      this.reject(parsed.reason, parsed.s);
      return;
    }
    const message = parsed.value;
    this.queue = this.queue.then(() => this.handle(message)).catch((err: unknown) => {
      this.logger.error({ board: this.session.board, cid: this.session.cid, err }, 'message handling failed');
      this.session.close(CLOSE.unavailable, 'server error');
    });
  }

  onClose(): void {
    if (!this.room) return;
    this.room.leave(this.session);
    this.rooms.release(this.room);
  }

  private async handle(message: ClientMessage): Promise<void> {
    if (message.t === 'hello') {
      // Joining a socket that already closed would leave it in the room forever.
      if (!this.session.isOpen()) return;
      if (this.room) return this.reject('hello was already received');
      if (message.v !== PROTOCOL_VERSION) {
        this.session.close(CLOSE.badRequest, `protocol version ${message.v} is not supported; reload the page`);
        return;
      }
      if (!this.rooms.available) {
        this.session.close(CLOSE.unavailable, 'board storage is unavailable; reconnecting');
        return;
      }
      this.room = this.rooms.open(this.session.board);
      await this.room.join(this.session, { ...message, user: publicId(message.user), cid: publicId(message.cid) });
      return;
    }
    const room = this.room;
    if (!room || !this.session.joined) {
      this.session.send({ t: 'error', code: ERROR.notJoined, reason: 'send hello first' });
      return;
    }
    switch (message.t) {
      case 'op':
        return room.op(this.session, message);
      case 'cursor':
        return room.cursor(this.session, message);
      case 'name':
        return room.rename(this.session, message.name);
    }
  }

  private reject(reason: string, s?: number): void {
    this.logger.debug({ board: this.session.board, cid: this.session.cid, reason }, 'bad message');
    this.session.send({ t: 'error', code: ERROR.badMessage, reason, ...(s === undefined ? {} : { s }) });
    if (++this.errors >= LIMITS.maxErrorsPerSession) {
      this.session.close(CLOSE.badRequest, 'too many bad messages');
    }
  }

  private withinRate(): boolean {
    const now = Date.now();
    if (now - this.windowStart >= 1_000) {
      this.windowStart = now;
      this.windowCount = 0;
    }
    return ++this.windowCount <= LIMITS.maxMessagesPerSecond;
  }
}
