/**
 * What a client may send, as TypeBox schemas: the client messages' types
 * (messages.ts derives them with `Static`) and their compiled validators
 * come from this one definition, so the checks cannot drift from the types.
 *
 * Server only: the web app imports these types, never this file's values.
 * Rules that JSON Schema cannot say (points decode within range, names are
 * trimmed) are checked after the schema, in validate.ts.
 */
import { FILE_HASH_PATTERN } from '../files/file-store.ts';
import Type, { type Static, type TLiteral, type TSchema } from 'typebox';
import { Compile, type Validator } from 'typebox/compile';
import { MAX_OFFSET, SHAPE_TYPES } from '../board/elements.ts';
import { PAPERS, type Paper } from '../board/board-settings.ts';
import { COLOR_PATTERN, ID_PATTERN, LIMITS } from './messages.ts';
import { MAX_PRECISION } from './points.ts';

const Id = Type.String({ pattern: ID_PATTERN.source });
/** Encoded points (see points.ts); the codec checks them once the stride is known. */
const Points = Type.String({ minLength: 1, maxLength: LIMITS.maxFrameBytes });
/** Trimmed and bounded in validate.ts; control characters would garble everyone's people list. */
const Name = Type.String({ maxLength: 4 * LIMITS.maxNameLength, pattern: '^[^\\u0000-\\u001f\\u007f]*$' });
const Coord = Type.Number({ minimum: -LIMITS.maxCoord, maximum: LIMITS.maxCoord });
const Seq = Type.Integer({ minimum: 0, maximum: LIMITS.maxSeq });
const Color = Type.String({ pattern: COLOR_PATTERN.source });

// Elements (board/elements.ts). Nested objects take no other fields: what
// is logged is exactly what was checked. Rules across fields (a line has
// ends, a matrix is invertible) are board/element-rules.ts, run by the
// edge and the fold alike.
/** An affine matrix [a, b, c, d, e, f]; element-rules.ts checks it places something. */
const Placement = Type.Array(Type.Number({ minimum: -MAX_OFFSET, maximum: MAX_OFFSET }), { minItems: 6, maxItems: 6 });
const Size = Type.Number({ minimum: 0, maximum: 2 * LIMITS.maxCoord });
const Unit = Type.Number({ minimum: 0, maximum: 1 });
const Binding = Type.Object({ id: Id, u: Unit, v: Unit }, { additionalProperties: false });
const Ends = Type.Array(Coord, { minItems: 4, maxItems: 4 });
const PROP_SCHEMAS = {
  color: Color,
  fill: Type.Union([Color, Type.Null()]),
  sw: Type.Number({ minimum: LIMITS.minWidth, maximum: LIMITS.maxWidth }),
  dash: Type.Union([Type.Literal(0), Type.Literal(1)]),
  text: Type.String({ maxLength: LIMITS.maxTextLength }),
  fs: Type.Number({ minimum: LIMITS.minFontSize, maximum: LIMITS.maxFontSize }),
  w: Size,
  h: Size,
  ah: Type.Integer({ minimum: 0, maximum: 3 }),
  pts: Ends,
  sb: Type.Union([Binding, Type.Null()]),
  eb: Type.Union([Binding, Type.Null()]),
  z: Type.Number({ minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER }),
  file: Type.String({ pattern: FILE_HASH_PATTERN.source }),
  lock: Type.Union([Type.Literal(0), Type.Literal(1)]),
};
const optional = <T extends Record<string, TSchema>>(schemas: T) =>
  Object.fromEntries(Object.entries(schemas).map(([k, v]) => [k, Type.Optional(v)])) as { [K in keyof T]: ReturnType<typeof Type.Optional<T[K]>> };
