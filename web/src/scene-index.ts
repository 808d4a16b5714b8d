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
import { isLocked, type Matrix, type Shape } from '../../server/board/elements.ts';
import type { Point } from '../../server/protocol/points.ts';
import { within } from './element-geometry.ts';
import { isShape, tellsChanges, type ChangingScene, type InkItem, type Scene, type SceneItem } from './scene.ts';
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

/** One update's working set. */
type Run = {
  now: number;
  generation: number;
  change: SceneChange;
  /** The live items after this update, by id. */
  live: Map<string, Geometry>;
  /** Elements as shown, for the lines stuck to them. */
  find: (id: string) => Shape | undefined;
};

export class SceneIndex {
  readonly index = new RBush<Geometry>();
  readonly settled = new Map<string, Geometry>();
  /** Live items, back to front. */
  live: Geometry[] = [];
  private liveById = new Map<string, Geometry>();
  /** How live items were drawn when they last left the tiles (the moving layer compares). */
  private readonly restingAs = new Map<string, Geometry>();
  private readonly seen = new Map<string, number>();
  /** When an item's look last changed (performance.now()), while it matters. */
  private readonly changedAt = new Map<string, number>();
  private generation = 0;

  constructor(private readonly scene: Scene) {}

  /**
   * Brings the index and the live items up to date with the scene: the
   * items it says changed (and those live or recently changed), or all of
   * them when it cannot say.
   */
  update(now: number): SceneChange {
    const changes = tellsChanges(this.scene) ? this.scene.changes() : 'all';
    const run: Run = { now, generation: ++this.generation, change: { added: [], removed: [], settleIn: null }, live: new Map(), find: () => undefined };
    if (changes === 'all') this.readAll(run);
    else this.readSome(run, changes, this.scene as ChangingScene);
    for (const id of this.changedAt.keys()) if (!run.live.has(id) && !this.settled.has(id)) this.changedAt.delete(id);
    for (const id of this.restingAs.keys()) if (!run.live.has(id)) this.restingAs.delete(id);
    const added = run.change.added.map(({ g }) => g);
    if (added.length > 64) this.index.load(added);
    else for (const g of added) this.index.insert(g);
    this.live = [...run.live.values()].sort(byStack);
    this.liveById = run.live;
    return run.change;
  }

  /** Every item of the scene; what is no longer in it leaves. */
  private readAll(run: Run): void {
    // Ink at once; elements once all are known, as a line's end may stick to any of them.
    const shapes = new Map<string, Shape>();
    for (const item of this.scene.items()) {
      if (isShape(item)) shapes.set(item.id, item);
      else this.ink(run, item);
    }
    run.find = (id) => shapes.get(id);
    for (const shape of shapes.values()) this.shape(run, shape);
    for (const g of this.settled.values()) if (this.seen.get(g.id) !== run.generation) run.change.removed.push(this.unindex(g));
  }

  /** Only the items named, the live ones (recently changed ones among them, to settle), and the lines stuck to any of them. */
  private readSome(run: Run, changed: ReadonlySet<string>, scene: ChangingScene): void {
    const ids = new Set(changed);
    for (const id of this.liveById.keys()) ids.add(id);
    const items = new Map<string, SceneItem | undefined>();
    let elements = false;
    for (const id of ids) {
      const item = scene.item(id);
      items.set(id, item);
      elements ||= (item !== undefined && isShape(item)) || this.geometryOf(id) instanceof ShapeGeometry;
    }
    // Ink alone (someone drawing) has nothing stuck to it.
    if (elements) for (const id of scene.linesStuckTo(ids)) if (!items.has(id)) items.set(id, scene.item(id));
    run.find = (id) => {
      const item = items.has(id) ? items.get(id) : scene.item(id);
      return item && isShape(item) ? item : undefined;
    };
    for (const [id, item] of items) {
      if (!item) {
        const gone = this.settled.get(id);
        if (gone) run.change.removed.push(this.unindex(gone));
      } else if (isShape(item)) {
        this.shape(run, item);
      } else {
        this.ink(run, item);
      }
    }
  }

  /** Whether an item changed within SETTLE_MS; notes when it will settle. */
  private recent(run: Run, id: string): boolean {
    const at = this.changedAt.get(id);
    if (at === undefined) return false;
    const left = at + SETTLE_MS - run.now;
    if (left <= 0) {
      this.changedAt.delete(id);
      return false;
    }
    run.change.settleIn = Math.min(run.change.settleIn ?? Infinity, left);
    return true;
  }

  private goLive(run: Run, g: Geometry): void {
    const settled = this.settled.get(g.id);
    if (settled) {
      run.change.removed.push(this.unindex(settled));
      this.restingAs.set(g.id, settled);
    }
    run.live.set(g.id, g);
  }

  private settle(run: Run, g: Geometry, item: SettledItem): void {
    const old = this.settled.get(g.id);
    if (old) run.change.removed.push(this.unindex(old));
    this.settled.set(g.id, g);
    this.seen.set(g.id, run.generation);
    run.change.added.push({ g, item });
  }

