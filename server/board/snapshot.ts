/**
 * Board state as JSON: what a late joiner receives instead of the history.
 * It carries everything the fold needs to continue (hidden strokes, undo
 * stacks), so a client folds later records exactly as the server does.
 */
import type { DrawingSession, OpenSession, SessionLog } from './sessions.ts';
import type { Shape } from './elements.ts';
import type { Action, BoardState, History, Stroke } from './state.ts';
import type { BoardSettings } from './board-settings.ts';

/**
 * Version of what a snapshot holds. Stored snapshots (server/log/snapshots/)
 * carry it, and one of a version this code cannot read is never read, the
 * log is folded instead. Bump it when the shape below changes, and also
 * when the fold would make a different state from the same records (a
 * snapshot is a fold that was done by the code of its day).
 */
export const SNAPSHOT_VERSION = 5;
/**
 * Versions this code reads. 5 added owners and board settings, and
 * actions carry their time and outlive their author's undo reach (an
 * owner's revert picks by them): a state of 4 or before lacks those, so
 * its board is folded again from the log.
 */
export const READABLE_SNAPSHOT_VERSIONS: readonly number[] = [SNAPSHOT_VERSION];

/** Fields of a stroke left out of a snapshot when at these values. */
const STROKE_USUALLY = { pr: false, ended: true, undone: false } as const;
/** Fields of an element left out of a snapshot when at these values (hiddenBy too, when empty). */
const SHAPE_USUALLY = { pts: null, fill: null, dash: 0, text: '', ah: 0, sb: null, eb: null, file: null, lock: 0, undone: false } as const;

/** A stroke as a snapshot holds it: fields at their usual value may be left out. */
export type StoredStroke = Omit<Stroke, keyof typeof STROKE_USUALLY | 'hiddenBy'> & Partial<Pick<Stroke, keyof typeof STROKE_USUALLY | 'hiddenBy'>>;
/** An element as a snapshot holds it: fields at their usual value may be left out. */
export type StoredShape = Omit<Shape, keyof typeof SHAPE_USUALLY | 'hiddenBy'> & Partial<Pick<Shape, keyof typeof SHAPE_USUALLY | 'hiddenBy'>>;

export type BoardSnapshot = {
  pos: number;
  ts: number;
  strokes: StoredStroke[];
  shapes: StoredShape[];
  actions: Action[];
  history: [user: string, history: History][];
  seqs: [cid: string, seq: number][];
  size: number;
  editKey: string | null;
  owner: string | null;
  keyGen: number;
  paused: boolean;
  settings: BoardSettings;
  sessions: {
    closed: DrawingSession[];
    open: (Omit<OpenSession, 'users'> & { users: string[] }) | null;
    names: [user: string, name: string][];
  };
};

export function toSnapshot(state: BoardState): BoardSnapshot {
  return {
    pos: state.pos,
    ts: state.ts,
    strokes: [...state.strokes.values()].map((s) => withoutUsual<Stroke, StoredStroke>(s, STROKE_USUALLY)),
    shapes: [...state.shapes.values()].map((s) => withoutUsual<Shape, StoredShape>(s, SHAPE_USUALLY)),
    actions: [...state.actions.values()],
    history: [...state.history.entries()],
    seqs: [...state.seqs.entries()],
    size: state.size,
    editKey: state.editKey,
    owner: state.owner,
    keyGen: state.keyGen,
    paused: state.paused,
    settings: state.settings,
    sessions: sessionsToSnapshot(state.sessions),
  };
}

/**
 * A copy of `item` without the fields at their usual value, nor an empty
 * `hiddenBy`: a fifth of a welcome of a board with many elements was such
 * fields, sent and parsed on every join.
 */
function withoutUsual<T extends { hiddenBy: number[] }, Stored>(item: T, usually: object): Stored {
  const out: Record<string, unknown> = {};
  const from = item as unknown as Record<string, unknown>;
  const usual = usually as Record<string, unknown>;
  // for…in, not Object.entries: this runs for every item of a board at each join.
  for (const key in from) {
    const value = from[key];
    if (value === usual[key] || (key === 'hiddenBy' && (value as number[]).length === 0)) continue;
    out[key] = value;
  }
  return out as Stored;
}

/** `item` with the fields left out given their usual value, in place (a copy of each of 17,000 items cost 400 ms). */
function withUsual<Stored extends { hiddenBy?: number[] }, T>(item: Stored, usually: UsualFields): T {
  const out = item as Record<string, unknown>;
  for (let k = 0; k < usually.keys.length; k++) {
    const key = usually.keys[k]!;
    if (out[key] === undefined) out[key] = usually.values[k];
  }
  if (!item.hiddenBy) item.hiddenBy = [];
  return item as unknown as T;
}

type UsualFields = { keys: string[]; values: unknown[] };
const fieldsOf = (usually: object): UsualFields => ({ keys: Object.keys(usually), values: Object.values(usually) });
const STROKE_FIELDS = fieldsOf(STROKE_USUALLY);
const SHAPE_FIELDS = fieldsOf(SHAPE_USUALLY);

export function sessionsToSnapshot(log: SessionLog): BoardSnapshot['sessions'] {
  return { closed: log.closed, open: log.open ? { ...log.open, users: [...log.open.users] } : null, names: [...log.names.entries()] };
}

export function sessionsFromSnapshot(snapshot: BoardSnapshot['sessions']): SessionLog {
  return { closed: snapshot.closed, open: snapshot.open ? { ...snapshot.open, users: new Set(snapshot.open.users) } : null, names: new Map(snapshot.names) };
}

/**
 * Rebuilds a state from a snapshot, taking over its objects (strokes and
 * elements get their left-out fields back): the state folds on the
 * snapshot's strokes and actions in place. Every caller passes
 * a snapshot it has just parsed and holds alone (a welcome, a replay line,
 * a stored snapshot), so nothing is copied: a structured clone of a board
 * of a million points cost 30-50 ms of a late join (BENCHMARKS.md). Copy
 * first (structuredClone) to keep a snapshot that something else holds.
 */
export function fromSnapshot(snapshot: BoardSnapshot): BoardState {
  return {
    pos: snapshot.pos,
    ts: snapshot.ts,
    strokes: new Map(snapshot.strokes.map((s) => [s.id, withUsual<StoredStroke, Stroke>(s, STROKE_FIELDS)])),
    shapes: new Map(snapshot.shapes.map((s) => [s.id, withUsual<StoredShape, Shape>(s, SHAPE_FIELDS)])),
    actions: new Map(snapshot.actions.map((a) => [a.pos, a])),
    history: new Map(snapshot.history),
    seqs: new Map(snapshot.seqs),
    size: snapshot.size,
    editKey: snapshot.editKey,
    owner: snapshot.owner,
    keyGen: snapshot.keyGen,
    paused: snapshot.paused,
    settings: { ...snapshot.settings },
    sessions: sessionsFromSnapshot(snapshot.sessions),
  };
}
