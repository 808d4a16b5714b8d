/**
 * The renderer's picture of the scene (scene.ts): which items are settled,
 * painted into tiles by the workers, and which are live, painted on the
 * page every frame; a spatial index of the settled ones; and the queries
 * the select tool and the eraser ask of them.
 *
 * An item is live while the page says so (scene.isLive), while ink is
 * still being drawn, and for SETTLE_MS after its look last changed (a move,
 * a recolour, a line whose bound element moved): someone else's drag
 * arrives as one record per frame, and repainting tiles every frame would
 * cost far more than painting the one item on top. Items seen for the first
 * time settle at once: a board that loads goes straight to the tiles.
 */
import RBush from 'rbush';
import { lookOf } from '../../server/board/outline.ts';
import { byStack } from '../../server/board/state.ts';
import type { Matrix, Shape } from '../../server/board/elements.ts';
import type { Point } from '../../server/protocol/points.ts';
import { within } from './element-geometry.ts';
import { isShape, type InkItem, type Scene } from './scene.ts';
import { ShapeGeometry, type Stacking } from './shape-geometry.ts';
import { StrokeGeometry } from './stroke-geometry.ts';
import type { SettledItem } from './tiles.ts';
import type { Rect } from './view.ts';

export type Geometry = StrokeGeometry | ShapeGeometry;

/** How long an item stays live after its look last changed. */
export const SETTLE_MS = 1_000;

export type SceneChange = {
  /** Items that settled (new, or changed and at rest), with what the workers need of each. */
  added: { g: Geometry; item: SettledItem }[];
  /** Settled items gone from the tiles: hidden, changed, or live again. */
  removed: Geometry[];
  /** When (ms from now) items live since a change will settle, if any are. */
  settleIn: number | null;
};

/** Topmost first. */
const frontToBack = (a: Geometry, b: Geometry) => byStack(b, a);

export class SceneIndex {
  readonly index = new RBush<Geometry>();
  readonly settled = new Map<string, Geometry>();
  /** Live items, back to front. */
  live: Geometry[] = [];
  private readonly liveById = new Map<string, Geometry>();
  private readonly seen = new Map<string, number>();
  /** When an item's look last changed (performance.now()), while it matters. */
  private readonly changedAt = new Map<string, number>();
  private generation = 0;

  constructor(private readonly scene: Scene) {}

  /** Reads the scene again and brings the index and the live items up to date. */
  update(now: number): SceneChange {
    const generation = ++this.generation;
    const change: SceneChange = { added: [], removed: [], settleIn: null };
    const live: Geometry[] = [];
    const liveById = new Map<string, Geometry>();
    const recent = (id: string) => {
      const at = this.changedAt.get(id);
      if (at === undefined) return false;
      const left = at + SETTLE_MS - now;
      if (left <= 0) {
        this.changedAt.delete(id);
        return false;
      }
      change.settleIn = Math.min(change.settleIn ?? Infinity, left);
      return true;
    };
    const goLive = (g: Geometry) => {
      const settled = this.settled.get(g.id);
      if (settled) change.removed.push(this.unindex(settled));
      live.push(g);
      liveById.set(g.id, g);
    };
    const settle = (g: Geometry, item: SettledItem) => {
      const old = this.settled.get(g.id);
      if (old) change.removed.push(this.unindex(old));
      this.settled.set(g.id, g);
      change.added.push({ g, item });
    };

    const ink = (ink: InkItem) => {
      const settled = this.settled.get(ink.id);
      // Most of a big board, every time: settled and unchanged.
      if (settled instanceof StrokeGeometry && settled.same(ink) && !this.scene.isLive(ink.id)) {
        this.seen.set(ink.id, generation);
        return;
      }
      const known = settled ?? this.liveById.get(ink.id);
      // A change of look (not growth, and not a local draft turning into the logged stroke, whose position is new).
      if (known instanceof StrokeGeometry && known.pos === (ink.pos ?? Number.MAX_SAFE_INTEGER) && known.n === ink.n && known.ended === ink.ended && !known.same(ink)) this.changedAt.set(ink.id, now);
      const settledNow = ink.ended && ink.chunks !== undefined && !this.scene.isLive(ink.id) && !recent(ink.id);
      if (!settledNow) {
        const cached = this.liveById.get(ink.id);
        goLive(cached instanceof StrokeGeometry && cached.same(ink) ? cached : new StrokeGeometry(ink, known instanceof StrokeGeometry ? known : undefined));
      } else {
        this.seen.set(ink.id, generation);
        const g = new StrokeGeometry(ink, known instanceof StrokeGeometry ? known : undefined);
        const { id, color, w, pr, q, n, chunks } = ink;
        settle(g, { kind: 'ink', id, color, w, pr, q, n, chunks: chunks!, m: g.m ?? undefined, ...stackingOf(g) });
      }
    };
    // Ink at once; elements once all are known, as a line's end may stick to any of them.
    const shapes = new Map<string, Shape>();
    for (const item of this.scene.items()) {
      if (isShape(item)) shapes.set(item.id, item);
      else ink(item);
    }
    const find = (id: string) => shapes.get(id);
    for (const shape of shapes.values()) {
      // Most elements of a big board, every time: settled and drawn as they are (no look built to find that out).
      const drawn = this.settled.get(shape.id);
      if (drawn instanceof ShapeGeometry && !this.changedAt.has(shape.id) && drawn.drawsAsIs(shape, find) && !this.scene.isLive(shape.id)) {
        this.seen.set(shape.id, generation);
        continue;
      }
      const look = lookOf(shape, find);
      const stacking: Stacking = { pos: shape.pos, z: shape.z, i: shape.i };
      const known = this.settled.get(shape.id) ?? this.liveById.get(shape.id);
      if (known instanceof ShapeGeometry && !known.same(look, stacking)) this.changedAt.set(shape.id, now);
      const isSame = (g: Geometry | undefined): g is ShapeGeometry => g instanceof ShapeGeometry && g.same(look, stacking);
      if (this.scene.isLive(shape.id) || recent(shape.id)) {
        const cached = this.liveById.get(shape.id);
        goLive(isSame(cached) ? cached : new ShapeGeometry(shape.id, look, stacking));
      } else {
        this.seen.set(shape.id, generation);
        if (isSame(this.settled.get(shape.id))) continue;
        settle(new ShapeGeometry(shape.id, look, stacking), { kind: 'shape', id: shape.id, look, ...stacking });
      }
    }
    for (const g of this.settled.values()) if (this.seen.get(g.id) !== generation) change.removed.push(this.unindex(g));
    for (const id of this.changedAt.keys()) if (!liveById.has(id) && !this.settled.has(id)) this.changedAt.delete(id);
    const added = change.added.map(({ g }) => g);
    if (added.length > 64) this.index.load(added);
    else for (const g of added) this.index.insert(g);
    this.live = live.sort(byStack);
    this.liveById.clear();
    for (const [id, g] of liveById) this.liveById.set(id, g);
    return change;
  }

