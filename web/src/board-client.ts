/**
 * The browser's side of a board: one WebSocket, the folded board state, and
 * an outbox of operations the log has not acknowledged yet.
 *
 * An operation is acknowledged when its own record comes back from the log
 * (matched by client id and sequence number). After a disconnect the client
 * resumes from the last position it holds; records it missed arrive first,
 * acknowledging whatever did reach the log, and only then is the rest of the
 * outbox sent again. So nothing is lost and nothing is doubled.
 */
import { itemsChangedBy } from '../../server/board/changed-items.ts';
import { applyRecord } from '../../server/board/fold.ts';
import { fromSnapshot } from '../../server/board/snapshot.ts';
import { emptyBoard, type BoardState } from '../../server/board/state.ts';
import {
  canDraw,
  CLOSE,
  ERROR,
  PROTOCOL_VERSION,
  type ClientMessage,
  type ClientOp,
  type Deleted,
  type ErrorCode,
  type LogRecord,
  type OpMessage,
  type Participant,
  type Role,
  type ServerMessage,
  type FollowMessage,
  type LaserMessage,
  type PresentMessage,
  type ViewMessage,
  type ViewRect,
} from '../../server/protocol/messages.ts';
import { DownDecoder, UpEncoder } from '../../server/protocol/wire.ts';

export type Status = 'connecting' | 'live' | 'reconnecting' | 'failed' | 'deleted';

/** Ops per half second; the server closes clients past 500 messages a second. */
const OPS_PER_HALF_SECOND = 150;
/** How long a socket may take to open before the page gives up on it and tries again. */
const CONNECT_TIMEOUT_MS = 5_000;

export type BoardClientOptions = {
  url: string;
  user: string;
  cid: string;
  name: string;
  /** The board's edit key as this browser holds it; without one the board opens view-only once claimed. */
  key?: string;
  /** The board's owner key as this browser holds it (it made the board, or came by the owner link). */
  owner?: string;
};

export type BoardEvents = {
  /** The board state changed (records folded or a new snapshot). */
  change(): void;
  /** The state was replaced by a snapshot: local drafts must be checked against it. */
  resync(): void;
  /** A record was folded (after `state` reflects it). */
  record(record: LogRecord): void;
  status(status: Status, detail: string): void;
  people(people: Participant[]): void;
  cursor(cid: string, x: number | null, y: number | null): void;
  /** The server refused one of our operations or messages. */
  refused(reason: string, op: ClientOp | undefined, code: ErrorCode): void;
  /** Whether this client may draw changed (welcome, or the board was claimed), or the board filled up. */
  access(role: Role, full: boolean): void;
  /** Someone's view: of a person this page follows, or of the presenter. */
  view(cid: string, view: ViewRect): void;
  /** A point of someone's laser trail; null: their pointer went up. */
  laser(cid: string, x: number | null, y: number | null): void;
  /** The board was deleted (what the server said), or is back (null: it was restored). */
  deleted(deleted: Deleted | null): void;
  /**
   * The board is served by an instance this page cannot open a socket to,
   * though its own server keeps sending it there: most likely one that
   * joined after the page loaded, whose origin the page's security policy
   * does not list. A fresh page can.
   */
  stranded(): void;
};
type Listeners = { [K in keyof BoardEvents]?: BoardEvents[K][] };

