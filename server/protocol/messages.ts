/**
 * The wire protocol, typed once and imported by both the server and the web
 * app. Types only, plus the constants both sides must agree on. What a
 * client may send is defined by the schemas in `schema.ts` (its types are
 * derived from them here); `validate.ts` checks every frame against them.
 *
 * Operations and cursors from a page, and records and cursors to it, travel
 * as binary frames in a per-connection context (wire.ts): a live two-point
 * record costs about 9 bytes. Every other message is a JSON text frame, and
 * the server also takes operations and cursors as JSON (tools, tests).
 * Points travel inside strings produced by `points.ts` (delta + varint,
 * base64url alphabet) in JSON and in the log.
 */

/** 2: edit keys and roles (view-only links), `ack`, `role`, claims. */
/** 3: world coordinates with per-stroke precision (`q`), settled strokes as one chunk. */
/** 4: binary frames for operations, records and cursors (wire.ts). */
/** 5: elements (shapes, lines, arrows, text, notes) and transforms: `add`, `set`, `xf`. */
/** 6: a welcome's state leaves out fields at their usual value (board/snapshot.ts). */
/** 7: image elements (`type: 'image'`, `file`: a stored file's hash) and locked elements (`lock`). */
/** 8: owners (`own`, `rekey`, `pause`, `revert`), board settings (`board`: name, paper), views, follow, present, laser. */
export const PROTOCOL_VERSION = 8;

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
  /** Characters of a board's name. */
  maxBoardNameLength: 80,
  maxEraseIds: 1_000,
  /** Elements one `add` makes (a paste of more is split). */
  maxElementsPerOp: 500,
  /** Elements a `set` or `xf` names (a selection of more is split; `all` names none). */
  maxIdsPerOp: 1_000,
  /** Elements other than ink on one board, counting erased ones (they can come back). */
  maxElements: 20_000,
  /** Characters of a text element or note. */
  maxTextLength: 4_000,
  minFontSize: 4,
  maxFontSize: 400,
  /** Undo history kept per user; older actions can no longer be undone. */
  maxUndoDepth: 200,
  /** Changes (not drawing) per user kept past the undo history, for an owner to take back (a revert). */
  maxKeptActions: 1_000,
  /** A session that sends this many invalid or refused messages is closed. */
  maxErrorsPerSession: 20,
  /** Nesting of arrays and objects in a frame; honest frames nest 3 deep. */
  maxDepth: 8,
  /**
   * Messages per second a session may send (as it sent them: time the server
   * held its socket unread counts as sending time); past this, and a burst
   * of as many again for the network's delays, it is closed (quotas/message-rate.ts).
   */
  maxMessagesPerSecond: 500,
  /**
   * Largest sequence number, and largest position and time a record may
   * have: their differences then fit the binary frames' numbers exactly.
   */
  maxSeq: 2 ** 48 - 1,
} as const;

/** Identifiers (board, user, client, stroke) share one safe alphabet. */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const COLOR_PATTERN = /^#[0-9a-f]{6}$/;

/** Close codes the server uses; 4xxx mirror HTTP statuses where one fits. */
export const CLOSE = {
  goingAway: 1001,
  unsupportedData: 1003,
  tooBig: 1009,
  internalError: 1011,
  badRequest: 4400,
  notFound: 4404,
  slowConsumer: 4408,
  /** The board was deleted (a `deleted` message says by whom and until when it can be restored); its pages stop drawing. */
  gone: 4410,
  /**
   * Another instance serves this board (Kafka, partition ownership): a
   * `moved` message just before says where; the page reconnects there at
   * once, with its outbox and position.
   */
  moved: 4307,
  rateLimited: 4429,
  unavailable: 4503,
} as const;

/**
 * Error codes carried by `{ t: 'error' }` replies. Those marked "counts"
 * count toward the session's bad-message limit; the others are what an
 * honest client can meet (a race with someone else, a full board or disk).
 */
export const ERROR = {
  /** Malformed or invalid frame (counts). */
  badMessage: 'bad-message',
  /** Anything but hello before hello (counts). */
  notJoined: 'not-joined',
  /** The board would not apply this operation, e.g. extending someone else's stroke (counts). */
  refused: 'refused',
  /** The stroke reached its point limit (counts: the web app splits long strokes). */
  strokeTooLong: 'stroke-too-long',
  /** Sent through a view-only link (counts once the client was told it watches). */
  viewOnly: 'view-only',
  /** Nothing to do any more: erasing what someone just erased, undo with nothing to undo, a claim someone made first. */
  noEffect: 'no-effect',
  /** The board reached its size limit and is read-only. */
  boardFull: 'board-full',
  /** The server's disk is nearly full; nothing can be saved. */
  storageFull: 'storage-full',
  /** The log failed to save it. */
  notSaved: 'not-saved',
  /** The board's owner paused drawing: only the owner draws until it is resumed. */
  paused: 'paused',
  /** Only the board's owner may do that (owner link). */
  notOwner: 'not-owner',
} as const;
export type ErrorCode = (typeof ERROR)[keyof typeof ERROR];

// ---------------------------------------------------------------------------
// Operations. A client's operations are defined by their schemas
// (schema.ts); the log holds the same operations, except that a claim is
// logged with the hash of its sender's edit key.

export type ClientOp = import('./schema.ts').ClientOp;
/** Makes `key` (a hash of an edit key, never the key) the board's only edit key. */
export type Claim = { k: 'claim'; key: string };
/**
 * Makes `owner` (a hash of an owner key) the board's owner; with `key`, that
 * edit key replaces the board's (a new board: its first edit key is derived
 * from the owner key, rooms/roles.ts).
 */
