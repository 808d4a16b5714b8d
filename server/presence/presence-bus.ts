/**
 * How server instances tell each other who is on a board and where their
 * cursors are. Volatile by design: frames are never part of a board's
 * history, a frame lost is repaired by the next one, and an instance that
 * stops sending is forgotten (remote-presence.ts).
 *
 * Frames from other instances are untrusted input (anything able to write
 * to the topic could send them): `parsePresenceFrame` checks each one at the
 * edge and drops what does not fit, as validate.ts does for clients.
 */
import Type from 'typebox';
import { Compile } from 'typebox/compile';
import { ID_PATTERN, LIMITS, type Participant, type ViewRect } from '../protocol/messages.ts';
import { nestingDepth } from '../protocol/nesting.ts';

/** A board's people on the sending instance: sent when it changes and as a heartbeat. Empty: they all left. */
export type PeopleFrame = { t: 'people'; board: string; people: Participant[] };
/** The latest position of each of the sender's cursors on a board that moved since its last frame. */
export type CursorsFrame = { t: 'cursors'; board: string; cursors: CursorPosition[] };
export type CursorPosition = { cid: string; x: number | null; y: number | null };
/** A page's view (for those who follow it) or a point of its laser trail (null: the pointer went up). */
export type Signal = { cid: string; view: ViewRect } | { cid: string; laser: [x: number | null, y: number | null] };
/** Views and laser points of the sender's people on a board, in the order they came. */
export type SignalsFrame = { t: 'signals'; board: string; signals: Signal[] };
export type PresenceFrame = PeopleFrame | CursorsFrame | SignalsFrame;

/** Receives frames of other instances; `from` names the sending instance. */
export type PresenceListener = (from: string, frame: PresenceFrame) => void;

export interface PresenceBus {
  /** Sends a frame to every other instance: best effort, never throws. */
  publish(frame: PresenceFrame): void;
  /** Frames of other instances, already checked; this instance's own never arrive. */
  subscribe(listener: PresenceListener): () => void;
  /** Sends what is still queued (goodbyes included), then disconnects. */
  close(): Promise<void>;
}

/** More people than this on one board and one instance are left out of its frames. */
export const MAX_FRAME_ENTRIES = 2_000;
/** Far above an honest frame of MAX_FRAME_ENTRIES people. */
export const MAX_FRAME_BYTES = 512 * 1024;
/** Honest frames nest 3 deep (envelope, list, entry). */
const MAX_DEPTH = 4;

const Id = Type.String({ pattern: ID_PATTERN.source });
// Names were trimmed and bounded by the sender's edge; a foreign frame is held to the same rule here.
const Name = Type.String({ minLength: 1, maxLength: LIMITS.maxNameLength, pattern: '^[^\\u0000-\\u001f\\u007f]*$' });
const Coord = Type.Union([Type.Number({ minimum: -LIMITS.maxCoord, maximum: LIMITS.maxCoord }), Type.Null()]);
const Envelope = { v: Type.Literal(1), from: Id, board: Id };

const checkPeople = Compile(
  Type.Object({
    ...Envelope,
    t: Type.Literal('people'),
    people: Type.Array(
      Type.Object({
        cid: Id,
        user: Id,
        name: Name,
        role: Type.Union([Type.Literal('owner'), Type.Literal('editor'), Type.Literal('viewer')]),
        follows: Type.Optional(Id),
        presenting: Type.Optional(Type.Literal(true)),
      }),
      { maxItems: MAX_FRAME_ENTRIES },
    ),
  }),
);
const checkCursors = Compile(
  Type.Object({
    ...Envelope,
    t: Type.Literal('cursors'),
    cursors: Type.Array(Type.Object({ cid: Id, x: Coord, y: Coord }), { maxItems: MAX_FRAME_ENTRIES }),
  }),
);

const Extent = Type.Number({ exclusiveMinimum: 0, maximum: 2 * LIMITS.maxCoord });
const checkSignals = Compile(
  Type.Object({
    ...Envelope,
    t: Type.Literal('signals'),
    signals: Type.Array(
      Type.Union([
        Type.Object({ cid: Id, view: Type.Object({ x: Coord, y: Coord, w: Extent, h: Extent }) }),
        Type.Object({ cid: Id, laser: Type.Tuple([Coord, Coord]) }),
      ]),
      { maxItems: MAX_FRAME_ENTRIES },
    ),
  }),
);

/** The frame as it travels: its sender added. */
export function encodePresenceFrame(from: string, frame: PresenceFrame): string {
  return JSON.stringify({ v: 1, from, ...frame });
}

/**
 * Reads a frame from the wire, or null when it is not a valid one. Copies
 * only known fields, so nothing extra reaches a client's people list.
 * Never throws.
 */
export function parsePresenceFrame(text: string): { from: string; frame: PresenceFrame } | null {
  try {
    if (text.length > MAX_FRAME_BYTES || nestingDepth(text, MAX_DEPTH) > MAX_DEPTH) return null;
    const raw: unknown = JSON.parse(text);
    if (checkPeople.Check(raw)) {
      const people = raw.people.map(({ cid, user, name, role, follows, presenting }): Participant => ({
        cid,
        user,
        name,
        role,
        ...(follows ? { follows } : {}),
        ...(presenting ? { presenting } : {}),
      }));
      return { from: raw.from, frame: { t: 'people', board: raw.board, people } };
    }
    if (checkCursors.Check(raw)) {
      const cursors: CursorPosition[] = [];
      // A cursor is a point or nowhere; half of one is dropped.
      for (const { cid, x, y } of raw.cursors) {
        if (x !== null && y !== null) cursors.push({ cid, x, y });
        else if (x === null && y === null) cursors.push({ cid, x, y });
      }
      return { from: raw.from, frame: { t: 'cursors', board: raw.board, cursors } };
    }
    if (checkSignals.Check(raw)) {
      const signals: Signal[] = [];
      for (const s of raw.signals) {
        if ('view' in s) {
          // A view is a rectangle of the board: a null corner is not one.
          const { x, y, w, h } = s.view;
          if (x !== null && y !== null) signals.push({ cid: s.cid, view: { x, y, w, h } });
        } else if ((s.laser[0] === null) === (s.laser[1] === null)) {
          signals.push({ cid: s.cid, laser: s.laser });
        }
      }
      return { from: raw.from, frame: { t: 'signals', board: raw.board, signals } };
    }
    return null;
  } catch {
    return null;
  }
}