const ELEMENT_TYPES = [...SHAPE_TYPES, 'ink' as const];
type ElementType = (typeof ELEMENT_TYPES)[number];
/** What an `add` makes: a shape with its properties, or ink with its points. */
const ElementSpec = Type.Object(
  {
    id: Id,
    type: Type.Union(ELEMENT_TYPES.map((t) => Type.Literal(t)) as [TLiteral<ElementType>]),
    m: Placement,
    ...optional(PROP_SCHEMAS),
    // Ink: as a begin's, in one chunk, its pen width in `sw`.
    pr: Type.Optional(Type.Literal(1)),
    q: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PRECISION })),
    p: Type.Optional(Points),
  },
  { additionalProperties: false },
);
const Props = Type.Object(optional(PROP_SCHEMAS), { additionalProperties: false, minProperties: 1 });
const Ids = Type.Array(Id, { minItems: 1, maxItems: LIMITS.maxIdsPerOp });
const Time = Type.Integer({ minimum: 0, maximum: LIMITS.maxSeq });
/** Trimmed in validate.ts; an empty name gives the board its id back. */
const BoardName = Type.String({ maxLength: 4 * LIMITS.maxBoardNameLength, pattern: '^[^\\u0000-\\u001f\\u007f]*$' });
const Paper = Type.Union(PAPERS.map((p) => Type.Literal(p)) as [TLiteral<Paper>]);
/** Version of the element operations' shape: the fold dispatches on it, so any record ever written stays readable. */
const V1 = Type.Literal(1);

export const OP_SCHEMAS = {
  begin: Type.Object({
    k: Type.Literal('begin'),
    id: Id,
    color: Type.String({ pattern: COLOR_PATTERN.source }),
    /** Pen width in world units (CSS pixels at 100% zoom). */
    w: Type.Integer({ minimum: LIMITS.minWidth, maximum: LIMITS.maxWidth }),
    /** 1 when points carry pressure (x, y, p) instead of (x, y). */
    pr: Type.Optional(Type.Literal(1)),
    /** Precision: coordinates are in units of 2^-q world units (points.ts); absent means whole units. */
    q: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PRECISION })),
    p: Points,
  }),
  ext: Type.Object({ k: Type.Literal('ext'), id: Id, p: Points }),
  end: Type.Object({ k: Type.Literal('end'), id: Id }),
  erase: Type.Object({ k: Type.Literal('erase'), ids: Type.Array(Id, { minItems: 1, maxItems: LIMITS.maxEraseIds }) }),
  undo: Type.Object({ k: Type.Literal('undo') }),
  redo: Type.Object({ k: Type.Literal('redo') }),
  clear: Type.Object({ k: Type.Literal('clear') }),
  /** Makes the board's edit key (the sender's) the only one that may draw; see rooms/roles.ts. */
  claim: Type.Object({ k: Type.Literal('claim') }),
  /**
   * Makes the sender's owner key (from hello) the board's owner: on a new
   * board, or on one drawn before owners existed, by an editor. Logged as `Own`.
   */
  own: Type.Object({ k: Type.Literal('own') }),
  /** Owner: replaces the edit link (the old one views only from now on). Logged as `Rekey`. */
  rekey: Type.Object({ k: Type.Literal('rekey') }),
  /** Owner: pauses (1) or resumes (0) drawing for everyone but the owner. */
  pause: Type.Object({ k: Type.Literal('pause'), on: Type.Union([Type.Literal(0), Type.Literal(1)]) }),
  /** Owner: takes back everything `user` did between `from` and `to` (log times in ms), as one undoable action. */
  revert: Type.Object({ k: Type.Literal('revert'), user: Id, from: Time, to: Time }),
  /** The board's name and paper (PAPERS), as one undoable action. */
  board: Type.Object({ k: Type.Literal('board'), v: V1, name: Type.Optional(BoardName), paper: Type.Optional(Paper) }),
  /** Makes elements (one undoable action however many). */
  add: Type.Object({ k: Type.Literal('add'), v: V1, els: Type.Array(ElementSpec, { minItems: 1, maxItems: LIMITS.maxElementsPerOp }) }),
  /**
   * Sets properties of elements: the same values on each, and only the
   * properties named, so changes by others to the rest stand. `c`: continues
   * this page's last `set` (typing), on its elements, as the same undo step.
   */
  set: Type.Object({ k: Type.Literal('set'), v: V1, ids: Type.Optional(Ids), c: Type.Optional(Type.Literal(1)), p: Props }),
  /**
   * Transforms elements (move, resize, rotate): `m` is applied after each
   * one's placement. On the elements named, on `all` visible at that point
   * of the log, or (`c`) on those of this page's last `xf`, as the same
   * undo step: a drag is one `xf` per frame, all but the first six numbers.
   */
  xf: Type.Object({ k: Type.Literal('xf'), v: V1, ids: Type.Optional(Ids), all: Type.Optional(Type.Literal(1)), c: Type.Optional(Type.Literal(1)), m: Placement }),
};

