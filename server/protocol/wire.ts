/**
 * The binary frames of protocol 4: operations and cursors from a page,
 * records and cursors to it. Everything else (hello, welcome, synced,
 * presence, errors, acks) stays JSON text: rare, and easy to read.
 *
 * Each connection carries a context that both ends build up identically
 * from the frames they exchange, and forget when the socket closes:
 * - people: an author or cursor is named by a small number, defined once
 *   per connection (`PERSON` item) instead of its user and client ids on
 *   every record;
 * - strokes in progress: a `begin` binds the stroke id to a small number
 *   until its `end`; its extensions name the number, and their first point
 *   is a delta from the stroke's last point, so a live two-point record
 *   costs ~9 bytes instead of ~90 in JSON;
 * - the last record's position and time, and each person's last sequence
 *   number: records carry differences, usually one byte, often none (flags
 *   in the tag say "the next position", "the author's next sequence
 *   number", "the same author as before").
 * An extension or end of a stroke the connection has no number for (its
 * begin came before the page joined, or on an earlier connection) names it
 * by id, with its points as in JSON.
 * The server encodes each record once per board: a page that has joined
 * adopts its board's record context (a `context` item) and is then sent
 * the board's bytes as they are (server/rooms/room.ts, session.ts). The log's records are unchanged: text
 * points (points.ts) inside JSON (server/log/kafka/record-format.ts).
 *
 * Frames from a page hold one message; frames to it, a sequence of items.
 * Decoders never throw: a frame they cannot read gives a reason.
 *
 * Shared by the server and the web app: no Node APIs.
 */
import type { ClientOp, LogRecord, Op, OpMessage, RemoteCursor } from './messages.ts';
import { MAX_PRECISION } from './points.ts';

/** Operation kinds, in tag order. */
const KINDS = ['begin', 'ext', 'end', 'erase', 'undo', 'redo', 'clear', 'claim'] as const;
type Kind = (typeof KINDS)[number];
const KIND_INDEX = new Map<string, number>(KINDS.map((k, i) => [k, i]));

/** Tag byte of an operation or record: bit 3 set; bits 0-2 the kind; bits 4-7 flags. */
const OP_BIT = 0x08;
const KIND_MASK = 0x07;
/** Record flags: position is the last one plus one; sequence number is the author's last plus one; same author as the record before. */
const NEXT_POS = 0x10;
const NEXT_SEQ = 0x20;
const SAME_PERSON = 0x40;
const HAS_NAME = 0x80;

/** Items other than operations (server → page). */
const ITEM = { person: 1, cursor: 2, cursorGone: 3, pointer: 4, context: 5 } as const;

/** Begin flags: pressure, precision (2 bits), and whether `name` follows. */
const PRESSURE = 0x01;
const Q_SHIFT = 1;
// The precision has two bits there.
if (MAX_PRECISION > 3) throw new Error('MAX_PRECISION no longer fits a begin’s flags');

/** No more values than this in one points chunk (LIMITS.maxPointsPerOp × 3, with margin). */
const MAX_VALUES = 3_000;
/** Longest string an honest frame carries (ids are 64 characters, names 128, edit-key hashes 64). */
const MAX_STRING = 256;
const MAX_ERASE_IDS = 1_000;
/** Stroke numbers in progress per connection; past this, strokes go by id. */
const MAX_BOUND = 4_096;

export class WireError extends Error {}

// ---------------------------------------------------------------------------
// Bytes

/**
 * Writes into slabs and hands out views of them: each item run taken is a
 * view of the slab it was written in, not an array of its own, so a server
 * writing a record a few bytes long thousands of times a second allocates a
 * slab now and then rather than an ArrayBuffer every time. Views already
 * taken are never written again.
 */