  private unindex(g: Geometry): Geometry {
    this.index.remove(g);
    this.settled.delete(g.id);
    this.seen.delete(g.id);
    return g;
  }

  /** The item drawn under an id, settled or live. */
  geometryOf(id: string): Geometry | undefined {
    return this.liveById.get(id) ?? this.settled.get(id);
  }

  /** Settled items meeting a rectangle, and every live one. */
  private near(rect: Rect): Geometry[] {
    return [...this.index.search(rect), ...this.live];
  }

  itemsAt(point: Point, radius: number): string[] {
    const near = this.near({ minX: point.x - radius, minY: point.y - radius, maxX: point.x + radius, maxY: point.y + radius });
    return near.filter((g) => g.hits(point, radius)).sort(frontToBack).map((g) => g.id);
  }

  itemsIn(rect: Rect): string[] {
    return this.near(rect).filter((g) => within(g.pointBounds(), rect)).sort(byStack).map((g) => g.id);
  }

  itemsTouching(a: Point, b: Point, radius: number): string[] {
    const reach = radius + 40;
    const near = this.near({ minX: Math.min(a.x, b.x) - reach, minY: Math.min(a.y, b.y) - reach, maxX: Math.max(a.x, b.x) + reach, maxY: Math.max(a.y, b.y) + reach });
    return near.filter((g) => g.touches(a, b, radius)).sort(frontToBack).map((g) => g.id);
  }

  placementOf(id: string): { m: Matrix; w: number; h: number } | null {
    return this.geometryOf(id)?.placement() ?? null;
  }

  boundsOf(id: string): Rect | null {
    const g = this.geometryOf(id);
    return g ? { minX: g.minX, minY: g.minY, maxX: g.maxX, maxY: g.maxY } : null;
  }

  contentBounds(): Rect | null {
    const all = [...this.index.all(), ...this.live];
    if (all.length === 0) return null;
    return all.reduce<Rect>(
      (b, g) => ({ minX: Math.min(b.minX, g.minX), minY: Math.min(b.minY, g.minY), maxX: Math.max(b.maxX, g.maxX), maxY: Math.max(b.maxY, g.maxY) }),
      { minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity },
    );
  }
}

function stackingOf(g: StrokeGeometry): Stacking {
  return { pos: g.pos, ...(g.z !== undefined ? { z: g.z } : {}), ...(g.i !== undefined ? { i: g.i } : {}) };
}