export class BoardClient {
  state: BoardState = emptyBoard();
  /** Items the records folded since takeChanged() changed, or all of them after a new snapshot. */
  private changed: Set<string> | 'all' = 'all';
  people: Participant[] = [];
  status: Status = 'connecting';
  /** Whether the server lets this client draw here. */
  role: Role = 'viewer';
  /** The board reached its size limit and takes no more operations. */
  full = false;
  /** To an owner: the board's current edit key, as the server derived it (for the edit link). */
  edit: string | null = null;
  /** The board was deleted: nothing can be drawn; the page asks again now and then whether it is back. */
  deleted: Deleted | null = null;
  private deletedRetries = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly outbox = new Map<number, OpMessage>();
  private seq = 0;
  /** Highest sequence number sent on the current connection. */
  private sentUpTo = 0;
  /** Ops this connection may still send in the current half second. */
  private budget = OPS_PER_HALF_SECOND;
  private windowStart = 0;
  private refill: ReturnType<typeof setTimeout> | null = null;
  /** Public ids the server gave us (records and presence carry these). */
  private me = { user: '', cid: '' };
  private ws: WebSocket | null = null;
  /** This connection's binary context, both ways (wire.ts); new with every socket. */
  private up = new UpEncoder();
  private down: DownDecoder;
  private synced = false;
  private hasState = false;
  private retries = 0;
  /**
   * Where the socket connects: the page's own server (`options.url`), or
   * the instance that serves the board, once one said so (`moved`). A
   * move that fails to connect (that instance went away) sends the page
   * back to its own server, which knows where the board went.
   */
  private url: string;
  /** Moves in a row without getting live: past a few, moves back off like any reconnect (instances disagreeing for a moment). */
  private moves = 0;
  /** Moves in a row whose target never opened. */
  private unreachableMoves = 0;
  private stopped = false;
  private readonly listeners: Listeners = {};

  constructor(private readonly options: BoardClientOptions) {
    this.url = options.url;
    this.down = new DownDecoder(this.board);
  }

  /** The board id, from the socket's URL (…/ws/<board>). */
  private get board(): string {
    return decodeURIComponent(new URL(this.options.url).pathname.split('/').pop() ?? '');
  }

  /** Calls every listener of an event, in the order they were added. */
  private emit<K extends keyof BoardEvents>(event: K, ...args: Parameters<BoardEvents[K]>): void {
    for (const listener of this.listeners[event] ?? []) (listener as (...a: Parameters<BoardEvents[K]>) => void)(...args);
  }

  /** Adds a listener; every listener of an event hears it. */
  on<K extends keyof BoardEvents>(event: K, handler: BoardEvents[K]): void {
    ((this.listeners[event] ??= []) as BoardEvents[K][]).push(handler);
  }

  /** This page's public client id (known once welcomed). */
  get cid(): string {
    return this.me.cid;
  }

  /** This browser's public user id (known once welcomed). */
  get user(): string {
    return this.me.user;
  }

  /** Operations not yet acknowledged by the log, oldest first. */
  pendingOps(): ClientOp[] {
    return [...this.outbox.values()].map((m) => m.o);
  }

  /** Operations sent or waiting to be sent, not yet in the log. */
  get unacknowledged(): number {
    return this.outbox.size;
  }