class Writer {
  private buf: Uint8Array<ArrayBuffer> = new Uint8Array(256);
  /** Where the bytes not yet taken begin, and where the next byte goes. */
  private start = 0;
  private at = 0;

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const pending = this.at - this.start;
    const slab = new Uint8Array(Math.max(pending + n, Math.min(this.buf.length * 2, SLAB_BYTES)));
    slab.set(this.buf.subarray(this.start, this.at));
    this.buf = slab;
    this.start = 0;
    this.at = pending;
  }

  byte(b: number): void {
    this.room(1);
    this.buf[this.at++] = b;
  }

  /** Unsigned, 7 bits a byte, below 2^56. */
  uint(v: number): void {
    if (!Number.isInteger(v) || v < 0 || v >= 2 ** 56) throw new WireError(`${v} cannot be written`);
    this.room(8);
    while (v >= 128) {
      this.buf[this.at++] = (v % 128) | 128;
      v = Math.floor(v / 128);
    }
    this.buf[this.at++] = v;
  }

  /** Signed, zigzag. */
  int(v: number): void {
    this.uint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  str(s: string): void {
    const bytes = textEncoder.encode(s);
    this.uint(bytes.length);
    this.room(bytes.length);
    this.buf.set(bytes, this.at);
    this.at += bytes.length;
  }

  get length(): number {
    return this.at - this.start;
  }

  take(): Uint8Array<ArrayBuffer> {
    const out = this.buf.subarray(this.start, this.at);
    this.start = this.at;
    // A catch-up page can grow a slab to hundreds of kilobytes: the next ones start small again.
    if (this.buf.length > SLAB_BYTES) {
      this.buf = new Uint8Array(256);
      this.start = this.at = 0;
    }
    return out;
  }
}

/** Largest slab a writer keeps writing into (a bigger one is made for one big item, then dropped). */
const SLAB_BYTES = 16 * 1024;

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

class Reader {
  private at = 0;
  constructor(private readonly buf: Uint8Array) {}

  get done(): boolean {
    return this.at >= this.buf.length;
  }

  byte(): number {
    if (this.at >= this.buf.length) throw new WireError('frame ends too early');
    return this.buf[this.at++]!;
  }

  uint(): number {
    let v = 0;
    let scale = 1;
    for (;;) {
      const b = this.byte();
      v += (b & 127) * scale;
      if ((b & 128) === 0) break;
      scale *= 128;
      if (scale > 2 ** 49) throw new WireError('a number is too large');
    }
    return v;
  }

  int(): number {
    const u = this.uint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  str(): string {
    const n = this.uint();
    if (n > MAX_STRING) throw new WireError('a string is too long');
    if (this.at + n > this.buf.length) throw new WireError('frame ends too early');
    const bytes = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    try {
      return textDecoder.decode(bytes);
    } catch {
      throw new WireError('a string is not UTF-8');
    }
  }
}

// ---------------------------------------------------------------------------
// Points: text chunks (points.ts) ⇄ binary, relative to a stroke's last point

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const DIGIT = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DIGIT[ALPHABET.charCodeAt(i)] = i;

/** The zigzag-decoded numbers of a text chunk: absolute first point, then deltas. */
function textValues(text: string): number[] {
  const values: number[] = [];
  let u = 0;
  let scale = 1;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const d = code < 128 ? DIGIT[code]! : -1;
    if (d < 0) throw new WireError('points contain a character outside base64url');
    u += (d & 31) * scale;
    if (d & 32) {
      scale *= 32;
      if (scale > 2 ** 35) throw new WireError('a point value is too large');
      continue;
    }
    values.push(u % 2 === 0 ? u / 2 : -(u + 1) / 2);
    u = 0;
    scale = 1;
  }
  if (scale !== 1) throw new WireError('points end in the middle of a number');
  return values;
}

function textOf(values: readonly number[]): string {
  const out: string[] = [];
  for (const value of values) {
    let u = value >= 0 ? value * 2 : -value * 2 - 1;
    while (u >= 32) {
      out.push(ALPHABET[(u % 32) | 32]!);
      u = Math.floor(u / 32);
    }
    out.push(ALPHABET[u]!);
  }
  return out.join('');
}

/** A stroke bound to a number on this connection: its stride and last absolute point (null before any). */
type Bound = { id: string; stride: number; last: number[] | null };

/**
 * A chunk's numbers, read once per chunk: the server writes the same record
 * to every client of its board (keyed by the chunk's string, which the
 * record's operation holds; a small cache of the latest ones).
 */
type Chunk = { values: number[]; last: number[][] };
const recentChunks = new Map<string, Chunk>();
function chunkOf(text: string): Chunk {
  let chunk = recentChunks.get(text);
  if (chunk) return chunk;
  // The chunk's last point, for each stride (2, or 3 with pressure).
  const values = textValues(text);
  chunk = { values, last: [[], [], values.length >= 2 ? lastPoint(values, 2) : [], values.length >= 3 ? lastPoint(values, 3) : []] };
  if (recentChunks.size >= 256) recentChunks.delete(recentChunks.keys().next().value!);
  recentChunks.set(text, chunk);
  return chunk;
}

