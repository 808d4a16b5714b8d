/**
 * Bytes of the binary frames (docs/protocol.md, "Numbers and strings"):
 * unsigned LEB128 numbers, zigzag signed ones, short UTF-8 strings. Every
 * number is a safe integer, so JavaScript reads and writes it exactly.
 *
 * Shared by the server and the web app: no Node APIs.
 */
import { nestingDepth } from '../nesting.ts';

export class WireError extends Error {}

/** Largest number a uint carries: every value fits a double exactly. */
export const MAX_UINT = Number.MAX_SAFE_INTEGER;
/** Longest string an honest frame carries (ids are 64 characters, names 128, edit-key hashes 64). */
export const MAX_STRING = 256;
/** Longest JSON body of an element operation (an `add` of ink can hold 10,000 points). */
export const MAX_JSON = 256 * 1024;
/** Nesting of a JSON body's arrays and objects; an honest one nests 4 deep. */
export const MAX_JSON_DEPTH = 6;

/** Largest slab a writer keeps writing into (a bigger one is made for one big item, then dropped). */
const SLAB_BYTES = 16 * 1024;

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** UTF-8 bytes of a string; short ones cannot pass the limit (3 bytes a UTF-16 unit at most), so are not encoded. */
export const tooLong = (s: string) => s.length * 3 > MAX_STRING && textEncoder.encode(s).length > MAX_STRING;

/**
 * Writes into slabs and hands out views of them: each item run taken is a
 * view of the slab it was written in, not an array of its own, so a server
 * writing a record a few bytes long thousands of times a second allocates a
 * slab now and then rather than an ArrayBuffer every time. Views already
 * taken are never written again.
 */
export class Writer {
  private buf: Uint8Array<ArrayBuffer> = new Uint8Array(256);
  /** Where the bytes not yet taken begin, and where the next byte goes. */
  private start = 0;
  private at = 0;

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const pending = this.at - this.start;
    // Past a slab's size (a catch-up's records pile up until they are taken), room for as much again.
    const slab = new Uint8Array(Math.max(2 * (pending + n), Math.min(this.buf.length * 2, SLAB_BYTES)));
    slab.set(this.buf.subarray(this.start, this.at));
    this.buf = slab;
    this.start = 0;
    this.at = pending;
  }

  byte(b: number): void {
    this.room(1);
    this.buf[this.at++] = b;
  }

  /** Unsigned, 7 bits a byte, at most MAX_UINT. */
  uint(v: number): void {
    if (!Number.isInteger(v) || v < 0 || v > MAX_UINT) throw new WireError(`${v} cannot be written`);
    this.room(8);
    while (v >= 128) {
      this.buf[this.at++] = (v % 128) | 128;
      v = Math.floor(v / 128);
    }
    this.buf[this.at++] = v;
  }

  /** Signed, zigzag: within ±2^52. */
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

  /** An object as JSON: uint byte length, then UTF-8. */
  json(value: object): void {
    this.str(JSON.stringify(value));
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

export class Reader {
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
    // Eight bytes hold 56 bits; past 2^53 a double is no longer exact.
    if (v > MAX_UINT) throw new WireError('a number is too large');
    return v;
  }

  int(): number {
    const u = this.uint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  str(max = MAX_STRING): string {
    const n = this.uint();
    if (n > max) throw new WireError('a string is too long');
    if (this.at + n > this.buf.length) throw new WireError('frame ends too early');
    const bytes = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    try {
      return textDecoder.decode(bytes);
    } catch {
      throw new WireError('a string is not UTF-8');
    }
  }

  /** A JSON object (Writer.json), its size and nesting bounded before it is parsed. */
  json(): Record<string, unknown> {
    const text = this.str(MAX_JSON);
    if (nestingDepth(text, MAX_JSON_DEPTH) > MAX_JSON_DEPTH) throw new WireError('a JSON body nests too deep');
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new WireError('a JSON body is not JSON');
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new WireError('a JSON body is not an object');
    return value as Record<string, unknown>;
  }
}
