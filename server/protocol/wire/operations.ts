/**
 * Operations in binary, both directions (docs/protocol.md, "Operations"),
 * and the strokes in progress a connection has bound to small numbers.
 */
import type { ClientOp, Op } from '../messages.ts';
import { MAX_PRECISION } from '../points.ts';
import { WireError, type Reader, type Writer } from './bytes.ts';
import { readPoints, writePoints, type Bound } from './points.ts';

/**
 * Operation kinds, in tag order: the tag's three bits name the first seven;
 * 7 says a uint follows with the number of the kind past them (MORE_KINDS).
 */
export const KINDS = ['begin', 'ext', 'end', 'erase', 'undo', 'redo', 'clear'] as const;
export const MORE = 7;
export const MORE_KINDS = ['claim', 'add', 'set', 'xf', 'own', 'rekey', 'pause', 'revert', 'board'] as const;
export type Kind = (typeof KINDS)[number] | (typeof MORE_KINDS)[number];
const TAG_KIND = new Map<string, number>(KINDS.map((k, i) => [k, i]));
const MORE_INDEX = new Map<string, number>(MORE_KINDS.map((k, i) => [k, i]));
/** The kind bits of an operation's tag. */
export const tagKind = (k: string): number => TAG_KIND.get(k) ?? MORE;
/** Element, owner and board operations travel as JSON bodies: rare next to ink, and checked at the edge exactly as JSON ones. */
const JSON_BODIES: ReadonlySet<string> = new Set(['add', 'set', 'xf', 'own', 'rekey', 'pause', 'revert', 'board']);

/** Tag byte of an operation or record: bit 3 set; bits 0-2 the kind; bits 4-7 flags. */
export const OP_BIT = 0x08;
export const KIND_MASK = 0x07;
/** Record flags: position is the last one plus one; sequence number is the author's last plus one; same author as the record before; a nickname follows. */
export const NEXT_POS = 0x10;
export const NEXT_SEQ = 0x20;
export const SAME_PERSON = 0x40;
export const HAS_NAME = 0x80;

/** Begin flags: pressure, precision (2 bits). */
const PRESSURE = 0x01;
const Q_SHIFT = 1;
// The precision has two bits there.
if (MAX_PRECISION > 3) throw new Error('MAX_PRECISION no longer fits a begin’s flags');

export const MAX_ERASE_IDS = 1_000;
/** Stroke numbers a connection binds at once (1 to MAX_BOUND). */
export const MAX_BOUND = 4_096;

/** Freed numbers, lowest first: a binary heap. */
class LowestFirst {
  private readonly items: number[] = [];

  get size(): number {
    return this.items.length;
  }

  push(v: number): void {
    const a = this.items;
    let i = a.push(v) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (a[parent]! <= v) break;
      a[i] = a[parent]!;
      i = parent;
    }
    a[i] = v;
  }

  pop(): number {
    const a = this.items;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length === 0) return top;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= a.length) break;
      if (child + 1 < a.length && a[child + 1]! < a[child]!) child++;
      if (a[child]! >= last) break;
      a[i] = a[child]!;
      i = child;
    }
    a[i] = last;
    return top;
  }
}

/**
 * Numbers for strokes in progress. Binding a number ends whatever binding
 * the number or the id had; an end frees the number. The encoder picks the
 * lowest free number, or, with all MAX_BOUND bound (strokes left open by
 * pages that closed, or by a client that never ends them), the number bound
 * longest ago, so that the newest strokes stay compact. The decoder binds
 * and frees exactly as the frames say.
 */
export class StrokeNumbers {
  /** In the order of binding: the first is the one bound longest ago. */
  private readonly byNumber = new Map<number, Bound>();
  private readonly byId = new Map<string, number>();
  /** Freed numbers below `next` (the encoder's only). */
  private readonly freed = new LowestFirst();
  private next = 1;
  private staged: Staged | null = null;

  /** `picks`: this end chooses the numbers (an encoder), so it keeps the freed ones. */
  constructor(private readonly picks: boolean) {}

  get(no: number): Bound | undefined {
    return this.byNumber.get(no);
  }

  numberOf(id: string): number | undefined {
    return this.byId.get(id);
  }