/**
 * Writes a chunk. With `stroke` (bound, with a last point) its first point
 * goes as a delta from that point; `stroke.last` moves to the chunk's end.
 */
function writePoints(w: Writer, text: string, stroke: Bound | null): void {
  const { values, last } = chunkOf(text);
  w.uint(values.length);
  const stride = stroke?.stride ?? 0;
  const abs = stroke?.last ?? null;
  for (let i = 0; i < values.length; i++) {
    if (i < stride && abs) w.int(values[i]! - abs[i]!);
    else w.int(values[i]!);
  }
  if (stroke && stride > 0 && values.length >= stride) stroke.last = last[stride]!;
}

function readPoints(r: Reader, stroke: Bound | null): string {
  const n = r.uint();
  // None is read as an empty chunk, which the edge refuses as JSON's empty `p` would be.
  if (n > MAX_VALUES) throw new WireError('a points chunk holds at most 3000 values');
  const stride = stroke?.stride ?? 0;
  const values: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = r.int();
    values.push(i < stride && stroke?.last ? v + stroke.last[i % stride]! : v);
  }
  if (stroke && stride > 0 && values.length >= stride) stroke.last = lastPoint(values, stride);
  return textOf(values);
}

/** The absolute last point of a chunk of first-absolute-then-deltas values (a partial point at the end is ignored). */
function lastPoint(values: readonly number[], stride: number): number[] {
  const abs = values.slice(0, stride);
  const whole = values.length - (values.length % stride);
  for (let i = stride; i < whole; i++) abs[i % stride]! += values[i]!;
  return abs;
}

// ---------------------------------------------------------------------------
// Operations, shared by both directions

/**
 * Numbers for strokes in progress. The encoder picks them (a freed one, else
 * the next, else the longest bound, whose stroke then goes by id: strokes
 * that never end must not use them all up); the decoder binds and frees
 * exactly as the frames say.
 */
class StrokeNumbers {
  private readonly byNumber = new Map<number, Bound>();
  private readonly byId = new Map<string, number>();
  private readonly freed: number[] = [];
  private next = 1;

  /** `picks`: this end chooses the numbers (an encoder), so it keeps the freed ones. */
  constructor(private readonly picks: boolean) {}

  get(no: number): Bound | undefined {
    return this.byNumber.get(no);
  }

  numberOf(id: string): number | undefined {
    return this.byId.get(id);
  }

  /** Binds `id` to a number from 1 to MAX_BOUND. */
  bind(id: string, stride: number): number {
    const old = this.byId.get(id);
    if (old !== undefined) this.free(old);
    let no = this.freed.pop();
    if (no === undefined && this.next <= MAX_BOUND) no = this.next++;
    if (no === undefined) no = this.byNumber.keys().next().value!;
    this.bindAt(no, id, stride);
    return no;
  }

  bindAt(no: number, id: string, stride: number): void {
    const old = this.byId.get(id);
    if (old !== undefined && old !== no) this.free(old);
    const previous = this.byNumber.get(no);
    if (previous) this.byId.delete(previous.id);
    // Deleted first, so the map's order stays the order of binding.
    this.byNumber.delete(no);
    this.byNumber.set(no, { id, stride, last: null });
    this.byId.set(id, no);
  }

  /** Every binding, oldest first. */
  entries(): IterableIterator<[number, Bound]> {
    return this.byNumber.entries();
  }

  /** Forgets every binding (the decoder, told a new context). */
  clear(): void {
    this.byNumber.clear();
    this.byId.clear();
  }

  /** Binds as a context says, the stroke's last point included. */
  restore(no: number, id: string, stride: number, last: number[] | null): void {
    this.bindAt(no, id, stride);
    this.byNumber.get(no)!.last = last;
  }

  free(no: number): void {
    const bound = this.byNumber.get(no);
    if (!bound) return;
    this.byNumber.delete(no);
    this.byId.delete(bound.id);
    if (this.picks) this.freed.push(no);
  }
}

const strideOf = (op: { pr?: 1 }) => (op.pr === 1 ? 3 : 2);

