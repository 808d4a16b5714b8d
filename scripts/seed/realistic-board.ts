/**
 * Writes a board into a log as a room full of people would have drawn it:
 * several authors (each with their own client id and sequence numbers)
 * writing and sketching at once over a session, strokes of 20-200 points
 * sent in records of 2-4 points (one record per animation frame, as the web
 * app sends them), a few colours and widths, some pressure pens, some
 * strokes drawn zoomed in, and now and then an undo, a redo or an erase.
 *
 * The same seed gives the same board. Only meaningful operations are
 * written (an undo always has something to undo), so every record applies
 * when folded, as on a board the server admitted.
 */
import type { BoardLog, NewRecord } from '../../server/log/board-log.ts';
import type { Op } from '../../server/protocol/messages.ts';
import { countPoints, encodePoints } from '../../server/protocol/points.ts';
import { FRAME_MS, rawGap, recordParts } from './drawing-pace.ts';
import { Hand } from './handwriting.ts';
import { seededRandom, type Random } from './prng.ts';
import { seededElements } from './seeded-elements.ts';

export type SeedOptions = {
  /** Points to draw, in total (the last stroke is sized to hit it exactly). */
  points: number;
  /** Same seed, same board (timestamps aside, which follow `start`). Default 1. */
  seed?: number;
  /** Length of the simulated session. Default 60. */
  minutes?: number;
  /** Authors; default 6 to 30, chosen by the seed. */
  users?: number;
  /** Width of the canvas region drawn on, in world units. Default 4000. */
  width?: number;
  /** Simulated session start (epoch ms). Default: so that the session ends now. */
  start?: number;
  /** Appends in flight at once. Default 20,000. */
  inFlight?: number;
  /**
   * Called with each record's simulated time just before it is appended: a
   * log whose clock reads it stamps the record with it (EmbeddedLog's `now`).
   */
  stamp?: (ts: number) => void;
  /** Called after each batch of appends. */
  progress?: (records: number) => void;
  /** Element operations (shapes, arrows, notes, text, some moves) among the ink. Default 0. */
  elements?: number;
};

export type SeedSummary = {
  records: number;
  strokes: number;
  points: number;
  authors: { name: string; strokes: number }[];
  pressureStrokes: number;
  precisionStrokes: number;
  undos: number;
  redos: number;
  erases: number;
  /** Element operations written (adds, moves, recolours). */
  elements: number;
  /** Timestamps the log gave the first and last record. */
  firstTs: number;
  lastTs: number;
};

const NAMES = ['Ada', 'Ben', 'Chloé', 'Dmitri', 'Emma', 'Farah', 'Gus', 'Hana', 'Ivo', 'Jin', 'Kofi', 'Lena', 'Mateo', 'Nia', 'Oskar', 'Priya', 'Quinn', 'Rosa', 'Sven', 'Tariq', 'Uma', 'Vera', 'Wen', 'Xavi', 'Yara', 'Zoe', 'Ana', 'Bo', 'Cleo', 'Dev'];
const COLORS = ['#1e1e1e', '#e03131', '#1971c2', '#2f9e44', '#f08c00', '#9c36b5'];
const WIDTHS = [2, 3, 4, 6, 8, 12];

type Author = {
  index: number;
  user: string;
  cid: string;
  name: string;
  color: string;
  width: number;
  pressure: boolean;
  weight: number;
  hand: Hand;
  random: Random;
  seq: number;
  strokes: PlannedStroke[];
};

type PlannedStroke = {
  id: string;
  n: number;
  drawing: boolean;
  color: string;
  width: number;
  q: number;
  /** Points per record, begin first. */
  parts: number[];
  start: number;
  /** What the author does right after it. */
  then: 'nothing' | 'undo' | 'undo-redo' | 'erase';
  gapAfter: number;
};

type Timed = { ts: number; author: Author; op: Op; name?: string };

/** Stroke sizes summing to exactly `points`, each 20-200 (a board under 20 points is one stroke). */
function strokeSizes(random: Random, points: number): { n: number; drawing: boolean }[] {
  const sizes: { n: number; drawing: boolean }[] = [];
  let left = points;
  while (left > 0) {
    const drawing = random.chance(0.25);
    let n = drawing ? random.int(100, 200) : random.int(40, 160);
    if (left - n < 20) n = left <= 200 ? left : left - 20;
    sizes.push({ n, drawing });
    left -= n;
  }
  return sizes;
}