  connect(): void {
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.url);
    } catch {
      // Refused before any connection: the page's security policy does not list that instance.
      this.neverOpened();
      this.closed(1006, 'the board’s server cannot be reached from this page');
      return;
    }
    let opened = false;
    // A socket the page's security policy blocks may never close (Chromium); one that hangs is no better.
    const openTimer = setTimeout(() => {
      if (opened || this.ws !== ws) return;
      ws.onclose = null;
      ws.close();
      this.neverOpened();
      this.closed(1006, 'the board’s server did not answer');
    }, CONNECT_TIMEOUT_MS);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    this.up = new UpEncoder();
    this.down = new DownDecoder(this.board);
    this.synced = false;
    this.sentUpTo = 0;
    ws.onopen = () => {
      opened = true;
      clearTimeout(openTimer);
      const hello: ClientMessage = { t: 'hello', v: PROTOCOL_VERSION, user: this.options.user, cid: this.options.cid, name: this.options.name };
      if (this.options.key) hello.key = this.options.key;
      if (this.options.owner) hello.owner = this.options.owner;
      if (this.hasState) hello.since = this.state.pos;
      ws.send(JSON.stringify(hello));
    };
    ws.onmessage = (event: MessageEvent) => {
      if (typeof event.data === 'string') {
        this.receive(JSON.parse(event.data) as ServerMessage);
        return;
      }
      let messages;
      try {
        messages = this.down.decode(new Uint8Array(event.data as ArrayBuffer));
      } catch {
        // Out of step with the server: a new connection starts a new context.
        ws.close(4000, 'unreadable frame');
        return;
      }
      for (const message of messages) this.receive(message);
    };
    ws.onclose = (event) => {
      clearTimeout(openTimer);
      if (!opened) this.neverOpened();
      this.closed(event.code, event.reason);
    };
    // A failed connection also closes; the close handler reconnects.
    ws.onerror = () => {};
  }

  /** Never reached: the instance this page was sent to is gone, or the page may not open it; its own server knows where the board went. */
  private neverOpened(): void {
    if (this.url === this.options.url) return;
    this.url = this.options.url;
    if (++this.unreachableMoves >= 2) this.emit('stranded');
  }

  /** Queues an operation for the log; returns its sequence number. */
  /** Sequence number of the last operation this page sent (0 before any). */
  get lastSeq(): number {
    return this.seq;
  }

  send(op: ClientOp): number {
    const message: OpMessage = { t: 'op', s: ++this.seq, o: op };
    this.outbox.set(message.s, message);
    this.pump();
    return message.s;
  }

  /**
   * Sends unsent ops strictly in sequence order (the log applies each
   * client's ops in that order), paced under the server's rate limit so a
   * long offline backlog goes out over a few seconds instead of tripping it.
   */
  private pump(): void {
    if (!this.synced) return;
    const now = Date.now();
    if (now - this.windowStart >= 500) {
      this.windowStart = now;
      this.budget = OPS_PER_HALF_SECOND;
    }
    for (const [seq, message] of this.outbox) {
      if (seq <= this.sentUpTo) continue;
      if (this.budget <= 0) {
        this.refill ??= setTimeout(() => {
          this.refill = null;
          this.pump();
        }, this.windowStart + 500 - now);
        return;
      }
      this.budget--;
      this.sentUpTo = seq;
      this.transmit(message);
    }
  }

  cursor(x: number | null, y: number | null): void {
    if (!this.synced || this.ws?.readyState !== WebSocket.OPEN) return;
    this.ws.send(this.up.cursor(x, y));
  }

  /** Views, follow, present and laser points: volatile, sent only while connected (a lost one is repaired by the next). */
  signal(message: ViewMessage | LaserMessage | FollowMessage | PresentMessage): void {
    if (this.synced) this.transmit(message);
  }

  rename(name: string): void {
    this.options.name = name;
    if (this.synced) this.transmit({ t: 'name', name });
  }

  close(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.ws?.close(1000, 'leaving');
  }

  private transmit(message: ClientMessage): void {
    if (this.ws?.readyState !== WebSocket.OPEN) return;
    this.ws.send(message.t === 'op' ? this.up.op(message) : JSON.stringify(message));
  }

  private receive(message: ServerMessage): void {
    switch (message.t) {
      case 'welcome':
        this.me = { user: message.user, cid: message.cid };
        if (this.deleted) {
          this.deleted = null;
          this.deletedRetries = 0;
          this.emit('deleted', null);
        }
        if (message.state) {
          this.state = fromSnapshot(message.state);
          this.changed = 'all';
          this.hasState = true;
          for (const seq of this.outbox.keys()) if (seq <= (message.acked ?? -1)) this.outbox.delete(seq);
          this.emit('resync');
          this.emit('change');
        }
        this.edit = message.edit ?? null;
        this.setAccess(message.role, message.full === true, true);
        return;
      case 'rec':
        this.fold(message.r);
        return;
      case 'synced':
        this.synced = true;
        this.retries = 0;
        this.moves = 0;
        this.unreachableMoves = 0;
        this.hasState = true;
        this.setStatus('live', '');
        // Whatever the catch-up did not acknowledge never reached the log.
        this.pump();
        return;
      case 'presence':
        this.people = message.people;
        this.emit('people', message.people);
        return;
      case 'cursor':
        this.emit('cursor', message.cid, message.x, message.y);
        return;
      case 'ack':
        this.outbox.delete(message.s);
        return;
      case 'role':
        this.edit = message.edit ?? null;
        this.setAccess(message.role, this.full, message.edit !== undefined);
        return;
      case 'view':
        this.emit('view', message.cid, { x: message.x, y: message.y, w: message.w, h: message.h });
        return;
      case 'laser':
        this.emit('laser', message.cid, message.x, message.y);
        return;
      case 'moved':
        // Only to this board's socket, over ws(s): anything else stays where it is.
        if (isSocketOf(message.url, this.board)) this.url = message.url;
        return;
      case 'deleted':
        this.deleted = message;
        // Nothing waiting can be saved on a deleted board.
        this.outbox.clear();
        this.emit('deleted', message);
        return;
      case 'error': {
        const op = message.s === undefined ? undefined : this.outbox.get(message.s)?.o;
        if (message.s !== undefined) this.outbox.delete(message.s);
        if (message.code === ERROR.boardFull) this.setAccess(this.role, true);
        this.emit('refused', message.reason, op, message.code);
        return;
      }
    }
  }

  private setAccess(role: Role, full: boolean, always = false): void {
    const changed = always || role !== this.role || full !== this.full;
    this.role = role;
    this.full = full;
    // Nothing waiting can be saved any more; dropping it beats a stream of refusals.
    if (!canDraw(role) || full) this.outbox.clear();
    if (changed) this.emit('access', role, full);
  }

  /** Ids of the items changed since last asked (server/board/changed-items.ts), or 'all' when the state was replaced. */
  takeChanged(): ReadonlySet<string> | 'all' {
    const changed = this.changed;
    // Asked at every read of the scene: nothing new costs nothing.
    if (changed !== 'all' && changed.size === 0) return changed;
    this.changed = new Set();
    return changed;
  }

  private fold(record: LogRecord): void {
    const verdict = applyRecord(this.state, record);
    if (this.changed !== 'all') for (const id of itemsChangedBy(this.state, record, verdict)) this.changed.add(id);
    if (record.cid === this.cid) this.outbox.delete(record.seq);
    this.emit('record', record);
    this.emit('change');
  }

  private closed(code: number, reason: string): void {
    this.ws = null;
    this.synced = false;
    if (this.stopped) return;
    if (code === CLOSE.badRequest) {
      this.setStatus('failed', reason || 'the server refused this board');
      return;
    }
    if (code === CLOSE.gone) {
      // Restored by its owner, it comes back: asked again, less and less often.
      this.setStatus('deleted', reason);
      this.retryTimer = setTimeout(() => this.connect(), Math.min(30_000, 2_000 * 1.5 ** this.deletedRetries++));
      return;
    }
    if (code === CLOSE.moved && this.moves++ < 3) {
      this.setStatus('reconnecting', reason);
      this.connect();
      return;
    }
    // Back off, with jitter so a restarted server is not hit by everyone at once.
    const delay = Math.min(5_000, 250 * 2 ** this.retries++) * (0.5 + Math.random() / 2);
    this.setStatus('reconnecting', reason);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  /** Connects at once rather than at the next retry (the board was just restored). */
  reconnectNow(): void {
    if (this.ws || this.stopped) return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.deletedRetries = 0;
    this.connect();
  }

  private setStatus(status: Status, detail: string): void {
    this.status = status;
    this.emit('status', status, detail);
  }
}

/** Whether `url` is a ws(s) URL of `board`'s socket (…/ws/<board>). */
function isSocketOf(url: string, board: string): boolean {
  if (!URL.canParse(url)) return false;
  const parsed = new URL(url);
  const path = parsed.pathname.split('/');
  if ((parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') || path.at(-2) !== 'ws') return false;
  try {
    return decodeURIComponent(path.at(-1) ?? '') === board;
  } catch {
    return false; // a malformed escape: not a board's socket
  }
}