export const MESSAGE_SCHEMAS = {
  hello: Type.Object({
    t: Type.Literal('hello'),
    v: Type.Integer({ minimum: 1, maximum: 1_000 }),
    /**
     * Secret key of this browser (kept in localStorage). The server publishes
     * only an id derived from it, so nobody can act as someone else (their
     * undo history is keyed by it).
     */
    user: Id,
    /** Secret key of this page, derived into the public client id the same way. */
    cid: Id,
    name: Name,
    /** Last log position this client holds; absent on a first join. */
    since: Type.Optional(Type.Integer({ minimum: -1, maximum: Number.MAX_SAFE_INTEGER })),
    /** The board's edit key as this browser knows it (from an edit link); absent for a view link. */
    key: Type.Optional(Id),
    /** The board's owner key as this browser knows it (it made the board, or has the owner link). */
    owner: Type.Optional(Id),
  }),
  /** `o` is checked by its own schema, chosen by `o.k` (validate.ts). */
  op: Type.Object({ t: Type.Literal('op'), s: Seq, o: Type.Unknown() }),
  /** Cursor position in board coordinates; both null when the pointer left the board. */
  cursor: Type.Object({ t: Type.Literal('cursor'), x: Type.Union([Coord, Type.Null()]), y: Type.Union([Coord, Type.Null()]) }),
  name: Type.Object({ t: Type.Literal('name'), name: Name }),
  view: Type.Object({ t: Type.Literal('view'), x: Coord, y: Coord, w: Type.Number({ exclusiveMinimum: 0, maximum: 2 * LIMITS.maxCoord }), h: Type.Number({ exclusiveMinimum: 0, maximum: 2 * LIMITS.maxCoord }) }),
  laser: Type.Object({ t: Type.Literal('laser'), x: Type.Union([Coord, Type.Null()]), y: Type.Union([Coord, Type.Null()]) }),
  follow: Type.Object({ t: Type.Literal('follow'), cid: Type.Union([Id, Type.Null()]) }),
  present: Type.Object({ t: Type.Literal('present'), on: Type.Boolean() }),
};

export type ClientOp = { [K in keyof typeof OP_SCHEMAS]: Static<(typeof OP_SCHEMAS)[K]> }[keyof typeof OP_SCHEMAS];
type Messages = { [K in keyof typeof MESSAGE_SCHEMAS]: Static<(typeof MESSAGE_SCHEMAS)[K]> };
export type HelloMessage = Messages['hello'];
export type RenameMessage = Messages['name'];
export type ViewMessage = Messages['view'];
export type LaserMessage = Messages['laser'];
export type FollowMessage = Messages['follow'];
export type PresentMessage = Messages['present'];

function compileAll<T extends Record<string, TSchema>>(schemas: T): { [K in keyof T]: Validator<{}, T[K]> } {
  return Object.fromEntries(Object.entries(schemas).map(([key, schema]) => [key, Compile(schema)])) as { [K in keyof T]: Validator<{}, T[K]> };
}

export const opValidators = compileAll(OP_SCHEMAS);
export const messageValidators = compileAll(MESSAGE_SCHEMAS);
