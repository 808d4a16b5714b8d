/**
 * Edge validation: turns an untrusted frame into a typed ClientMessage or a
 * reason. Nothing past this file sees unvalidated input.
 */
import { COLOR_PATTERN, ID_PATTERN, LIMITS, type ClientMessage, type Hello, type Op, type StrokeBegin } from './messages.ts';
import { decodePointValues, PointCodecError } from './points.ts';

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string; s?: number };

class Invalid extends Error {}

type Obj = Record<string, unknown>;

function fail(reason: string): never {
  throw new Invalid(reason);
}

function object(v: unknown, what: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(`${what} must be an object`);
  return v as Obj;
}

function id(v: unknown, what: string): string {
  if (typeof v !== 'string' || !ID_PATTERN.test(v)) fail(`${what} must be 1-64 characters of A-Z a-z 0-9 _ -`);
  return v;
}

function int(v: unknown, what: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    fail(`${what} must be an integer from ${min} to ${max}`);
  }
  return v;
}

function coord(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(`${what} must be a finite number`);
  if (Math.abs(v) > LIMITS.maxCoord) fail(`${what} is out of range`);
  return v;
}

function nickname(v: unknown): string {
  if (typeof v !== 'string') fail('name must be a string');
  const name = v.trim();
  if (name.length < 1 || name.length > LIMITS.maxNameLength) fail(`name must be 1-${LIMITS.maxNameLength} characters`);
  // Control characters would let one user garble everyone's people list.
  if (/[\u0000-\u001f\u007f]/.test(name)) fail('name contains control characters');
  return name;
}

function points(v: unknown, withPressure: boolean): string {
  if (typeof v !== 'string' || v.length === 0) fail('p must be a non-empty point string');
  try {
    decodePointValues(v, withPressure, { maxPoints: LIMITS.maxPointsPerOp, maxCoord: LIMITS.maxCoord });
  } catch (err) {
    if (err instanceof PointCodecError) fail(err.message);
    throw err;
  }
  return v;
}

function op(v: unknown): Op {
  const o = object(v, 'o');
  switch (o.k) {
    case 'begin': {
      if (typeof o.color !== 'string' || !COLOR_PATTERN.test(o.color)) fail('color must look like #a1b2c3');
      if (o.pr !== undefined && o.pr !== 1) fail('pr must be 1 or absent');
      const w = int(o.w, 'w', LIMITS.minWidth, LIMITS.maxWidth);
      const begin: StrokeBegin = { k: 'begin', id: id(o.id, 'id'), color: o.color, w, p: points(o.p, o.pr === 1) };
      if (o.pr === 1) begin.pr = 1;
      return begin;
    }
    case 'ext':
      // Pressure-ness belongs to the stroke; the room re-checks the stride.
      if (typeof o.p !== 'string') fail('p must be a point string');
      return { k: 'ext', id: id(o.id, 'id'), p: o.p };
    case 'end':
      return { k: 'end', id: id(o.id, 'id') };
    case 'erase': {
      if (!Array.isArray(o.ids) || o.ids.length === 0 || o.ids.length > LIMITS.maxEraseIds) {
        fail(`ids must be a list of 1-${LIMITS.maxEraseIds} stroke ids`);
      }
      return { k: 'erase', ids: [...new Set(o.ids.map((x) => id(x, 'ids[]')))] };
    }
    case 'undo':
    case 'redo':
    case 'clear':
      return { k: o.k };
    default:
      fail(`unknown operation ${JSON.stringify(String(o.k)).slice(0, 40)}`);
  }
}

/** Checks an extension's points once the stroke (and so its stride) is known. */
export function validateExtension(p: string, withPressure: boolean): Parsed<string> {
  try {
    return { ok: true, value: points(p, withPressure) };
  } catch (err) {
    if (err instanceof Invalid) return { ok: false, reason: err.message };
    throw err;
  }
}

function message(v: unknown): ClientMessage {
  const m = object(v, 'message');
  switch (m.t) {
    case 'hello': {
      const hello: Hello = {
        t: 'hello',
        v: int(m.v, 'v', 1, 1_000),
        user: id(m.user, 'user'),
        cid: id(m.cid, 'cid'),
        name: nickname(m.name),
      };
      if (m.since !== undefined) hello.since = int(m.since, 'since', -1, Number.MAX_SAFE_INTEGER);
      return hello;
    }
    case 'op':
      return { t: 'op', s: int(m.s, 's', 0, Number.MAX_SAFE_INTEGER), o: op(m.o) };
    case 'cursor':
      if (m.x === null && m.y === null) return { t: 'cursor', x: null, y: null };
      return { t: 'cursor', x: coord(m.x, 'x'), y: coord(m.y, 'y') };
    case 'name':
      return { t: 'name', name: nickname(m.name) };
    default:
      fail(`unknown message type ${JSON.stringify(String(m.t)).slice(0, 40)}`);
  }
}

/** Parses one text frame from a client. */
export function parseClientMessage(text: string): Parsed<ClientMessage> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'frame is not valid JSON' };
  }
  try {
    return { ok: true, value: message(raw) };
  } catch (err) {
    if (!(err instanceof Invalid)) throw err;
    // A refused op names its sequence number, so its author can drop it.
    const s = (raw as { t?: unknown; s?: unknown } | null)?.s;
    const isOp = (raw as { t?: unknown } | null)?.t === 'op';
    return isOp && Number.isSafeInteger(s) ? { ok: false, reason: err.message, s: s as number } : { ok: false, reason: err.message };
  }
}

/** Board ids come from URLs; the same alphabet as every other id. */
export function isValidBoardId(board: string): boolean {
  return ID_PATTERN.test(board);
}