  /** Binds `id` to the number the encoder picks, from 1 to MAX_BOUND. */
  bind(id: string, stride: number): number {
    const old = this.byId.get(id);
    if (old !== undefined) this.free(old);
    let no: number;
    if (this.freed.size > 0) no = this.freed.pop();
    else if (this.next <= MAX_BOUND) no = this.next++;
    else no = this.byNumber.keys().next().value!;
    this.bindAt(no, id, stride);
    return no;
  }

  /** Binds `id` to `no`, ending the bindings either had. */
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

  /** Frees the number `id` is bound to, if any (an operation named the stroke by id). */
  freeId(id: string): void {
    const no = this.byId.get(id);
    if (no !== undefined) this.free(no);
  }

  /** Keeps a change read from a frame (readOp) until `commit`; the next frame's replaces it. */
  stage(change: Staged | null): void {
    this.staged = change;
  }

  /** Makes the change staged by the frame just read, now that the whole frame has been read. */
  commit(): void {
    const change = this.staged;
    this.staged = null;
    if (!change) return;
    if (change.kind === 'bind') this.restore(change.no, change.id, change.stride, change.last);
    else if (change.kind === 'free') this.free(change.no);
    else if (change.kind === 'free-id') this.freeId(change.id);
    else change.bound.last = change.last;
  }
}

/** What reading an operation does to the bound strokes, once its frame has been read whole. */
type Staged =
  | { kind: 'bind'; no: number; id: string; stride: number; last: number[] | null }
  | { kind: 'free'; no: number }
  | { kind: 'free-id'; id: string }
  | { kind: 'move'; bound: Bound; last: number[] | null };

const strideOf = (op: { pr?: 1 }) => (op.pr === 1 ? 3 : 2);

export function writeOp(w: Writer, op: Op | ClientOp, strokes: StrokeNumbers): void {
  const more = MORE_INDEX.get(op.k);
  if (more !== undefined) w.uint(more);
  if (JSON_BODIES.has(op.k)) {
    const { k: _, ...body } = op;
    w.json(body);
    return;
  }
  switch (op.k) {
    case 'begin': {
      const no = strokes.bind(op.id, strideOf(op));
      w.uint(no);
      w.str(op.id);
      w.uint(parseInt(op.color.slice(1), 16));
      w.uint(op.w);
      w.byte((op.pr === 1 ? PRESSURE : 0) | ((op.q ?? 0) << Q_SHIFT));
      writePoints(w, op.p, strokes.get(no)!);
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
    case 'add':
    case 'set':
    case 'xf':
    case 'own':
    case 'rekey':
    case 'pause':
    case 'revert':
    case 'board':
      return;
  }
}

/**
 * Reads an operation (unvalidated: the edge checks it like a JSON one).
 * What it does to the bound strokes is staged: `strokes.commit()` makes it
 * once the whole frame has been read, so that a frame that cannot be read
 * changes no binding.
 */
export function readOp(r: Reader, tag: number, strokes: StrokeNumbers): Record<string, unknown> {
  strokes.stage(null);
  const kind: Kind | undefined = tag === MORE ? MORE_KINDS[r.uint()] : KINDS[tag];
  if (kind === undefined) throw new WireError('unknown operation kind');
  if (JSON_BODIES.has(kind)) return { ...r.json(), k: kind };
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
      const bound: Bound = { id, stride: pr ? 3 : 2, last: null };
      const p = readPoints(r, no > 0 ? bound : null);
      // Number 0 names the stroke by id: whatever number the id had is free.
      strokes.stage(no > 0 ? { kind: 'bind', no, id, stride: bound.stride, last: bound.last } : { kind: 'free-id', id });
      return { k: 'begin', id, color: `#${color.toString(16).padStart(6, '0')}`, w: width, ...(pr ? { pr: 1 } : {}), ...(q > 0 ? { q } : {}), p };
    }
    case 'ext':
    case 'end': {
      const no = r.uint();
      if (no === 0) {
        const id = r.str();
        const op = kind === 'end' ? { k: 'end', id } : { k: 'ext', id, p: readPoints(r, null) };
        strokes.stage({ kind: 'free-id', id });
        return op;
      }
      const found = strokes.get(no);
      if (!found) throw new WireError(`stroke number ${no} is not bound`);
      if (kind === 'end') {
        strokes.stage({ kind: 'free', no });
        return { k: 'end', id: found.id };
      }
      const moved: Bound = { id: found.id, stride: found.stride, last: found.last };
      const p = readPoints(r, moved);
      strokes.stage({ kind: 'move', bound: found, last: moved.last });
      return { k: 'ext', id: found.id, p };
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