function makeAuthors(random: Random, count: number, canvas: { width: number; height: number }): Author[] {
  const names = [...NAMES];
  for (let i = names.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [names[i], names[j]] = [names[j]!, names[i]!];
  }
  return Array.from({ length: count }, (_, index) => {
    const own = random.fork();
    return {
      index,
      user: random.id(16),
      cid: random.id(16),
      name: names[index % names.length]! + (index >= names.length ? ` ${Math.floor(index / names.length) + 1}` : ''),
      color: random.pick(COLORS),
      width: random.pick(WIDTHS),
      pressure: random.chance(0.25),
      // Some people draw far more than others.
      weight: 1 / (index + 1) ** 0.5,
      hand: new Hand(own, canvas, random.range(14, 40)),
      random: own,
      seq: 0,
      strokes: [],
    };
  });
}

/** Places each author's strokes in the session: bursts of writing, pauses, all within their time there. */
function schedule(author: Author, sessionMs: number): void {
  const random = author.random;
  const strokes = author.strokes;
  if (strokes.length === 0) return;
  const busy = strokes.reduce((sum, s) => sum + (s.parts.length + 1) * FRAME_MS + (s.then === 'nothing' ? 0 : 2_000), 0);
  const gaps = strokes.map(() => rawGap(random));
  const rawTotal = gaps.reduce((a, b) => a + b, 0);
  // Joined a little late, left a little early; the whole session if that is too short.
  let from = random.range(0, 0.15) * sessionMs;
  let to = sessionMs - random.range(0, 0.15) * sessionMs;
  if (to - from - busy < strokes.length * 100) [from, to] = [0, sessionMs];
  const scale = Math.max(100 * strokes.length, to - from - busy) / rawTotal;
  let t = from;
  strokes.forEach((s, i) => {
    s.start = t;
    s.gapAfter = gaps[i]! * scale;
    t += (s.parts.length + 1) * FRAME_MS + (s.then === 'nothing' ? 0 : 2_000) + s.gapAfter;
  });
}

/** One author's records, in time order; strokes are drawn as their turn comes. */
function* authorRecords(author: Author, start: number): Generator<Timed> {
  const random = author.random;
  const visible: string[] = [];
  for (const s of author.strokes) {
    const scale = 2 ** -s.q;
    const points = author.hand.stroke(s.n, s.drawing, author.pressure, scale);
    let t = start + s.start;
    let offset = 0;
    for (let r = 0; r < s.parts.length; r++) {
      const p = encodePoints(points.slice(offset, offset + s.parts[r]!), author.pressure, s.q);
      // The codec writes nothing for a value that is not a number: catch a shape that makes one here, not in the fold.
      if (countPoints(p, author.pressure) !== s.parts[r]) throw new Error(`stroke ${s.id}: points that do not encode`);
      offset += s.parts[r]!;
      const ts = Math.round(t + r * FRAME_MS);
      if (r === 0) {
        const op: Op = { k: 'begin', id: s.id, color: s.color, w: s.width, p, ...(author.pressure ? { pr: 1 as const } : {}), ...(s.q ? { q: s.q } : {}) };
        yield { ts, author, op, name: author.name };
      } else {
        yield { ts, author, op: { k: 'ext', id: s.id, p } };
      }
    }
    t += s.parts.length * FRAME_MS;
    yield { ts: Math.round(t), author, op: { k: 'end', id: s.id } };
    visible.push(s.id);
    if (s.then === 'undo' || s.then === 'undo-redo') {
      t += random.range(300, 900);
      yield { ts: Math.round(t), author, op: { k: 'undo' } };
      visible.pop();
      if (s.then === 'undo-redo') {
        t += random.range(300, 1_000);
        yield { ts: Math.round(t), author, op: { k: 'redo' } };
        visible.push(s.id);
      }
    } else if (s.then === 'erase' && visible.length > 1) {
      // One eraser gesture over a few of their own recent strokes.
      t += random.range(300, 1_500);
      const recent = visible.splice(Math.max(0, visible.length - 20));
      const ids = new Set<string>();
      for (let i = random.int(1, 3); i > 0; i--) ids.add(random.pick(recent));
      visible.push(...recent.filter((id) => !ids.has(id)));
      yield { ts: Math.round(t), author, op: { k: 'erase', ids: [...ids] } };
    }
  }
}

