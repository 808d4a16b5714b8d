/**
 * A decoder of the board socket's binary frames, written from
 * docs/protocol.md alone, on purpose, as a third-party client would write
 * it. It is a test oracle: tests decode every frame the server sends with
 * both the server's decoder and this one and require the same results, which
 * proves the document says what the server does.
 *
 * So it must NOT import (or be written by reading) server/protocol/wire.ts,
 * server/protocol/wire/ or web/dist/. Where writing it found the document
 * silent, the document now says what this does.
 *
 * Only the types come from messages.ts; a points chunk is produced in the
 * text form points.ts describes (zigzag, base64url varint, 5 bits a digit,
 * least significant digit first, 32 meaning "more digits follow").
 */
import type { LogRecord, Op } from '../../server/protocol/messages.ts';

const MAX_UINT = 2 ** 53 - 1;
const MAX_UINT_BYTES = 8;
const MAX_SEQ = 2 ** 48 - 1; // also the largest position and time
const MAX_STR_BYTES = 256;
const MAX_POINT_VALUES = 3_000;
const MAX_STROKE_NUMBER = 4_096;
const MAX_CONTEXT_ENTRIES = 4_096;
const MAX_ERASE_IDS = 1_000;
const MAX_UP_FRAME_BYTES = 64 * 1024;

/** Strict UTF-8: invalid bytes throw, and a leading BOM is kept as a character. */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Thrown on a frame the document says is invalid; `s` when an operation's sequence number was read. */
export class DocDecodeError extends Error {
  constructor(
    message: string,
    readonly s?: number,
  ) {
    super(message);
  }
}

function fail(message: string): never {
  throw new DocDecodeError(message);
}

// ---------------------------------------------------------------------------
// Numbers and strings

class Reader {
  private at = 0;
  constructor(private readonly bytes: Uint8Array) {}

  get done(): boolean {
    return this.at >= this.bytes.length;
  }

  byte(): number {
    const b = this.bytes[this.at++];
    if (b === undefined) fail('frame ends in the middle of a message');
    return b;
  }

  /** Unsigned LEB128, at most 8 bytes and 2^53 − 1. */
  uint(): number {
    let value = 0;
    for (let i = 0; ; i++) {
      if (i === MAX_UINT_BYTES) fail('uint longer than 8 bytes');
      const b = this.byte();
      value += (b & 0x7f) * 2 ** (7 * i); // arithmetic, not bitwise: up to 56 bits
      if ((b & 0x80) === 0) break;
    }
    if (value > MAX_UINT) fail('uint larger than 2^53 - 1');
    return value;
  }

  /** Zigzag: 0, -1, 1, -2, … written as 0, 1, 2, 3, … */
  int(): number {
    const u = this.uint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  str(): string {
    const length = this.uint();
    if (length > MAX_STR_BYTES) fail('string longer than 256 bytes');
    if (this.at + length > this.bytes.length) fail('frame ends in the middle of a string');
    const bytes = this.bytes.subarray(this.at, this.at + length);
    this.at += length;
    try {
      return utf8.decode(bytes);
    } catch {
      return fail('string is not UTF-8');
    }
  }

  /** A json field: a length-prefixed UTF-8 JSON object, at most 262,144 bytes, nesting at most 6 deep. */
  json(): Record<string, unknown> {
    const length = this.uint();
    if (length > 262_144) fail('json longer than 262,144 bytes');
    if (this.at + length > this.bytes.length) fail('frame ends in the middle of a json');
    let text: string;
    try {
      text = utf8.decode(this.bytes.subarray(this.at, this.at + length));
    } catch {
      return fail('json is not UTF-8');
    }
    this.at += length;
    let depth = 0;
    let deepest = 0;
    let quoted = false;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (quoted) {
        if (c === '\\') i++;
        else if (c === '"') quoted = false;
      } else if (c === '"') quoted = true;
      else if (c === '{' || c === '[') deepest = Math.max(deepest, ++depth);
      else if (c === '}' || c === ']') depth--;
    }
    if (deepest > 6) fail('json nests deeper than 6');
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return fail('json is not JSON');
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('json is not an object');
    return value as Record<string, unknown>;
  }

  /** A points field's integers, as written (not yet made absolute). */
  points(): number[] {
    const count = this.uint();
    if (count > MAX_POINT_VALUES) fail('more than 3,000 point values');
    const values: number[] = [];
    for (let i = 0; i < count; i++) values.push(this.int());
    return values;
  }