function writeOp(w: Writer, op: Op | ClientOp, strokes: StrokeNumbers): void {
  switch (op.k) {
    case 'begin': {
      const no = strokes.bind(op.id, strideOf(op));
      w.uint(no);
      w.str(op.id);
      w.uint(parseInt(op.color.slice(1), 16));
      w.uint(op.w);
      w.byte((op.pr === 1 ? PRESSURE : 0) | ((op.q ?? 0) << Q_SHIFT));
      writePoints(w, op.p, no > 0 ? strokes.get(no)! : null);
      return;
    }
    case 'ext':
    case 'end': {
      const no = strokes.numberOf(op.id);
      w.uint(no ?? 0);
      if (no === undefined) w.str(op.id);
      if (op.k === 'ext') writePoints(w, op.p, no === undefined ? null : strokes.get(no)!);
      else if (no !== undefined) strokes.free(no);
      return;
    }
    case 'erase':
      w.uint(op.ids.length);
      for (const id of op.ids) w.str(id);
      return;
    case 'claim':
      // A page's claim carries nothing; the log's carries the key's hash.
      w.str('key' in op ? op.key : '');
      return;
    case 'undo':
    case 'redo':
    case 'clear':
      return;
  }
}

/** Reads an operation (unvalidated: the edge checks it like a JSON one). */
function readOp(r: Reader, kind: Kind, strokes: StrokeNumbers): Record<string, unknown> {
  switch (kind) {
    case 'begin': {
      const no = r.uint();
      const id = r.str();
      const color = r.uint();
      if (color > 0xffffff) throw new WireError('a colour is out of range');
      const width = r.uint();
      const flags = r.byte();
      if (flags & ~(PRESSURE | (3 << Q_SHIFT))) throw new WireError('unknown begin flags');
      const pr = (flags & PRESSURE) !== 0;
      const q = (flags >> Q_SHIFT) & 3;
      if (no > MAX_BOUND) throw new WireError('a stroke number is out of range');
      if (no > 0) strokes.bindAt(no, id, pr ? 3 : 2);
      const p = readPoints(r, no > 0 ? strokes.get(no)! : null);
      return { k: 'begin', id, color: `#${color.toString(16).padStart(6, '0')}`, w: width, ...(pr ? { pr: 1 } : {}), ...(q > 0 ? { q } : {}), p };
    }
    case 'ext':
    case 'end': {
      const no = r.uint();
      let id: string;
      let bound: Bound | null = null;
      if (no === 0) {
        id = r.str();
      } else {
        const found = strokes.get(no);
        if (!found) throw new WireError(`stroke number ${no} is not bound`);
        id = found.id;
        bound = found;
      }
      if (kind === 'end') {
        if (no > 0) strokes.free(no);
        return { k: 'end', id };
      }
      return { k: 'ext', id, p: readPoints(r, bound) };
    }
    case 'erase': {
      const n = r.uint();
      if (n > MAX_ERASE_IDS) throw new WireError('too many ids to erase');
      const ids: string[] = [];
      for (let i = 0; i < n; i++) ids.push(r.str());
      return { k: 'erase', ids };
    }
    case 'claim': {
      const key = r.str();
      return key === '' ? { k: 'claim' } : { k: 'claim', key };
    }
    default:
      return { k: kind };
  }
}

// ---------------------------------------------------------------------------
// Page → server: one operation or cursor a frame

const UP_CURSOR = 1;
const UP_CURSOR_GONE = 2;

/** A page's side of its connection (web/src/board-client.ts); a new one per socket. */
export class UpEncoder {
  private readonly w = new Writer();
  private readonly strokes = new StrokeNumbers(true);
  private lastSeq = 0;
  private cursorAt = [0, 0];

  op(message: OpMessage): Uint8Array<ArrayBuffer> {
    const kind = KIND_INDEX.get(message.o.k)!;
    const next = message.s === this.lastSeq + 1;
    this.w.byte(OP_BIT | kind | (next ? NEXT_SEQ : 0));
    if (!next) this.w.int(message.s - this.lastSeq - 1);
    this.lastSeq = message.s;
    writeOp(this.w, message.o, this.strokes);
    return this.w.take();
  }

  /** Whole world units, as a delta from the last one sent. */
  cursor(x: number | null, y: number | null): Uint8Array<ArrayBuffer> {
    if (x === null || y === null) {
      this.w.byte(UP_CURSOR_GONE);
    } else {
      const [cx, cy] = [Math.round(x), Math.round(y)];
      this.w.byte(UP_CURSOR);
      this.w.int(cx - this.cursorAt[0]!);
      this.w.int(cy - this.cursorAt[1]!);
      this.cursorAt = [cx, cy];
    }
    return this.w.take();
  }
}

