/**
 * One connected client as rooms see it: an identity, a way to send, and the
 * catch-up buffer. The transport is hidden behind `ClientSocket`, so rooms
 * run the same over a real WebSocket or anything else that can send frames.
 * Records and cursors go out as binary frames in this connection's context
 * (protocol/wire.ts); every other message as JSON text.
 */
import { CLOSE, type LogRecord, type Participant, type Role, type ServerMessage } from '../protocol/messages.ts';
import type { Keys } from './roles.ts';
import { DownEncoder, WireError } from '../protocol/wire.ts';

export interface ClientSocket {
  /** A text frame (a string) or a binary one. */
  send(frame: string | Uint8Array): void;
  /** A text frame already encoded as UTF-8 (a stored board state, sent as stored). */
  sendTextBytes(frame: Uint8Array): void;
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

/**
 * Sessions with a frame to send at the end of this event-loop turn, all
 * flushed by one setImmediate: a commit of the log hands its records to
 * every page of the board at once, and one timer and closure per page and
 * commit were a tenth of what the server allocated in a class drawing.
 */
const toFlush = new Set<Session>();
function flushAll(): void {
  const sessions = [...toFlush];
  toFlush.clear();
  for (const session of sessions) session.flushRecords();
}

export class Session {
  user = '';
  cid = '';
  name = '';
  /** The edit and owner keys this client presented, if any (see roles.ts). */
  keys: Keys = { editKey: null, keyHash: null, ownerKey: null, ownerHash: null };
  role: Role = 'viewer';
  /** Whose view this client follows; whether it presents (rooms relay views by them). */
  follows: string | null = null;
  presenting = false;
  /** Joined: hello handled and welcome sent. */
  joined = false;
  /** While catching up, live records wait here in order. */
  backlog: LogRecord[] | null = null;
  /** Highest record position this client has been sent. */
  sentPos = -1;
  /**
   * This page's own encoder: its cursors, and its records until it adopts
   * its board's context (`adopt`); from then on it is sent the board's
   * records as the room encoded them, once for every page.
   */
  private readonly encoder = new DownEncoder();
  private shared = false;
  /** Parts of the next frame, in order: this encoder's items and the board's records. */
  private parts: Uint8Array[] = [];
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
    return {
      cid: this.cid,
      user: this.user,
      name: this.name,
      role: this.role,
      ...(this.follows ? { follows: this.follows } : {}),
      ...(this.presenting ? { presenting: true as const } : {}),
    };
  }

  isOpen(): boolean {
    return this.socket.isOpen();
  }

  /** Sends a message, after any records still waiting (so `synced` follows its records). */
  send(message: ServerMessage): void {
    this.sendText(JSON.stringify(message));
  }

  /**
   * A welcome whose state is JSON already encoded (a stored board state,
   * sent as it was stored rather than encoded again for every joiner).
   */
  sendWelcome(welcome: ServerMessage & { t: 'welcome' }, stateJson: Uint8Array): void {
    this.flushRecords();
    if (!this.socket.isOpen() || this.fallenBehind()) return;
    const head = JSON.stringify(welcome);
    this.socket.sendTextBytes(Buffer.concat([Buffer.from(`${head.slice(0, -1)},"state":`), stateJson, Buffer.from('}')]));
  }

  /** A text frame, after the records and cursors waiting (so presence never overtakes a cursor). */
  sendText(text: string): void {
    this.flushRecords();
    this.sendFrame(text);
  }

  private sendFrame(frame: string | Uint8Array): void {
    if (!this.socket.isOpen() || this.fallenBehind()) return;
    this.socket.send(frame);
  }

  /** Whether the client let too much pile up: then it is closed (it resumes on reconnect). */
  private fallenBehind(): boolean {
    if (this.socket.bufferedAmount() <= MAX_BUFFERED_BYTES) return false;
    this.close(CLOSE.slowConsumer, 'client is not keeping up; reconnect to resume');
    return true;
  }

  /**
   * Sends a live record, or keeps it while the session is catching up.
   * Records are gathered until the end of the event-loop turn and go out as
   * one frame: a frame and a socket write per record and client was the
   * server's main cost under load.
   */
  sendRecord(rec: LogRecord, encoded?: Uint8Array | null): void {
    if (this.backlog) {
      this.backlog.push(rec);
    } else if (this.shared) {
      // Every record the board encodes, even one this page already has (its
      // catch-up can read a record before the log hands it to the room): the
      // context both ends keep moves with each, and the page's fold drops
      // the duplicate. A record the room could not encode has no bytes.
      this.sentPos = Math.max(this.sentPos, rec.pos);
      if (!encoded) return;
      this.seal();
      this.parts.push(encoded);
      this.scheduleFlush();
    } else if (rec.pos > this.sentPos) {
      this.sentPos = rec.pos;
      this.queueRecord(rec);
    }
  }

  /**
   * From now on this page reads the board's records in the board's context
   * (`board` is the room's encoder, which has encoded every record this page
   * was sent or given in its state, and none other).
   */
  adopt(board: DownEncoder): void {
    this.encoder.adopt(board);
    this.shared = true;
    this.scheduleFlush();
  }

  /** Moves what this page's encoder holds into the next frame's parts. */
  private seal(): void {
    if (this.encoder.pending) this.parts.push(this.encoder.take());
  }

  /** Queues a record for the next frame; one a page could not read (see DownEncoder.record) is left out. */
  queueRecord(rec: LogRecord): void {
    try {
      this.encoder.record(rec);
    } catch (err) {
      if (!(err instanceof WireError)) throw err;
      return;
    }
    this.scheduleFlush();
  }

  /** Someone's cursor (null: it left the board), in the next frame. */
  sendCursor(cid: string, x: number | null, y: number | null): void {
    if (!this.socket.isOpen()) return;
    this.encoder.cursor(cid, x, y);
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (toFlush.size === 0) setImmediate(flushAll);
    toFlush.add(this);
  }

  /** Sends the queued records and cursors as one binary frame. */
  flushRecords(): void {
    this.seal();
    if (this.parts.length === 0) return;
    const parts = this.parts;
    this.parts = [];
    // Buffer.concat takes small frames from Node's pool rather than a backing store each.
    this.sendFrame(parts.length === 1 ? parts[0]! : Buffer.concat(parts));
  }

  close(code: number, reason: string): void {
    if (this.socket.isOpen()) this.socket.close(code, reason);
  }
}
