/**
 * Edge validation: turns an untrusted frame into a typed ClientMessage or a
 * reason. Nothing past this file sees unvalidated input, and nothing here
 * throws, whatever the frame holds: its size and nesting are bounded before
 * it is parsed, its shape is checked by the compiled schemas of schema.ts,
 * and only then are its points decoded.
 */
import { duplicateId, elementProblem } from '../board/element-rules.ts';
import { isPlacement } from '../board/elements.ts';
import { cleanBoardName } from '../board/board-settings.ts';
import { ID_PATTERN, LIMITS, type ClientMessage, type ClientOp } from './messages.ts';
import { decodePointValues, PointCodecError } from './points.ts';
import { messageValidators, opValidators } from './schema.ts';
import { nestingDepth } from './nesting.ts';
import type { UpDecoder } from './wire.ts';

export { nestingDepth } from './nesting.ts';

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string; s?: number };

type Obj = Record<string, unknown>;
type Checker = { Check(value: unknown): boolean; Errors(value: unknown): { instancePath: string; message: string }[]; Type(): { properties: Obj } };

/** The fields each schema declares: a checked value is copied with these only (TypeBox's Clean is ~100x slower). */
const fields = new Map<Checker, string[]>();
function known(validator: Checker, value: Obj): Obj {
  let keys = fields.get(validator);
  if (!keys) fields.set(validator, (keys = Object.keys(validator.Type().properties)));
  const out: Obj = {};
  for (const key of keys) if (Object.hasOwn(value, key)) out[key] = value[key];
  return out;
}

const MESSAGE_TYPES = Object.keys(messageValidators).join(', ');
const OP_KINDS = Object.keys(opValidators).join(', ');