/** A refused operation names its sequence number when the frame got that far, so its author can drop it. */
export type Decoded = { ok: true; value: Record<string, unknown> } | { ok: false; reason: string; s?: number };

/** The server's side of a page's frames (server/rooms/connection.ts); a new one per socket. */
export class UpDecoder {
  private readonly strokes = new StrokeNumbers(false);
  private lastSeq = 0;
  private cursorAt = [0, 0];

  /** A message as JSON would have carried it, for the same checks (validate.ts). Never throws. */
  decode(frame: Uint8Array): Decoded {
    let s: number | undefined;
    try {
      const r = new Reader(frame);
      const tag = r.byte();
      let value: Record<string, unknown>;
      if (tag & OP_BIT) {
        if (tag & ~(OP_BIT | KIND_MASK | NEXT_SEQ)) throw new WireError('unknown flags');
        s = tag & NEXT_SEQ ? this.lastSeq + 1 : this.lastSeq + 1 + r.int();
        // The page counted it whether or not the rest can be read: so do we.
        this.lastSeq = s;
        value = { t: 'op', s, o: readOp(r, KINDS[tag & KIND_MASK]!, this.strokes) };
        if (!r.done) throw new WireError('frame has bytes past its message');
        return { ok: true, value };
      } else if (tag === UP_CURSOR) {
        const x = this.cursorAt[0]! + r.int();
        const y = this.cursorAt[1]! + r.int();
        this.cursorAt = [x, y];
        value = { t: 'cursor', x, y };
      } else if (tag === UP_CURSOR_GONE) {
        value = { t: 'cursor', x: null, y: null };
      } else {
        throw new WireError(`unknown frame type ${tag}`);
      }
      if (!r.done) throw new WireError('frame has bytes past its message');
      return { ok: true, value };
    } catch (err) {
      const reason = err instanceof WireError ? err.message : 'frame could not be read';
      return s === undefined ? { ok: false, reason } : { ok: false, reason, s };
    }
  }
}

// ---------------------------------------------------------------------------
// Server → page: items (records, cursors) a frame

/** UTF-8 bytes of a string; short ones cannot pass the limit (3 bytes a UTF-16 unit at most), so are not encoded. */
const tooLong = (s: string) => s.length * 3 > MAX_STRING && textEncoder.encode(s).length > MAX_STRING;

/** Records found writable: a record goes to every client of its board, and is checked once. */
const writable = new WeakSet<LogRecord>();

