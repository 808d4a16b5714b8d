/**
 * The wire protocol, typed once and imported by both the server and the web
 * app. Types only, plus the constants both sides must agree on; runtime
 * validation of client input lives in `validate.ts`.
 *
 * Every frame is a JSON text frame. Points travel inside strings produced by
 * `points.ts` (delta + varint, base64url alphabet) to keep a pen point to a
 * few bytes.
 */

export const PROTOCOL_VERSION = 1;

/** Limits enforced at the edge (and, defensively, by the fold). */
export const LIMITS = {
  /** Largest WebSocket frame the server accepts; larger ones close with 1009. */
  maxFrameBytes: 64 * 1024,
  /** Points in one `begin` or `ext` operation. */
  maxPointsPerOp: 1_000,
  /** Points in one stroke over its whole life. */
  maxPointsPerStroke: 10_000,
  /** Absolute board coordinates stay within ±coord (CSS pixels). */
  maxCoord: 1_000_000,
  minWidth: 1,
  maxWidth: 64,
  maxNameLength: 32,
  maxEraseIds: 1_000,
  /** Undo history kept per user; older actions can no longer be undone. */
  maxUndoDepth: 200,
  /** A session that sends this many invalid messages is closed. */
  maxErrorsPerSession: 20,
  /** Messages per second a session may send before it is closed. */
  maxMessagesPerSecond: 500,
} as const;

/** Identifiers (board, user, client, stroke) share one safe alphabet. */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const COLOR_PATTERN = /^#[0-9a-f]{6}$/;

/** Close codes the server uses; 4xxx mirror HTTP statuses where one fits. */
export const CLOSE = {
  goingAway: 1001,
  unsupportedData: 1003,
  tooBig: 1009,
  badRequest: 4400,
  notFound: 4404,
  slowConsumer: 4408,
  rateLimited: 4429,
  unavailable: 4503,
} as const;

/** Error codes carried by `{ t: 'error' }` replies. */
export const ERROR = {
  badMessage: 'bad-message',
  notJoined: 'not-joined',
  strokeTooLong: 'stroke-too-long',
  notSaved: 'not-saved',
} as const;
export type ErrorCode = (typeof ERROR)[keyof typeof ERROR];

// ---------------------------------------------------------------------------
// Durable operations: what a client asks to append to the board's log.

export type StrokeBegin = {
  k: 'begin';
  id: string;
  color: string;
  /** Pen width in CSS pixels. */
  w: number;
  /** 1 when points carry pressure (x, y, p) instead of (x, y). */
  pr?: 1;
  /** Encoded points, see points.ts. */
  p: string;
};
export type StrokeExtend = { k: 'ext'; id: string; p: string };
export type StrokeEnd = { k: 'end'; id: string };
export type Erase = { k: 'erase'; ids: string[] };
export type Undo = { k: 'undo' };
export type Redo = { k: 'redo' };
export type Clear = { k: 'clear' };
export type Op = StrokeBegin | StrokeExtend | StrokeEnd | Erase | Undo | Redo | Clear;
export type OpKind = Op['k'];

/**
 * A log record as stored and as fanned out. `pos` grows per board (gaps are
 * allowed: the Kafka backend uses partition offsets); `ts` is the server's
 * append time in epoch milliseconds, non-decreasing per board.
 */
export type LogRecord = {
  board: string;
  pos: number;
  ts: number;
  /** Stable user id (per browser), owner of undo history. */
  user: string;
  /** Client (page) id and its op sequence number: the author's acknowledgement key. */
  cid: string;
  seq: number;
  /** Author's nickname, stamped on stroke begins so replays can name the author. */
  name?: string;
  op: Op;
};

// ---------------------------------------------------------------------------
// Client → server

export type Hello = {
  t: 'hello';
  v: number;
  /**
   * Secret key of this browser (kept in localStorage). The server publishes
   * only an id derived from it, so nobody can act as someone else (their
   * undo history is keyed by it).
   */
  user: string;
  /** Secret key of this page, derived into the public client id the same way. */
  cid: string;
  name: string;
  /** Last log position this client holds; absent on a first join. */
  since?: number;
};
export type OpMessage = { t: 'op'; s: number; o: Op };
/** Cursor position in board coordinates; null when the pointer left the board. */
export type CursorMessage = { t: 'cursor'; x: number; y: number } | { t: 'cursor'; x: null; y: null };
export type Rename = { t: 'name'; name: string };
export type ClientMessage = Hello | OpMessage | CursorMessage | Rename;

// ---------------------------------------------------------------------------
// Server → client

export type Participant = { cid: string; user: string; name: string };

/** Serialized board state, see board/snapshot.ts. */
export type BoardSnapshot = import('../board/snapshot.ts').BoardSnapshot;

export type Welcome = {
  t: 'welcome';
  v: number;
  board: string;
  /** This client's public user and client ids, as records and presence carry them. */
  user: string;
  cid: string;
  /** Full state when the client must (re)build; absent when resuming. */
  state?: BoardSnapshot;
  /**
   * With a full state: the highest op sequence number of this client id in
   * the log, so a reconnecting client knows which of its ops were saved.
   */
  acked?: number;
};
export type RecordMessage = { t: 'rec'; r: LogRecord };
/** Several records at once, in log order (records that arrived together). */
export type RecordBatch = { t: 'recs'; rs: LogRecord[] };
/** Catch-up is complete: everything up to `pos` has been sent. */
export type Synced = { t: 'synced'; pos: number };
export type Presence = { t: 'presence'; people: Participant[] };
export type RemoteCursor = { t: 'cursor'; cid: string; x: number | null; y: number | null };
export type ErrorMessage = { t: 'error'; code: ErrorCode; reason: string; s?: number };
export type ServerMessage = Welcome | RecordMessage | RecordBatch | Synced | Presence | RemoteCursor | ErrorMessage;
