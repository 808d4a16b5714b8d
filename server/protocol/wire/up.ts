/**
 * Page → server: one operation or cursor a frame, in the connection's
 * context (docs/protocol.md, "Page → server"). A page may also send its
 * operations and cursors as JSON; those move the context too, as the
 * document says, so both ends stay in step however the two are mixed.
 */
import { LIMITS, type ClientOp, type CursorMessage, type OpMessage } from '../messages.ts';
import { Reader, WireError, Writer } from './bytes.ts';
import { KIND_MASK, NEXT_SEQ, tagKind, OP_BIT, readOp, StrokeNumbers, writeOp } from './operations.ts';

const UP_CURSOR = 1;
const UP_CURSOR_GONE = 2;

/** The context of a page's frames, kept alike at both ends. */
class UpContext {
  readonly strokes: StrokeNumbers;
  lastSeq = 0;
  cursorAt = [0, 0];

  constructor(picks: boolean) {
    this.strokes = new StrokeNumbers(picks);
  }

  /** A JSON operation: its sequence number is the last; a stroke it names by id is no longer bound. */
  jsonOp(s: number, o: ClientOp | undefined): void {
    this.lastSeq = s;
    if (o && (o.k === 'begin' || o.k === 'ext' || o.k === 'end')) this.strokes.freeId(o.id);
  }

  /** A JSON cursor: its position, rounded, is the last (leaving the board changes nothing). */
  jsonCursor(x: number | null, y: number | null): void {
    if (x !== null && y !== null) this.cursorAt = [Math.round(x), Math.round(y)];
  }
}

/** A page's side of its connection (web/src/board-client.ts); a new one per socket. */
export class UpEncoder {
  private readonly w = new Writer();
  private readonly context = new UpContext(true);

  op(message: OpMessage): Uint8Array<ArrayBuffer> {
    const kind = tagKind(message.o.k);
    const next = message.s === this.context.lastSeq + 1;
    this.w.byte(OP_BIT | kind | (next ? NEXT_SEQ : 0));
    if (!next) this.w.int(message.s - this.context.lastSeq - 1);
    this.context.lastSeq = message.s;
    writeOp(this.w, message.o, this.context.strokes);
    return this.w.take();
  }

  /** Whole world units, as a delta from the last one sent; leaving the board keeps the last. */
  cursor(x: number | null, y: number | null): Uint8Array<ArrayBuffer> {
    const at = this.context.cursorAt;
    if (x === null || y === null) {
      this.w.byte(UP_CURSOR_GONE);
    } else {
      const [cx, cy] = [Math.round(x), Math.round(y)];
      this.w.byte(UP_CURSOR);
      this.w.int(cx - at[0]!);
      this.w.int(cy - at[1]!);
      this.context.cursorAt = [cx, cy];
    }
    return this.w.take();
  }

  /** The same message as a JSON text frame, moving the context as the server will (for a message its edge finds valid). */
  json(message: OpMessage | CursorMessage): string {
    if (message.t === 'op') this.context.jsonOp(message.s, message.o);
    else this.context.jsonCursor(message.x, message.y);
    return JSON.stringify(message);
  }
}

/** A refused operation names its sequence number when the frame got that far, so its author can drop it. */
export type Decoded = { ok: true; value: Record<string, unknown> } | { ok: false; reason: string; s?: number };

/** The server's side of a page's frames (server/rooms/connection.ts); a new one per socket. */
export class UpDecoder {
  private readonly context = new UpContext(false);

  /** A message as JSON would have carried it, for the same checks (validate.ts). Never throws. */
  decode(frame: Uint8Array): Decoded {
    const context = this.context;
    let s: number | undefined;
    try {
      const r = new Reader(frame);
      const tag = r.byte();
      if (tag & OP_BIT) {
        if (tag & ~(OP_BIT | KIND_MASK | NEXT_SEQ)) throw new WireError('unknown flags');
        s = tag & NEXT_SEQ ? context.lastSeq + 1 : context.lastSeq + 1 + r.int();
        // The page counted it whether or not the rest can be read: so do we.
        context.lastSeq = s;
        if (s < 0 || s > LIMITS.maxSeq) throw new WireError(`s must be from 0 to ${LIMITS.maxSeq}`);
        const op = readOp(r, tag & KIND_MASK, context.strokes);
        if (op.k === 'claim' && 'key' in op) throw new WireError('a page’s claim carries no key');
        if (!r.done) throw new WireError('frame has bytes past its message');
        // Only a frame read whole moves the rest of the context.
        context.strokes.commit();
        return { ok: true, value: { t: 'op', s, o: op } };
      }
      let value: Record<string, unknown>;
      if (tag === UP_CURSOR) {
        const x = context.cursorAt[0]! + r.int();
        const y = context.cursorAt[1]! + r.int();
        if (!r.done) throw new WireError('frame has bytes past its message');
        context.cursorAt = [x, y];
        value = { t: 'cursor', x, y };
      } else if (tag === UP_CURSOR_GONE) {
        if (!r.done) throw new WireError('frame has bytes past its message');
        value = { t: 'cursor', x: null, y: null };
      } else {
        throw new WireError(`unknown frame type ${tag}`);
      }
      return { ok: true, value };
    } catch (err) {
      const reason = err instanceof WireError ? err.message : 'frame could not be read';
      return s === undefined ? { ok: false, reason } : { ok: false, reason, s };
    }
  }

  /**
   * A JSON text frame the edge read (validate.ts): an operation whose `s`
   * could be read, accepted or not, and a cursor, move the context as the
   * page's encoder moved it (UpEncoder.json).
   */
  text(parsed: { ok: true; value: { t: string } } | { ok: false; s?: number }): void {
    if (!parsed.ok) {
      if (parsed.s !== undefined) this.context.jsonOp(parsed.s, undefined);
      return;
    }
    const message = parsed.value as OpMessage | CursorMessage | { t: 'hello' | 'name' };
    if (message.t === 'op') this.context.jsonOp(message.s, message.o);
    else if (message.t === 'cursor') this.context.jsonCursor(message.x, message.y);
  }
}