function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks `value` against a compiled schema; on success drops unknown fields. */
function check<T>(validator: Checker, value: unknown, path: string): Parsed<T> {
  if (validator.Check(value)) return { ok: true, value: known(validator, value as Obj) as T };
  const [first] = validator.Errors(value);
  const where = `${path}${first?.instancePath ?? ''}`.replace(/^\//, '').replaceAll('/', '.') || 'message';
  return { ok: false, reason: `${where} ${first?.message ?? 'is invalid'}` };
}

function pointsError(p: string, withPressure: boolean, q: number): string | null {
  try {
    decodePointValues(p, withPressure, { maxPoints: LIMITS.maxPointsPerOp, maxCoord: LIMITS.maxCoord * 2 ** q });
    return null;
  } catch (err) {
    return err instanceof PointCodecError ? err.message : 'points could not be read';
  }
}

function parseOp(raw: unknown): Parsed<ClientOp> {
  if (!isObject(raw)) return { ok: false, reason: 'o must be an object' };
  const k = raw.k;
  if (typeof k !== 'string' || !Object.hasOwn(opValidators, k)) return { ok: false, reason: `o.k must be one of ${OP_KINDS}` };
  const parsed = check<ClientOp>(opValidators[k as keyof typeof opValidators], raw, '/o');
  if (!parsed.ok) return parsed;
  const op = parsed.value;
  if (op.k === 'begin') {
    const error = pointsError(op.p, op.pr === 1, op.q ?? 0);
    if (error) return { ok: false, reason: error };
  } else if (op.k === 'erase') {
    op.ids = [...new Set(op.ids)];
  } else if (op.k === 'revert') {
    if (op.from > op.to) return { ok: false, reason: 'o.from must not be after o.to' };
  } else if (op.k === 'board') {
    if (op.name === undefined && op.paper === undefined) return { ok: false, reason: 'o must set name or paper' };
    if (op.name !== undefined) op.name = cleanBoardName(op.name, LIMITS.maxBoardNameLength);
  } else if (op.k === 'add' || op.k === 'set' || op.k === 'xf') {
    const problem = elementOpProblem(op);
    if (problem) return { ok: false, reason: problem };
    if (op.k !== 'add' && op.ids) op.ids = [...new Set(op.ids)];
  }
  // An extension's points are checked by the room, which knows its stroke's stride.
  return parsed;
}

/** The rules of element operations past their schema (board/element-rules.ts, which the fold runs too). */
function elementOpProblem(op: Extract<ClientOp, { k: 'add' | 'set' | 'xf' }>): string | null {
  if (op.k === 'add') {
    for (const [i, spec] of op.els.entries()) {
      const problem = elementProblem(spec);
      if (problem) return `o.els.${i}: ${problem}`;
    }
    return duplicateId(op.els) ? 'o.els names an id twice' : null;
  }
  const targets = [op.ids !== undefined, op.k === 'xf' && op.all === 1, op.c === 1].filter(Boolean).length;
  if (targets !== 1) return op.k === 'set' ? 'o must have one of ids or c' : 'o must have one of ids, all or c';
  if (op.k === 'xf' && !isPlacement(op.m)) return 'o.m must be an invertible matrix within range';
  return null;
}

function parseMessage(raw: unknown): Parsed<ClientMessage> {
  if (!isObject(raw)) return { ok: false, reason: 'message must be an object' };
  const t = raw.t;
  if (typeof t !== 'string' || !Object.hasOwn(messageValidators, t)) return { ok: false, reason: `t must be one of ${MESSAGE_TYPES}` };
  const parsed = check<ClientMessage>(messageValidators[t as keyof typeof messageValidators], raw, '');
  if (!parsed.ok) return parsed;
  const message = parsed.value;
  switch (message.t) {
    case 'op': {
      const op = parseOp(message.o);
      // A refused op names its sequence number, so its author can drop it.
      return op.ok ? { ok: true, value: { t: 'op', s: message.s, o: op.value } } : { ...op, s: message.s };
    }
    case 'cursor':
    case 'laser':
      if ((message.x === null) !== (message.y === null)) return { ok: false, reason: 'x and y must both be numbers or both null' };
      return parsed;
    case 'view':
    case 'follow':
    case 'present':
      return parsed;
    case 'hello':
    case 'name': {
      const name = message.name.trim();
      if (name.length < 1 || name.length > LIMITS.maxNameLength) return { ok: false, reason: `name must be 1-${LIMITS.maxNameLength} characters` };
      message.name = name;
      return parsed;
    }
  }
}

/** Parses one text frame from a client. Never throws. */
export function parseClientMessage(text: string): Parsed<ClientMessage> {
  try {
    if (text.length > LIMITS.maxFrameBytes) return { ok: false, reason: `frame is over ${LIMITS.maxFrameBytes} bytes` };
    if (nestingDepth(text, LIMITS.maxDepth) > LIMITS.maxDepth) return { ok: false, reason: `frame nests deeper than ${LIMITS.maxDepth} levels` };
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return { ok: false, reason: 'frame is not valid JSON' };
    }
    return parseMessage(raw);
  } catch {
    // A frame the checks above did not foresee: refused, never thrown into the transport.
    return { ok: false, reason: 'frame could not be read' };
  }
}

/**
 * Parses one binary frame (wire.ts) with its connection's decoder: decoded
 * into what the same message in JSON would be, then checked exactly as that
 * would be. Only operations and cursors travel in binary. Never throws.
 */
export function parseClientFrame(frame: Uint8Array, decoder: UpDecoder): Parsed<ClientMessage> {
  try {
    if (frame.length > LIMITS.maxFrameBytes) return { ok: false, reason: `frame is over ${LIMITS.maxFrameBytes} bytes` };
    const decoded = decoder.decode(frame);
    return decoded.ok ? parseMessage(decoded.value) : decoded;
  } catch {
    return { ok: false, reason: 'frame could not be read' };
  }
}

/** Checks an extension's points once the stroke (and so its stride) is known. */
export function validateExtension(p: string, withPressure: boolean, q: number): Parsed<string> {
  const error = pointsError(p, withPressure, q);
  return error ? { ok: false, reason: error } : { ok: true, value: p };
}

/** Board ids come from URLs; the same alphabet as every other id. */
export function isValidBoardId(board: string): boolean {
  return ID_PATTERN.test(board);
}
