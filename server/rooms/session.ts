/**
 * One connected client as rooms see it: an identity, a way to send, and the
 * catch-up buffer. The transport is hidden behind `ClientSocket`, so rooms
 * run the same over a real WebSocket or anything else that can send text.
 */
import { CLOSE, type Participant, type Role, type ServerMessage } from '../protocol/messages.ts';

export interface ClientSocket {
  send(text: string): void;
  close(code: number, reason: string): void;
  isOpen(): boolean;
  /** Bytes queued but not yet written to the network. */
  bufferedAmount(): number;
  /** Stops reading the client's frames (over its write budget, or too many waiting) and starts again. */
  pause(): void;
  resume(): void;
}

/** A client that lets this much pile up is dropped; it resumes on reconnect. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

export class Session {
  user = '';
  cid = '';
  name = '';
  /** Hash of the edit key this client presented, if any (see roles.ts). */
  keyHash: string | null = null;
  role: Role = 'viewer';
  /** Joined: hello handled and welcome sent. */
  joined = false;
  /** While catching up, live records wait here (as JSON) in order. */
  backlog: { pos: number; text: string }[] | null = null;
  /** Highest record position this client has been sent. */
  sentPos = -1;
  /** Records (as JSON) waiting to go out at the end of this event-loop turn. */
  private outgoing: string[] = [];
  private flushScheduled = false;
  /**
   * Strokes whose begin was refused (a full board, say): the rest of such a
   * stroke, already on its way, is dropped quietly rather than refused again.
   */
  readonly refusedStrokes = new Set<string>();

  constructor(
    readonly board: string,
    private readonly socket: ClientSocket,
  ) {}

  get participant(): Participant {
    return { cid: this.cid, user: this.user, name: this.name, role: this.role };
  }

  isOpen(): boolean {
    return this.socket.isOpen();
  }

  /** Sends a message, after any records still waiting (so `synced` follows its records). */
  send(message: ServerMessage): void {
    this.flushRecords();
    this.sendText(JSON.stringify(message));
  }

  sendText(text: string): void {
    if (!this.socket.isOpen()) return;
    if (this.socket.bufferedAmount() > MAX_BUFFERED_BYTES) {
      this.close(CLOSE.slowConsumer, 'client is not keeping up; reconnect to resume');
      return;
    }
    this.socket.send(text);
  }

  /**
   * Sends a live record (given as its JSON), or keeps it while the session
   * is catching up. Records are gathered until the end of the event-loop
   * turn and go out as one frame: a frame and a socket write per record and
   * client was the server's main cost under load.
   */
  sendRecord(pos: number, json: string): void {
    if (this.backlog) {
      this.backlog.push({ pos, text: json });
    } else if (pos > this.sentPos) {
      this.sentPos = pos;
      this.queueRecord(json);
    }
  }

  /** Queues a record for the next frame. */
  queueRecord(json: string): void {
    this.outgoing.push(json);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flushRecords());
  }

  /** Sends the queued records: one `rec` frame, or one `recs` frame for several. */
  flushRecords(): void {
    this.flushScheduled = false;
    if (this.outgoing.length === 0) return;
    const records = this.outgoing;
    this.outgoing = [];
    this.sendText(records.length === 1 ? `{"t":"rec","r":${records[0]}}` : `{"t":"recs","rs":[${records.join(',')}]}`);
  }

  close(code: number, reason: string): void {
    if (this.socket.isOpen()) this.socket.close(code, reason);
  }
}
