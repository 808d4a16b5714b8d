/**
 * fast-check arbitraries for what clients send: valid operations and
 * messages, and hostile frames no honest client would send (wrong types
 * in every field, objects with their own toString, deep nesting, prototype
 * keys, absurd numbers, broken points). Shared by the validation property
 * test and the fuzz test against a running server.
 */
import fc from 'fast-check';
import type { ClientOp, Op, OpMessage } from '../../server/protocol/messages.ts';
import { PAPERS } from '../../server/board/board-settings.ts';
import { encodePoints } from '../../server/protocol/points.ts';
import { UpEncoder } from '../../server/protocol/wire.ts';
import { validElementOp } from './element-ops.ts';

/** The shapes that once took the whole server down (issue 9), kept as fixed cases. */
export const REGRESSION_FRAMES: readonly string[] = [
  '{"t":{"toString":1}}',
  '{"t":"op","s":1,"o":{"k":{"toString":1}}}',
  `{"t":${'['.repeat(5_000)}${']'.repeat(5_000)}}`,
  '['.repeat(5_000) + ']'.repeat(5_000),
  '{"t":"op","s":1,"o":{"k":"erase","ids":[{"toString":1}]}}',
  '{"t":"hello","v":2,"user":{"toString":1},"cid":"c","name":"n"}',
  '{"t":"name","name":{"toString":1}}',
  '{"t":"cursor","x":{"valueOf":1},"y":0}',
  '{"t":"op","s":{"toString":1},"o":{"k":"undo"}}',
  '{"t":"__proto__","__proto__":{"t":"op"}}',
  '{"t":"op","s":1,"o":{"k":"constructor"}}',
  '{"t":"op","s":1e400,"o":{"k":"undo"}}',
  '{"t":"op","s":1,"o":{"k":"begin","id":"a","color":"#000000","w":2,"p":"\\ud800"}}',
];

const strokeId = (ids: readonly string[]) => (ids.length > 0 ? fc.oneof(fc.constantFrom(...ids), fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/)) : fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/));

/** Points of a stroke; with a precision q they are in units of 2^-q (a stroke drawn zoomed in). */
const encodedPoints = (pressure: boolean, q = 0) =>
  fc
    .array(fc.record({ x: fc.integer({ min: -2_000, max: 2_000 }), y: fc.integer({ min: -2_000, max: 2_000 }), p: fc.double({ min: 0, max: 1, noNaN: true }) }), { minLength: 1, maxLength: 6 })
    .map((points) => encodePoints(points.map((pt) => ({ ...pt, x: pt.x / 2 ** q, y: pt.y / 2 ** q })), pressure, q));

/** Any valid operation, on stroke ids drawn mostly from `ids` (so they collide with real strokes). */
export function validOp(ids: readonly string[] = []): fc.Arbitrary<ClientOp> {
  const id = strokeId(ids);
  return fc.oneof(
    fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 3 })).chain(([pr, q]) =>
      fc.record({ id, color: fc.constantFrom('#000000', '#e03131', '#1971c2'), w: fc.integer({ min: 1, max: 64 }), p: encodedPoints(pr, q) }).map(
        (b): ClientOp => ({ k: 'begin', ...b, ...(pr ? { pr: 1 as const } : {}), ...(q > 0 ? { q } : {}) }),
      ),
    ),
    fc.record({ id, p: encodedPoints(false) }).map((e): ClientOp => ({ k: 'ext', ...e })),
    id.map((i): ClientOp => ({ k: 'end', id: i })),
    fc.uniqueArray(id, { minLength: 1, maxLength: 4 }).map((list): ClientOp => ({ k: 'erase', ids: list })),
    fc.constantFrom<ClientOp>({ k: 'undo' }, { k: 'redo' }, { k: 'clear' }, { k: 'claim' }, { k: 'own' }, { k: 'rekey' }),
    fc.constantFrom<ClientOp>({ k: 'pause', on: 1 }, { k: 'pause', on: 0 }),
    fc
      .record({ user: fc.constantFrom('ann', 'bob', 'u1', 'u2'), from: fc.integer({ min: 0, max: 2_000 }), span: fc.integer({ min: 0, max: 2_000_000_000_000 }) })
      .map(({ user, from, span }): ClientOp => ({ k: 'revert', user, from, to: from + span })),
    fc
      .record({ name: fc.option(fc.string({ maxLength: 20 }), { nil: undefined }), paper: fc.constantFrom(...PAPERS) })
      .map(({ name, paper }): ClientOp => ({ k: 'board', v: 1, paper, ...(name === undefined ? {} : { name: name.replace(/[\u0000-\u001f\u007f]/g, '').trim() }) })),
    validElementOp(ids),
  );
}

/**
 * A page's operation as the log holds it: claims, owning and owner
 * operations with their keys' hashes (here fixed names: the owner key
 * hashes to "owner"), as rooms/roles.ts writes them.
 */
export function loggedOp(op: ClientOp, gen = 0): Op {
  switch (op.k) {
    case 'claim':
      return { k: 'claim', key: 'k' };
    case 'own':
      return { k: 'own', owner: 'owner' };
    case 'rekey':
      return { k: 'rekey', key: `k${gen + 1}`, gen: gen + 1, by: 'owner' };
    case 'pause':
    case 'revert':
      return { ...op, by: 'owner' };
    default:
      return op;
  }
}