/** Merges the authors' records by time (ties: the lower author first). */
function* merged(streams: Generator<Timed>[]): Generator<Timed> {
  const heads = streams.map((s) => s.next());
  for (;;) {
    let best = -1;
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i]!;
      if (!h.done && (best < 0 || h.value.ts < (heads[best]!.value as Timed).ts)) best = i;
    }
    if (best < 0) return;
    yield heads[best]!.value as Timed;
    heads[best] = streams[best]!.next();
  }
}

/** Writes a seeded, realistic board of `options.points` points into `log`. */
export async function seedBoard(log: BoardLog, board: string, options: SeedOptions): Promise<SeedSummary> {
  if (!Number.isInteger(options.points) || options.points < 1) throw new Error(`points must be a positive integer, got ${options.points}`);
  const random = seededRandom(options.seed ?? 1);
  const sessionMs = (options.minutes ?? 60) * 60_000;
  const width = options.width ?? 4_000;
  const canvas = { width, height: Math.round(width * 0.625) };
  const authors = makeAuthors(random, options.users ?? random.int(6, 30), canvas);
  const weights = authors.map((a) => a.weight);

  const summary: SeedSummary = { records: 0, strokes: 0, points: options.points, authors: [], pressureStrokes: 0, precisionStrokes: 0, undos: 0, redos: 0, erases: 0, elements: 0, firstTs: 0, lastTs: 0 };
  for (const { n, drawing } of strokeSizes(random, options.points)) {
    const author = authors[random.weighted(weights)]!;
    const r = random.next();
    const then = r < 0.012 ? 'undo' : r < 0.02 ? 'undo-redo' : r < 0.03 ? 'erase' : 'nothing';
    author.strokes.push({
      id: random.id(12),
      n,
      drawing,
      color: random.chance(0.7) ? author.color : random.pick(COLORS),
      width: drawing ? Math.min(64, author.width * 2) : author.width,
      // Drawn zoomed in: finer points, smaller strokes.
      q: random.chance(0.1) ? random.int(1, 2) : 0,
      parts: recordParts(random, n),
      start: 0,
      then,
      gapAfter: 0,
    });
  }
  for (const author of authors) schedule(author, sessionMs);
  const start = options.start ?? Date.now() - sessionMs;

  const inFlight = options.inFlight ?? 20_000;
  let pending: Promise<unknown>[] = [];
  summary.firstTs = Infinity;
  // Forked last, so that a board seeded without elements is the same as before there were any.
  let elements: Timed[] = [];
  if (options.elements) {
    const own = random.fork();
    const people = makeAuthors(own, Math.min(4, authors.length), canvas);
    elements = seededElements(own, people, options.elements, start, sessionMs, canvas);
  }
  const streams = authors.map((a) => authorRecords(a, start));
  if (elements.length > 0) streams.push(elements.values() as Generator<Timed>);
  for (const { ts, author, op, name } of merged(streams)) {
    const record: NewRecord = { board, user: author.user, cid: author.cid, seq: ++author.seq, op };
    if (name !== undefined) record.name = name;
    options.stamp?.(ts);
    pending.push(
      log.append(record).then((stored) => {
        if (stored.ts < summary.firstTs) summary.firstTs = stored.ts;
        if (stored.ts > summary.lastTs) summary.lastTs = stored.ts;
      }),
    );
    summary.records++;
    if (op.k === 'begin') {
      summary.strokes++;
      if (op.pr) summary.pressureStrokes++;
      if (op.q) summary.precisionStrokes++;
    } else if (op.k === 'undo') summary.undos++;
    else if (op.k === 'redo') summary.redos++;
    else if (op.k === 'erase') summary.erases++;
    else if (op.k === 'add' || op.k === 'set' || op.k === 'xf') summary.elements++;
    if (pending.length >= inFlight) {
      await Promise.all(pending);
      pending = [];
      options.progress?.(summary.records);
    }
  }
  await Promise.all(pending);
  options.progress?.(summary.records);
  summary.authors = authors.filter((a) => a.strokes.length > 0).map((a) => ({ name: a.name, strokes: a.strokes.length }));
  return summary;
}