  end(): void {
    if (!this.done) fail('bytes past the message');
  }
}

// ---------------------------------------------------------------------------
// Points: binary values to the text chunk of points.ts

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function textChunk(values: readonly number[]): string {
  let text = '';
  for (const v of values) {
    let u = v >= 0 ? v * 2 : -v * 2 - 1;
    while (u >= 32) {
      text += BASE64URL[(u % 32) | 32];
      u = Math.floor(u / 32);
    }
    text += BASE64URL[u];
  }
  return text;
}

/** A bound stroke: its id, stride (2, or 3 with pressure) and last point (absolute), if any. */
type Stroke = { id: string; stride: number; last: number[] | null };

/**
 * Translates a chunk's values into the text form (first point absolute, the
 * rest deltas). A bound stroke with a last point has its first stride values
 * written as differences from that point. Returns the stroke's new last
 * point: the chunk's last whole point, or the old one if it holds none.
 * Values past the last whole point are kept in the text as written.
 */
function translate(values: readonly number[], stroke: Stroke | null): { text: string; last: number[] | null } {
  if (!stroke) return { text: textChunk(values), last: null };
  const { stride, last } = stroke;
  const abs: number[] = [];
  values.forEach((v, i) => abs.push((i < stride ? (last?.[i] ?? 0) : abs[i - stride]!) + v));
  const whole = Math.floor(values.length / stride);
  return {
    text: textChunk(values.map((v, i) => (i < stride ? abs[i]! : v))),
    last: whole > 0 ? abs.slice((whole - 1) * stride, whole * stride) : last,
  };
}

/** The numbers 1 to 4,096 bound to strokes in progress. */
class Strokes {
  private byNumber = new Map<number, Stroke>();

  /** Binds `number` to a new stroke (0: none), ending the number's and the id's bindings. */
  bind(number: number, stroke: Stroke): void {
    this.unbindId(stroke.id);
    if (number !== 0) this.byNumber.set(number, stroke);
  }

  unbindId(id: string): void {
    for (const [number, stroke] of this.byNumber) if (stroke.id === id) this.byNumber.delete(number);
  }

  get(number: number): Stroke {
    if (number > MAX_STROKE_NUMBER) fail('stroke number above 4,096');
    return this.byNumber.get(number) ?? fail(`stroke number ${number} is not bound`);
  }

  free(number: number): void {
    this.byNumber.delete(number);
  }

  replace(byNumber: Map<number, Stroke>): void {
    this.byNumber = byNumber;
  }
}

// ---------------------------------------------------------------------------
// Operations (both directions)

const SIMPLE_KINDS = { 4: 'undo', 5: 'redo', 6: 'clear' } as const;

/**
 * Reads an operation's body. Its effect on the bound strokes is returned
 * as `apply`, so that the page's side applies it only to a whole frame.
 */
function readOp(kind: number, r: Reader, strokes: Strokes, fromPage: boolean): { op: Record<string, unknown>; apply: () => void } {
  switch (kind) {
    case 0: {
      const number = r.uint();
      if (number > MAX_STROKE_NUMBER) fail('stroke number above 4,096');
      const id = r.str();
      const colour = r.uint();
      if (colour > 0xffffff) fail('colour above 0xFFFFFF');
      const w = r.uint();
      const flags = r.byte();
      if (flags > 0b111) fail('begin flags: bits 3-7 must be 0');
      const pressure = (flags & 1) === 1;
      const q = flags >> 1;
      const stroke: Stroke = { id, stride: pressure ? 3 : 2, last: null };
      const chunk = translate(r.points(), stroke);
      const color = '#' + colour.toString(16).padStart(6, '0');
      const op = { k: 'begin', id, color, w, ...(pressure ? { pr: 1 } : {}), ...(q > 0 ? { q } : {}), p: chunk.text };
      return { op, apply: () => strokes.bind(number, { ...stroke, last: chunk.last }) };
    }
    case 1:
    case 2: {
      const number = r.uint();
      const stroke = number === 0 ? null : strokes.get(number);
      const id = stroke ? stroke.id : r.str();
      if (kind === 2) {
        // An operation naming a stroke by id ends the binding that id had.
        return { op: { k: 'end', id }, apply: () => (stroke ? strokes.free(number) : strokes.unbindId(id)) };
      }
      const chunk = translate(r.points(), stroke);
      const apply = () => (stroke ? (stroke.last = chunk.last) : strokes.unbindId(id));
      return { op: { k: 'ext', id, p: chunk.text }, apply };
    }
    case 3: {
      const count = r.uint();
      if (count > MAX_ERASE_IDS) fail('erase of more than 1,000 ids');
      const ids: string[] = [];
      for (let i = 0; i < count; i++) ids.push(r.str());
      return { op: { k: 'erase', ids }, apply: () => {} };
    }
    case 4:
    case 5:
    case 6:
      return { op: { k: SIMPLE_KINDS[kind] }, apply: () => {} };
    default: {
      const more = r.uint();
      if (more === 0) {
        const key = r.str();
        if (fromPage && key !== '') fail("a page's claim carries the empty string");
        return { op: fromPage ? { k: 'claim' } : { k: 'claim', key }, apply: () => {} };
      }
      const k = MORE_KINDS[more];
      if (!k) fail('unknown kind past 7');
      return { op: { ...r.json(), k }, apply: () => {} };
    }
  }
}