  private ink(run: Run, ink: InkItem): void {
    const settled = this.settled.get(ink.id);
    // Most of a big board, every time: settled and unchanged.
    if (settled instanceof StrokeGeometry && settled.same(ink) && !this.scene.isLive(ink.id)) {
      this.seen.set(ink.id, run.generation);
      return;
    }
    const known = settled ?? this.liveById.get(ink.id);
    // A change of look (not growth, and not a local draft turning into the logged stroke, whose position is new).
    if (known instanceof StrokeGeometry && known.pos === (ink.pos ?? Number.MAX_SAFE_INTEGER) && known.n === ink.n && known.ended === ink.ended && !known.same(ink)) this.changedAt.set(ink.id, run.now);
    const settledNow = ink.ended && ink.chunks !== undefined && !this.scene.isLive(ink.id) && !this.recent(run, ink.id);
    if (!settledNow) {
      const cached = this.liveById.get(ink.id);
      this.goLive(run, cached instanceof StrokeGeometry && cached.same(ink) ? cached : new StrokeGeometry(ink, known instanceof StrokeGeometry ? known : undefined));
    } else {
      const g = new StrokeGeometry(ink, known instanceof StrokeGeometry ? known : undefined);
      const { id, color, w, pr, q, n, chunks } = ink;
      this.settle(run, g, { kind: 'ink', id, color, w, pr, q, n, chunks: chunks!, m: g.m ?? undefined, ...stackingOf(g) });
    }
  }

  private shape(run: Run, shape: Shape): void {
    // Most elements of a big board, every time: settled and drawn as they are (no look built to find that out).
    const drawn = this.settled.get(shape.id);
    if (drawn instanceof ShapeGeometry && !this.changedAt.has(shape.id) && drawn.drawsAsIs(shape, run.find) && !this.scene.isLive(shape.id)) {
      this.seen.set(shape.id, run.generation);
      return;
    }
    // Live and at most moved since the last frame (a drag): what it was, shifted, without building its look again.
    const cached = this.liveById.get(shape.id);
    const moved = cached instanceof ShapeGeometry ? cached.movedTo(shape, run.find) : null;
    if (moved) {
      if (moved !== cached) this.changedAt.set(shape.id, run.now);
      if (this.scene.isLive(shape.id) || this.recent(run, shape.id)) {
        this.goLive(run, moved);
        return;
      }
    }
    const look = lookOf(shape, run.find);
    const stacking: Stacking = { pos: shape.pos, z: shape.z, i: shape.i };
    const known = this.settled.get(shape.id) ?? this.liveById.get(shape.id);
    if (known instanceof ShapeGeometry && !known.same(look, stacking)) this.changedAt.set(shape.id, run.now);
    const isSame = (g: Geometry | undefined): g is ShapeGeometry => g instanceof ShapeGeometry && g.same(look, stacking);
    if (this.scene.isLive(shape.id) || this.recent(run, shape.id)) {
      const cached = this.liveById.get(shape.id);
      this.goLive(run, isSame(cached) ? cached : new ShapeGeometry(shape.id, look, stacking));
    } else {
      this.seen.set(shape.id, run.generation);
      if (isSame(this.settled.get(shape.id))) return;
      this.settle(run, new ShapeGeometry(shape.id, look, stacking), { kind: 'shape', id: shape.id, look, ...stacking });
    }
  }

  private unindex(g: Geometry): Geometry {
    this.index.remove(g);
    this.settled.delete(g.id);
    this.seen.delete(g.id);
    return g;
  }

  /** How a live item was drawn when it was last settled, if it was. */
  atRest(id: string): Geometry | undefined {
    return this.restingAs.get(id);
  }

  /** The item drawn under an id, settled or live. */
  geometryOf(id: string): Geometry | undefined {
    return this.liveById.get(id) ?? this.settled.get(id);
  }

  /** Settled items meeting a rectangle, and every live one. */
  private near(rect: Rect): Geometry[] {
    return [...this.index.search(rect), ...this.live];
  }

  /** Locked elements (a worksheet laid under the class's ink) are passed by clicks, the marquee and the eraser. */
  private pickable(g: Geometry): boolean {
    const item = tellsChanges(this.scene) ? this.scene.item(g.id) : undefined;
    return !(item && isLocked(item));
  }

  itemsAt(point: Point, radius: number): string[] {
    const near = this.near({ minX: point.x - radius, minY: point.y - radius, maxX: point.x + radius, maxY: point.y + radius });
    return near.filter((g) => g.hits(point, radius) && this.pickable(g)).sort(frontToBack).map((g) => g.id);
  }

  itemsIn(rect: Rect): string[] {
    return this.near(rect).filter((g) => within(g.pointBounds(), rect) && this.pickable(g)).sort(byStack).map((g) => g.id);
  }

  itemsTouching(a: Point, b: Point, radius: number): string[] {
    const reach = radius + 40;
    const near = this.near({ minX: Math.min(a.x, b.x) - reach, minY: Math.min(a.y, b.y) - reach, maxX: Math.max(a.x, b.x) + reach, maxY: Math.max(a.y, b.y) + reach });
    return near.filter((g) => g.touches(a, b, radius) && this.pickable(g)).sort(frontToBack).map((g) => g.id);
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