/** Throws a WireError if a page's decoder would refuse the record. */
function checkRecord(rec: LogRecord): void {
  if (writable.has(rec)) return;
  const op = rec.op;
  if (!Number.isSafeInteger(rec.pos) || !Number.isSafeInteger(rec.ts) || !Number.isSafeInteger(rec.seq) || rec.seq < 0) {
    throw new WireError('a record has a position, time or sequence number out of range');
  }
  const strings = [rec.cid, rec.user, rec.name ?? '', 'id' in op ? op.id : '', op.k === 'claim' ? op.key : ''];
  if (op.k === 'erase') {
    if (op.ids.length > MAX_ERASE_IDS) throw new WireError('a record erases too many strokes');
    strings.push(...op.ids);
  }
  if (strings.some((s) => typeof s !== 'string' || tooLong(s))) throw new WireError('a record holds a string a page would refuse');
  if ('p' in op) {
    if (chunkOf(op.p).values.length > MAX_VALUES) throw new WireError('a record holds too many points');
  }
  if (op.k === 'begin' && (!/^#[0-9a-f]{6}$/.test(op.color) || !Number.isInteger(op.w) || op.w < 0 || (op.q ?? 0) > 3 || (op.q ?? 0) < 0)) {
    throw new WireError('a record begins a stroke a page would refuse');
  }
  writable.add(rec);
}

type Person = { no: number; user: string; lastSeq: number };
type Pointer = { no: number; cursorAt: number[] };

/**
 * The server's side of a connection's records and cursors: one per page
 * (server/rooms/session.ts), and one per board whose output every page that
 * has adopted its context shares (server/rooms/room.ts), so a record is
 * encoded once for all of them, as JSON was.
 */
export class DownEncoder {
  private readonly w = new Writer();
  private readonly strokes = new StrokeNumbers(true);
  /** Authors of records by client id. */
  private readonly authors = new Map<string, Person>();
  private defined = 0;
  /** Cursors by client id: numbered apart, as they are this page's alone. */
  private readonly pointers = new Map<string, Pointer>();
  private pointed = 0;
  private lastPos = -1;
  private lastTs = 0;
  private lastPerson = -1;

  /** Whether items wait for `take()`. */
  get pending(): boolean {
    return this.w.length > 0;
  }

  private author(cid: string, user: string): Person {
    let person = this.authors.get(cid);
    if (!person || person.user !== user) {
      person = { no: this.defined++, user, lastSeq: -1 };
      this.authors.set(cid, person);
      this.w.byte(ITEM.person);
      this.w.str(cid);
      this.w.str(user);
    }
    return person;
  }

  /**
   * Writes a record. One a page could not read (a log written by other
   * means: points that do not decode, strings too long) throws a WireError
   * before anything is written, so the stream stays whole without it.
   */
  record(rec: LogRecord): void {
    checkRecord(rec);
    const person = this.author(rec.cid, rec.user);
    const kind = KIND_INDEX.get(rec.op.k)!;
    const nextPos = rec.pos === this.lastPos + 1;
    const nextSeq = rec.seq === person.lastSeq + 1;
    const same = person.no === this.lastPerson;
    const named = rec.name !== undefined;
    this.w.byte(OP_BIT | kind | (nextPos ? NEXT_POS : 0) | (nextSeq ? NEXT_SEQ : 0) | (same ? SAME_PERSON : 0) | (named ? HAS_NAME : 0));
    if (!nextPos) this.w.int(rec.pos - this.lastPos - 1);
    this.w.int(rec.ts - this.lastTs);
    if (!same) this.w.uint(person.no);
    if (!nextSeq) this.w.int(rec.seq - person.lastSeq - 1);
    if (named) this.w.str(rec.name!);
    writeOp(this.w, rec.op, this.strokes);
    this.lastPos = rec.pos;
    this.lastTs = rec.ts;
    this.lastPerson = person.no;
    person.lastSeq = rec.seq;
  }

  /** A person's cursor (whole world units), or null when it left the board. */
  cursor(cid: string, x: number | null, y: number | null): void {
    if (x === null || y === null) {
      // Forgotten at both ends; a later cursor defines the pointer again.
      const gone = this.pointers.get(cid);
      if (!gone) return;
      this.pointers.delete(cid);
      this.w.byte(ITEM.cursorGone);
      this.w.uint(gone.no);
      return;
    }
    let pointer = this.pointers.get(cid);
    if (!pointer) {
      pointer = { no: this.pointed++, cursorAt: [0, 0] };
      this.pointers.set(cid, pointer);
      this.w.byte(ITEM.pointer);
      this.w.str(cid);
    }
    const [cx, cy] = [Math.round(x), Math.round(y)];
    this.w.byte(ITEM.cursor);
    this.w.uint(pointer.no);
    this.w.int(cx - pointer.cursorAt[0]!);
    this.w.int(cy - pointer.cursorAt[1]!);
    pointer.cursorAt = [cx, cy];
  }

  /**
   * Writes the record context of `shared` (people, strokes in progress,
   * last position, time and author), which the page takes as its own: from
   * here on it reads `shared`'s records as they are written. This encoder's
   * own record context is out of use from then; its cursors go on.
   */
  adopt(shared: DownEncoder): void {
    this.w.byte(ITEM.context);
    this.w.uint(shared.lastPos + 1);
    this.w.int(shared.lastTs);
    this.w.uint(shared.lastPerson + 1);
    this.w.uint(shared.defined);
    this.w.uint(shared.authors.size);
    for (const [cid, person] of shared.authors) {
      this.w.uint(person.no);
      this.w.str(cid);
      this.w.str(person.user);
      this.w.int(person.lastSeq);
    }
    const strokes = [...shared.strokes.entries()];
    this.w.uint(strokes.length);
    for (const [no, bound] of strokes) {
      this.w.uint(no);
      this.w.str(bound.id);
      this.w.uint(bound.stride);
      this.w.uint(bound.last?.length ?? 0);
      for (const v of bound.last ?? []) this.w.int(v);
    }
  }

  /** The items written since the last call, as one frame (or a part of one). */
  take(): Uint8Array<ArrayBuffer> {
    return this.w.take();
  }
}

export type DownMessage = { t: 'rec'; r: LogRecord } | RemoteCursor;

/** A page's side of the server's frames; a new one per socket. Throws WireError on a frame it cannot read. */
export class DownDecoder {
  constructor(private readonly board: string) {}

  private readonly strokes = new StrokeNumbers(false);
  private people: ({ cid: string; user: string; lastSeq: number } | undefined)[] = [];
  private readonly pointers: ({ cid: string; cursorAt: number[] } | undefined)[] = [];
  private lastPos = -1;
  private lastTs = 0;
  private lastPerson = -1;

  decode(frame: Uint8Array): DownMessage[] {
    const r = new Reader(frame);
    const out: DownMessage[] = [];
    while (!r.done) {
      const tag = r.byte();
      if (tag & OP_BIT) {
        out.push({ t: 'rec', r: this.record(r, tag) });
      } else if (tag === ITEM.person) {
        const cid = r.str();
        const user = r.str();
        this.people.push({ cid, user, lastSeq: -1 });
      } else if (tag === ITEM.pointer) {
        this.pointers.push({ cid: r.str(), cursorAt: [0, 0] });
      } else if (tag === ITEM.cursor || tag === ITEM.cursorGone) {
        const no = r.uint();
        const pointer = this.pointers[no];
        if (!pointer) throw new WireError(`pointer ${no} is not defined`);
        if (tag === ITEM.cursorGone) {
          this.pointers[no] = undefined;
          out.push({ t: 'cursor', cid: pointer.cid, x: null, y: null });
        } else {
          const x = pointer.cursorAt[0]! + r.int();
          const y = pointer.cursorAt[1]! + r.int();
          pointer.cursorAt = [x, y];
          out.push({ t: 'cursor', cid: pointer.cid, x, y });
        }
      } else if (tag === ITEM.context) {
        this.adopt(r);
      } else {
        throw new WireError(`unknown item ${tag}`);
      }
    }
    return out;
  }

  /** Replaces the record context with the one the frame gives (DownEncoder.adopt). */
  private adopt(r: Reader): void {
    const lastPos = r.uint() - 1;
    const lastTs = r.int();
    const lastPerson = r.uint() - 1;
    const defined = r.uint();
    const count = r.uint();
    if (defined > 1_000_000 || count > defined) throw new WireError('a context names too many people');
    const people: ({ cid: string; user: string; lastSeq: number } | undefined)[] = new Array(defined);
    for (let i = 0; i < count; i++) {
      const no = r.uint();
      if (no >= defined) throw new WireError('a context numbers a person out of range');
      people[no] = { cid: r.str(), user: r.str(), lastSeq: r.int() };
    }
    const strokes: [number, string, number, number[] | null][] = [];
    const bound = r.uint();
    if (bound > MAX_BOUND) throw new WireError('a context binds too many strokes');
    for (let i = 0; i < bound; i++) {
      const no = r.uint();
      const id = r.str();
      const stride = r.uint();
      const n = r.uint();
      if (no < 1 || no > MAX_BOUND || (stride !== 2 && stride !== 3) || (n !== 0 && n !== stride)) throw new WireError('a context binds a stroke badly');
      const last: number[] = [];
      for (let k = 0; k < n; k++) last.push(r.int());
      strokes.push([no, id, stride, n > 0 ? last : null]);
    }
    this.people = people;
    this.strokes.clear();
    for (const [no, id, stride, last] of strokes) this.strokes.restore(no, id, stride, last);
    this.lastPos = lastPos;
    this.lastTs = lastTs;
    this.lastPerson = lastPerson;
  }

  private personAt(no: number) {
    const person = this.people[no];
    if (!person) throw new WireError(`person ${no} is not defined`);
    return person;
  }

  private record(r: Reader, tag: number): LogRecord {
    const pos = tag & NEXT_POS ? this.lastPos + 1 : this.lastPos + 1 + r.int();
    const ts = this.lastTs + r.int();
    const no = tag & SAME_PERSON ? this.lastPerson : r.uint();
    const person = this.personAt(no);
    const seq = tag & NEXT_SEQ ? person.lastSeq + 1 : person.lastSeq + 1 + r.int();
    const name = tag & HAS_NAME ? r.str() : undefined;
    const op = readOp(r, KINDS[tag & KIND_MASK]!, this.strokes) as Op;
    this.lastPos = pos;
    this.lastTs = ts;
    this.lastPerson = no;
    person.lastSeq = seq;
    return { board: this.board, pos, ts, user: person.user, cid: person.cid, seq, ...(name === undefined ? {} : { name }), op };
  }
}