const MORE_KINDS: Record<number, string> = { 1: 'add', 2: 'set', 3: 'xf', 4: 'own', 5: 'rekey', 6: 'pause', 7: 'revert', 8: 'board' };

function checkRange(name: string, value: number): void {
  if (value < 0 || value > MAX_SEQ) fail(`${name} outside 0 to 2^48 - 1`);
}

// ---------------------------------------------------------------------------
// Server → page

export type DownItem = { t: 'rec'; r: LogRecord } | { t: 'cursor'; cid: string; x: number | null; y: number | null };

type Person = { cid: string; user: string; lastSeq: number };
type Pointer = { cid: string; x: number; y: number };

/** A page's side of one socket's server → page frames. */
export class DocDownDecoder {
  private people = new Map<number, Person>();
  private nextPerson = 0;
  private lastPerson = -1;
  private lastPos = -1;
  private lastTs = 0;
  private readonly pointers = new Map<number, Pointer>();
  private nextPointer = 0;
  private readonly strokes = new Strokes();

  constructor(private readonly board: string) {}

  decode(frame: Uint8Array): DownItem[] {
    const r = new Reader(frame);
    const items: DownItem[] = [];
    while (!r.done) {
      const tag = r.byte();
      if (tag === 0x01) {
        const cid = r.str();
        const user = r.str();
        this.people.set(this.nextPerson++, { cid, user, lastSeq: -1 });
      } else if (tag === 0x02) {
        const pointer = this.pointer(r.uint());
        pointer.x += r.int();
        pointer.y += r.int();
        items.push({ t: 'cursor', cid: pointer.cid, x: pointer.x, y: pointer.y });
      } else if (tag === 0x03) {
        const number = r.uint();
        items.push({ t: 'cursor', cid: this.pointer(number).cid, x: null, y: null });
        this.pointers.delete(number);
      } else if (tag === 0x04) {
        this.pointers.set(this.nextPointer++, { cid: r.str(), x: 0, y: 0 });
      } else if (tag === 0x05) {
        this.readContext(r);
      } else if ((tag & 0x08) !== 0) {
        items.push({ t: 'rec', r: this.readRecord(tag, r) });
      } else {
        fail(`unknown item 0x${tag.toString(16)}`);
      }
    }
    return items;
  }

  private pointer(number: number): Pointer {
    return this.pointers.get(number) ?? fail(`pointer ${number} is not defined`);
  }

  private readRecord(tag: number, r: Reader): LogRecord {
    const pos = this.lastPos + 1 + (tag & 0x10 ? 0 : r.int());
    const ts = this.lastTs + r.int();
    const number = tag & 0x40 ? this.lastPerson : r.uint();
    const person = this.people.get(number) ?? fail(`person ${number} is not defined`);
    const seq = person.lastSeq + 1 + (tag & 0x20 ? 0 : r.int());
    const name = tag & 0x80 ? r.str() : undefined;
    checkRange('position', pos);
    checkRange('time', ts);
    checkRange('sequence number', seq);
    const { op, apply } = readOp(tag & 0x07, r, this.strokes, false);
    apply();
    this.lastPos = pos;
    this.lastTs = ts;
    this.lastPerson = number;
    person.lastSeq = seq;
    const head = { board: this.board, pos, ts, user: person.user, cid: person.cid, seq };
    return { ...head, ...(name !== undefined ? { name } : {}), op: op as Op };
  }

