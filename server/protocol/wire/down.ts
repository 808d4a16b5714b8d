/**
 * Server → page: records and cursors, items a frame (docs/protocol.md,
 * "Server → page"). The server encodes each record once per board: a page
 * that has joined adopts its board's record context (a `context` item) and
 * is then sent the board's bytes as they are (server/rooms/room.ts,
 * session.ts).
 */
import { LIMITS, type LogRecord, type Op, type RemoteCursor } from '../messages.ts';
import { MAX_JSON, Reader, tooLong, WireError, Writer } from './bytes.ts';
import { HAS_NAME, KIND_MASK, tagKind, MAX_BOUND, MAX_ERASE_IDS, NEXT_POS, NEXT_SEQ, OP_BIT, readOp, SAME_PERSON, StrokeNumbers, writeOp } from './operations.ts';
import { countValues, MAX_VALUES } from './points.ts';

/** Items other than operations. */
const ITEM = { person: 1, cursor: 2, cursorGone: 3, pointer: 4, context: 5 } as const;

/** People an encoder keeps numbered at once (and so a context names at most). */
export const MAX_PEOPLE = 4_096;

/** Records found writable: a record goes to every client of its board, and is checked once. */
const writable = new WeakSet<LogRecord>();

const inRange = (v: number) => Number.isSafeInteger(v) && v >= 0 && v <= LIMITS.maxSeq;

/** Throws a WireError if a page's decoder would refuse the record. */
/** A JSON body a page would refuse for its size (Reader.json). */
function jsonTooLong(op: object): boolean {
  const text = JSON.stringify(op);
  return text.length * 3 > MAX_JSON && new TextEncoder().encode(text).length > MAX_JSON;
}

function checkRecord(rec: LogRecord): void {
  if (writable.has(rec)) return;
  const op = rec.op;
  if (!inRange(rec.pos) || !inRange(rec.ts) || !inRange(rec.seq)) {
    throw new WireError('a record has a position, time or sequence number out of range');
  }
  const strings = [rec.cid, rec.user, rec.name ?? '', 'id' in op ? op.id : '', op.k === 'claim' ? op.key : ''];
  if (op.k === 'erase') {
    if (op.ids.length > MAX_ERASE_IDS) throw new WireError('a record erases too many strokes');
    strings.push(...op.ids);
  }
  if (strings.some((s) => typeof s !== 'string' || tooLong(s))) throw new WireError('a record holds a string a page would refuse');
  if (op.k === 'begin' || op.k === 'ext') {
    if (countValues(op.p) > MAX_VALUES) throw new WireError('a record holds too many points');
  }
  if ((op.k === 'add' || op.k === 'set' || op.k === 'xf') && jsonTooLong(op)) throw new WireError('a record holds more than a page reads');
  if (op.k === 'begin' && (!/^#[0-9a-f]{6}$/.test(op.color) || !Number.isSafeInteger(op.w) || op.w < 0 || !Number.isInteger(op.q ?? 0) || (op.q ?? 0) > 3 || (op.q ?? 0) < 0)) {
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
  /** Authors of records by client id, in the order they were defined. */
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
      // A board open for days meets thousands of pages: the context keeps the latest MAX_PEOPLE.
      if (!person && this.authors.size >= MAX_PEOPLE) this.authors.delete(this.authors.keys().next().value!);
      this.authors.delete(cid);
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
   * means: points that do not decode, strings too long, numbers out of
   * range) throws a WireError before anything is written, so the stream
   * stays whole without it.
   */
  record(rec: LogRecord): void {
    checkRecord(rec);
    const person = this.author(rec.cid, rec.user);
    const kind = tagKind(rec.op.k);
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
      // Forgotten at both ends; a later cursor defines the pointer again, with a new number.
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

type KnownPerson = { cid: string; user: string; lastSeq: number };

/** A page's side of the server's frames; a new one per socket. Throws WireError on a frame it cannot read. */
export class DownDecoder {
  constructor(private readonly board: string) {}

  private readonly strokes = new StrokeNumbers(false);
  private people = new Map<number, KnownPerson>();
  private defined = 0;
  private readonly pointers = new Map<number, { cid: string; cursorAt: number[] }>();
  private pointed = 0;
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
        this.people.set(this.defined++, { cid, user, lastSeq: -1 });
      } else if (tag === ITEM.pointer) {
        this.pointers.set(this.pointed++, { cid: r.str(), cursorAt: [0, 0] });
      } else if (tag === ITEM.cursor || tag === ITEM.cursorGone) {
        const no = r.uint();
        const pointer = this.pointers.get(no);
        if (!pointer) throw new WireError(`pointer ${no} is not defined`);
        if (tag === ITEM.cursorGone) {
          this.pointers.delete(no);
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
    if (lastPerson >= defined) throw new WireError('a context’s last person is not numbered');
    const count = r.uint();
    if (count > MAX_PEOPLE || count > defined) throw new WireError('a context names too many people');
    const people = new Map<number, KnownPerson>();
    for (let i = 0; i < count; i++) {
      const no = r.uint();
      if (no >= defined || people.has(no)) throw new WireError('a context numbers a person out of range, or twice');
      people.set(no, { cid: r.str(), user: r.str(), lastSeq: r.int() });
    }
    const strokes = new Map<number, [string, number, number[] | null]>();
    const bound = r.uint();
    if (bound > MAX_BOUND) throw new WireError('a context binds too many strokes');
    for (let i = 0; i < bound; i++) {
      const no = r.uint();
      const id = r.str();
      const stride = r.uint();
      const n = r.uint();
      if (no < 1 || no > MAX_BOUND || (stride !== 2 && stride !== 3) || (n !== 0 && n !== stride) || strokes.has(no)) {
        throw new WireError('a context binds a stroke badly');
      }
      const last: number[] = [];
      for (let k = 0; k < n; k++) last.push(r.int());
      strokes.set(no, [id, stride, n > 0 ? last : null]);
    }
    this.people = people;
    this.defined = defined;
    this.strokes.clear();
    for (const [no, [id, stride, last]] of strokes) this.strokes.restore(no, id, stride, last);
    this.lastPos = lastPos;
    this.lastTs = lastTs;
    this.lastPerson = lastPerson;
  }

  private personAt(no: number): KnownPerson {
    const person = this.people.get(no);
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
    if (!inRange(pos) || !inRange(ts) || !inRange(seq)) throw new WireError('a record has a position, time or sequence number out of range');
    const op = readOp(r, tag & KIND_MASK, this.strokes);
    this.strokes.commit();
    this.lastPos = pos;
    this.lastTs = ts;
    this.lastPerson = no;
    person.lastSeq = seq;
    return { board: this.board, pos, ts, user: person.user, cid: person.cid, seq, ...(name === undefined ? {} : { name }), op: op as Op };
  }
}