export type Own = { k: 'own'; owner: string; key?: string };
/** The owner (`by`: the hash of its key) replaces the edit link: `key` is the hash of the edit key derived for `gen` (the board's keyGen + 1). */
export type Rekey = { k: 'rekey'; key: string; gen: number; by: string };
/** The owner pauses (on: 1) or resumes (on: 0) drawing for everyone else. */
export type Pause = { k: 'pause'; on: 0 | 1; by: string };
/** The owner takes back what `user` did between `from` and `to` (log times, ms). */
export type Revert = { k: 'revert'; user: string; from: number; to: number; by: string };
/** Operations only an owner sends; the server adds its key's hash (`by`) on the way to the log. */
export type OwnerOpKind = 'rekey' | 'pause' | 'revert';
export const OWNER_OPS: ReadonlySet<string> = new Set<OwnerOpKind>(['rekey', 'pause', 'revert']);
/** An operation as the log holds it. */
export type Op = Exclude<ClientOp, { k: 'claim' | 'own' | OwnerOpKind }> | Claim | Own | Rekey | Pause | Revert;
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
// Client → server (validated against schema.ts, see validate.ts)

export type Hello = import('./schema.ts').HelloMessage;
export type OpMessage = { t: 'op'; s: number; o: ClientOp };
/** Cursor position in board coordinates; null when the pointer left the board. */
export type CursorMessage = { t: 'cursor'; x: number; y: number } | { t: 'cursor'; x: null; y: null };
export type Rename = import('./schema.ts').RenameMessage;
/** The part of the board this page shows (world coordinates): sent while someone follows it or it presents. */
export type ViewMessage = import('./schema.ts').ViewMessage;
/** A laser pointer's point (null: the pointer went up); seen by everyone, never stored. */
export type LaserMessage = import('./schema.ts').LaserMessage;
/** Follow someone's view (their client id), or nobody. */
export type FollowMessage = import('./schema.ts').FollowMessage;
/** The owner presents (everyone's view follows theirs) or stops. */
export type PresentMessage = import('./schema.ts').PresentMessage;
export type ClientMessage = Hello | OpMessage | CursorMessage | Rename | ViewMessage | LaserMessage | FollowMessage | PresentMessage;

// ---------------------------------------------------------------------------
// Server → client

/** An owner draws like an editor and may also do what OWNER_OPS name. */
export type Role = 'owner' | 'editor' | 'viewer';
export const canDraw = (role: Role) => role !== 'viewer';
export type Participant = {
  cid: string;
  user: string;
  name: string;
  role: Role;
  /** Whose view this person follows (a client id). */
  follows?: string;
  /** This person presents: everyone's view follows theirs. */
  presenting?: true;
};
/** A view: the world rectangle a page shows. */
export type ViewRect = { x: number; y: number; w: number; h: number };

/** Serialized board state, see board/snapshot.ts. */
export type BoardSnapshot = import('../board/snapshot.ts').BoardSnapshot;

export type Welcome = {
  t: 'welcome';
  v: number;
  board: string;
  /** This client's public user and client ids, as records and presence carry them. */
  user: string;
  cid: string;
  /** Whether this client may draw (its edit key matches, or the board has none yet), or owns the board. */
  role: Role;
  /** To an owner: the board's current edit key, for the edit link (absent when it is not one derived from the owner key). */
  edit?: string;
  /** The board reached its size limit: it is read-only for everyone. */
  full?: true;
  /** Full state when the client must (re)build; absent when resuming. */
  state?: BoardSnapshot;
  /**
   * With a full state: the highest op sequence number of this client id in
   * the log, so a reconnecting client knows which of its ops were saved.
   */
  acked?: number;
};
/** A record (binary on the wire: wire.ts). */
export type RecordMessage = { t: 'rec'; r: LogRecord };
/** Catch-up is complete: everything up to `pos` has been sent. */
export type Synced = { t: 'synced'; pos: number };
export type Presence = { t: 'presence'; people: Participant[] };
/** Someone's cursor in whole world units (binary on the wire: wire.ts). */
export type RemoteCursor = { t: 'cursor'; cid: string; x: number | null; y: number | null };
export type ErrorMessage = { t: 'error'; code: ErrorCode; reason: string; s?: number };
/** The operation with sequence number `s` is in the log already (a resend). */
export type Ack = { t: 'ack'; s: number };
/** This client's role changed (the board was claimed, owned, or its edit link replaced). */
export type RoleChange = { t: 'role'; role: Role; edit?: string };
/** Someone's view, sent to those who follow them (and to everyone while they present). */
export type RemoteView = { t: 'view'; cid: string } & ViewRect;
/** A point of someone's laser trail; null: the pointer went up. */
export type RemoteLaser = { t: 'laser'; cid: string; x: number | null; y: number | null };
/**
 * The board was deleted (sent to every page on it, and to a page joining it,
 * just before the socket closes with CLOSE.gone). `restoreUntil`: until when
 * its owner can restore it; absent once it is erased for good.
 */
export type Deleted = { t: 'deleted'; by: 'owner' | 'operator'; restoreUntil?: number };
/**
 * The board is served by another instance (server/log/kafka/ownership):
 * `url` is the board's socket there (`ws://` or `wss://…/ws/<board>`). Sent
 * just before the socket closes with CLOSE.moved, on connect or when the
 * board's partition moves.
 */
export type Moved = { t: 'moved'; url: string };
export type ServerMessage = Welcome | RecordMessage | Synced | Presence | RemoteCursor | ErrorMessage | Ack | RoleChange | RemoteView | RemoteLaser | Deleted | Moved;