  /** Replaces the record context: people, bound strokes, last position, time and person. */
  private readContext(r: Reader): void {
    const lastPos = r.uint() - 1;
    const lastTs = r.int();
    const lastPerson = r.uint() - 1;
    const nextPerson = r.uint();
    if (lastPerson >= nextPerson) fail('context: last person not below the next person number');
    const people = new Map<number, Person>();
    const personCount = r.uint();
    if (personCount > MAX_CONTEXT_ENTRIES) fail('context: more than 4,096 people');
    for (let i = 0; i < personCount; i++) {
      const number = r.uint();
      if (number >= nextPerson) fail('context: person number not below the next');
      if (people.has(number)) fail('context: person listed twice');
      const cid = r.str();
      const user = r.str();
      people.set(number, { cid, user, lastSeq: r.int() });
    }
    const strokes = new Map<number, Stroke>();
    const strokeCount = r.uint();
    if (strokeCount > MAX_CONTEXT_ENTRIES) fail('context: more than 4,096 strokes');
    for (let i = 0; i < strokeCount; i++) {
      const number = r.uint();
      if (number < 1 || number > MAX_STROKE_NUMBER) fail('context: stroke number outside 1 to 4,096');
      if (strokes.has(number)) fail('context: stroke number listed twice');
      const id = r.str();
      const stride = r.uint();
      if (stride !== 2 && stride !== 3) fail('context: stride is not 2 or 3');
      const n = r.uint();
      if (n !== 0 && n !== stride) fail('context: last point is neither absent nor whole');
      const last: number[] = [];
      for (let k = 0; k < n; k++) last.push(r.int());
      strokes.set(number, { id, stride, last: n === 0 ? null : last });
    }
    this.lastPos = lastPos;
    this.lastTs = lastTs;
    this.lastPerson = lastPerson;
    this.nextPerson = nextPerson;
    this.people = people;
    this.strokes.replace(strokes);
  }
}

// ---------------------------------------------------------------------------
// Page → server

export type UpMessage = { t: 'op'; s: number; o: Record<string, unknown> } | { t: 'cursor'; x: number | null; y: number | null };
export type UpTextMessage = { t: 'op'; s: number; o: { k: string; id?: string } } | { t: 'cursor'; x: number | null; y: number | null };

/** The server's side of one socket's page → server frames (one message a frame). */
export class DocUpDecoder {
  private lastSeq = 0;
  private cursor = { x: 0, y: 0 };
  private readonly strokes = new Strokes();

  decode(frame: Uint8Array): UpMessage {
    if (frame.length > MAX_UP_FRAME_BYTES) fail('frame larger than 64 KiB');
    const r = new Reader(frame);
    const tag = r.byte();
    if (tag === 0x01) {
      const x = this.cursor.x + r.int();
      const y = this.cursor.y + r.int();
      r.end();
      this.cursor = { x, y };
      return { t: 'cursor', x, y };
    }
    if (tag === 0x02) {
      r.end();
      return { t: 'cursor', x: null, y: null };
    }
    if ((tag & 0x08) === 0 || (tag & 0xd0) !== 0) fail(`unknown frame 0x${tag.toString(16)}`);
    const s = this.lastSeq + 1 + (tag & 0x20 ? 0 : r.int());
    // The last once read, whatever it is; one out of range is then refused.
    this.lastSeq = s;
    try {
      checkRange('sequence number', s);
      const { op, apply } = readOp(tag & 0x07, r, this.strokes, true);
      r.end();
      apply();
      return { t: 'op', s, o: op };
    } catch (e) {
      throw new DocDecodeError((e as Error).message, s);
    }
  }

  /** Moves the context as a JSON text frame does. */
  text(message: UpTextMessage): void {
    if (message.t === 'op') {
      if (Number.isInteger(message.s) && message.s >= 0 && message.s <= MAX_SEQ) this.lastSeq = message.s;
      const { k, id } = message.o;
      if ((k === 'begin' || k === 'ext' || k === 'end') && typeof id === 'string') this.strokes.unbindId(id);
    } else if (typeof message.x === 'number' && typeof message.y === 'number') {
      // `+ 0` turns Math.round's -0 into 0.
      this.cursor = { x: Math.round(message.x) + 0, y: Math.round(message.y) + 0 };
    }
  }
}