/** Valid messages after hello: operations with any sequence number, cursors, renames. */
export function validMessage(ids: readonly string[] = []): fc.Arbitrary<Record<string, unknown>> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.record({ t: fc.constant('op'), s: fc.integer({ min: 0, max: 60 }), o: validOp(ids) }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('cursor'), x: fc.integer({ min: -5_000, max: 5_000 }), y: fc.integer({ min: -5_000, max: 5_000 }) }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('name'), name: fc.string({ minLength: 1, maxLength: 20 }).filter((n) => n.trim().length > 0) }) },
    {
      weight: 1,
      arbitrary: fc.record({ t: fc.constant('view'), x: fc.integer({ min: -5_000, max: 5_000 }), y: fc.integer({ min: -5_000, max: 5_000 }), w: fc.integer({ min: 1, max: 5_000 }), h: fc.integer({ min: 1, max: 5_000 }) }),
    },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('laser'), x: fc.integer({ min: -5_000, max: 5_000 }), y: fc.integer({ min: -5_000, max: 5_000 }) }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('follow'), cid: fc.constantFrom(null, 'someone', 'c1') }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant('present'), on: fc.boolean() }) },
  );
}

/** A value no field expects. */
const weird: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom<unknown>({ toString: 1 }, { valueOf: 1 }, [[[[[]]]]], '__proto__', 'constructor', -0, 1e308, -1e308, 2 ** 53 + 1, '', '\u0000', '#ZZZZZZ'),
);

/** A valid message with one field replaced, removed or added. */
function mutated(ids: readonly string[]): fc.Arbitrary<string> {
  return fc.tuple(validMessage(ids), fc.nat(), weird, fc.constantFrom('replace', 'remove', 'add', 'replace-op-field')).map(([message, pick, value, how]) => {
    const copy = structuredClone(message) as Record<string, unknown>;
    const target = how === 'replace-op-field' && typeof copy.o === 'object' && copy.o !== null ? (copy.o as Record<string, unknown>) : copy;
    const keys = Object.keys(target);
    const key = keys[pick % keys.length]!;
    if (how === 'remove') delete target[key];
    else if (how === 'add') target[`extra${pick % 3}`] = value;
    else target[key] = value;
    return JSON.stringify(copy);
  });
}

/** Frames no honest client sends: every one must be answered, none may harm anyone. */
export function hostileFrame(ids: readonly string[] = []): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: mutated(ids) },
    { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.constantFrom(...REGRESSION_FRAMES) },
    { weight: 1, arbitrary: fc.integer({ min: 9, max: 20_000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`) },
  );
}

/**
 * A client's stream: valid messages and hostile frames mixed. Most
 * operations carry increasing sequence numbers, as a client's do; the rest
 * keep a random one (repeated, going backwards).
 */
export function clientFrames(ids: readonly string[] = [], maxLength = 40): fc.Arbitrary<string[]> {
  const item = fc.oneof({ weight: 3, arbitrary: validMessage(ids) }, { weight: 1, arbitrary: hostileFrame(ids) });
  return fc.array(item, { minLength: Math.min(20, maxLength), maxLength, size: 'max' }).map((items) => {
    let seq = 0;
    return items.map((item) => {
      if (typeof item === 'string') return item;
      if (item.t === 'op' && (item.s as number) < 50) return JSON.stringify({ ...item, s: ++seq });
      return JSON.stringify(item);
    });
  });
}

/** One binary frame to come: a valid message, a change to the frame before it, or random bytes. */
export type BinaryItem =
  | { kind: 'valid'; message: Record<string, unknown> }
  | { kind: 'mutate'; how: 'flip' | 'cut' | 'append'; at: number; byte: number }
  | { kind: 'random'; bytes: Uint8Array };

/**
 * A client's binary stream (protocol 4, server/protocol/wire.ts): valid
 * operations and cursors, mixed with frames no encoder writes: the frame
 * before with a byte changed, cut short or lengthened, and random bytes.
 * Turned into bytes by a BinaryConnection, in its connection's context.
 */
export function binaryClientFrames(ids: readonly string[] = [], maxLength = 40): fc.Arbitrary<BinaryItem[]> {
  const item: fc.Arbitrary<BinaryItem> = fc.oneof(
    { weight: 3, arbitrary: validMessage(ids).filter((m) => m.t === 'op' || m.t === 'cursor').map((message): BinaryItem => ({ kind: 'valid', message })) },
    {
      weight: 1,
      arbitrary: fc
        .record({ how: fc.constantFrom('flip' as const, 'cut' as const, 'append' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) })
        .map((m): BinaryItem => ({ kind: 'mutate', ...m })),
    },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes): BinaryItem => ({ kind: 'random', bytes })) },
  );
  return fc.array(item, { minLength: Math.min(20, maxLength), maxLength, size: 'max' });
}

/** Binary frames of one connection: a new one per socket, as a page's encoder is. */
export class BinaryConnection {
  private readonly encoder = new UpEncoder();
  private last: Uint8Array = new Uint8Array([0x02]);

  /** `seq`: the operation's sequence number (a client's go up). */
  constructor(private seq: number) {}

  frame(item: BinaryItem): Buffer {
    if (item.kind === 'random') return Buffer.from(item.bytes);
    if (item.kind === 'mutate') {
      const copy = Uint8Array.from(this.last);
      if (item.how === 'cut') return Buffer.from(copy.subarray(0, item.at % copy.length));
      if (item.how === 'append') return Buffer.from([...copy, item.byte]);
      copy[item.at % copy.length] = item.byte;
      return Buffer.from(copy);
    }
    const m = item.message;
    this.last = m.t === 'op' ? this.encoder.op({ t: 'op', s: ++this.seq, o: m.o } as OpMessage) : this.encoder.cursor(m.x as number, m.y as number);
    return Buffer.from(this.last);
  }
}
