/**
 * Puts the board on a canvas through a View. Settled strokes (confirmed and
 * ended) are painted into raster tiles by workers (tile-worker.ts); a frame
 * copies the visible tiles and paints on top only the strokes still growing
 * and those settled since their tiles were painted. So a frame costs about
 * the same on a board of ten strokes as on one of a million points. The
 * page keeps its own spatial index of the strokes too, for the eraser, the
 * drawing's bounds and exports.
 */
import RBush from 'rbush';
import type { Point } from '../../server/protocol/points.ts';
import { StrokeGeometry, type Drawable } from './stroke-geometry.ts';
import { intersects, levelFor, Tile, TILE, tileKey, type FromWorker, type SettledStroke, type ToWorker } from './tiles.ts';
import type { Rect, View } from './view.ts';

export type { Drawable } from './stroke-geometry.ts';

/** Paint requests on their way to each worker at once: enough to keep it busy, few enough that panning away wastes little. */
const IN_FLIGHT = 2;
/**
 * Tile workers. Two paint a board that just loaded in about half the time
 * of one (BENCHMARKS.md), even on two cores: the page's own thread is idle
 * meanwhile. Each holds its own copy of the strokes.
 */
const WORKERS = 2;

/** A frame's own time (ms) and how many visible tiles with ink it showed not yet painted at this zoom (a scaled stand-in instead). */
/**
 * A tile that only gained strokes waits this long before it is painted
 * again: the new strokes are painted over it meanwhile, and while people
 * draw, one repaint then covers many strokes instead of one each. A tile
 * that lost a stroke (undo, eraser) is repainted at once.
 */
const REPAINT_AFTER_ADD_MS = 500;

export type FrameListener = (ms: number, behind: number) => void;

export class Renderer {
  private readonly ctx: CanvasRenderingContext2D;
  private readonly index = new RBush<StrokeGeometry>();
  private readonly settled = new Map<string, StrokeGeometry>();
  private readonly seen = new Map<string, number>();
  private live: StrokeGeometry[] = [];
  private readonly liveCache = new Map<string, StrokeGeometry>();
  private readonly tiles = new Map<string, Tile>();
  /** Strokes settled since some tiles under them were painted, with the version that added them. */
  private overlay: { g: StrokeGeometry; version: number }[] = [];
  private readonly workers: { worker: Worker; inFlight: number }[] = [];
  /** Counts changes to the settled strokes; tiles record the version they show. */
  private version = 0;
  private generation = 0;
  private contentChanged = true;
  private frame = 0;
  private frames = 0;
  /** Version at which the board first had settled strokes. */
  private firstContent = -1;
  /** Called after each frame with the time it took (tests and the benchmark read it). */
  onFrame: FrameListener | null = null;
  /**
   * When (performance.now()) the screen first showed settled ink, and when
   * it first showed all of it: what the benchmark reports as a page inked.
   */
  readonly inked = { first: 0, complete: 0 };

  constructor(
    private readonly canvas: HTMLCanvasElement,
    readonly view: View,
    private readonly source: () => Iterable<Drawable>,
  ) {
    this.ctx = canvas.getContext('2d')!;
    view.onChange(() => this.requestFrame());
    for (let i = 0; i < WORKERS; i++) {
      const entry = { worker: new Worker('/tile-worker.js', { type: 'module', name: `tiles-${i}` }), inFlight: 0 };
      entry.worker.onmessage = ({ data }: MessageEvent<FromWorker>) => {
        entry.inFlight--;
        this.painted(data);
      };
      // A failed paint must not hold its tiles back for good: ask again.
      entry.worker.onerror = (event) => {
        console.error('tile painting failed', event.message);
        entry.inFlight = 0;
        for (const tile of this.tiles.values()) if (!tile.current) tile.requested = -1;
        this.requestFrame();
      };
      this.workers.push(entry);
    }
  }

  /** Matches the canvas backing store to its CSS size and the screen's density. */
  resize(): void {
    const ratio = window.devicePixelRatio || 1;
    const { width, height } = this.canvas.getBoundingClientRect();
    this.canvas.width = Math.round(width * ratio);
    this.canvas.height = Math.round(height * ratio);
    this.view.resize(width, height);
  }

  /** The board changed: the next frame looks at the strokes again. */
  invalidate(): void {
    this.contentChanged = true;
    this.requestFrame();
  }

  requestFrame(): void {
    this.frame ||= requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  /** Bounds of everything drawn, or null for an empty board. */
  contentBounds(): Rect | null {
    // Asked right as the board changes (a welcome), possibly before the change is announced.
    this.contentChanged = true;
    this.sync();
    const all = [...this.index.all(), ...this.live];
    if (all.length === 0) return null;
    return all.reduce<Rect>(
      (b, g) => ({ minX: Math.min(b.minX, g.minX), minY: Math.min(b.minY, g.minY), maxX: Math.max(b.maxX, g.maxX), maxY: Math.max(b.maxY, g.maxY) }),
      { minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity },
    );
  }

  /** Ids of the strokes on screen within `radius` of the segment a-b (world units). */
  strokesTouching(a: Point, b: Point, radius: number): string[] {
    const reach = radius + 40;
    const near = this.index.search({ minX: Math.min(a.x, b.x) - reach, minY: Math.min(a.y, b.y) - reach, maxX: Math.max(a.x, b.x) + reach, maxY: Math.max(a.y, b.y) + reach });
    return [...near, ...this.live].filter((g) => g.touches(a, b, radius)).map((g) => g.id);
  }

  /**
   * Paints every stroke meeting `rect` onto `ctx`, whose transform maps world
   * units at `scale` device pixels each: what exports use, with the same
   * painting as the screen.
   */
  paintInto(ctx: CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D, rect: Rect, scale: number): void {
    this.sync();
    const settled = this.index.search(rect).sort((a, b) => a.order - b.order);
    for (const g of settled) {
      g.paint(ctx, scale);
      // An export of the whole board would otherwise keep every stroke's outline.
      g.outline = null;
    }
    for (const g of this.live) if (intersects(g, rect)) g.paint(ctx, scale);
  }

  // ------------------------------------------------------------------------

  /** Brings the index, the worker's copy and the tiles' versions up to date with the board. */
  private sync(): void {
    if (!this.contentChanged) return;
    this.contentChanged = false;
    const generation = ++this.generation;
    const added: StrokeGeometry[] = [];
    const addedStrokes: SettledStroke[] = [];
    const removed: StrokeGeometry[] = [];
    const live: StrokeGeometry[] = [];
    for (const stroke of this.source()) {
      if (stroke.ended && stroke.chunks) {
        let g = this.settled.get(stroke.id);
        if (!g || g.n !== stroke.n) {
          if (g) removed.push(this.unindex(g));
          g = new StrokeGeometry(stroke);
          this.settled.set(stroke.id, g);
          added.push(g);
          const { id, color, w, pr, q, n, chunks } = stroke;
          addedStrokes.push({ id, color, w, pr, q, n, chunks, pos: g.order });
        }
        this.seen.set(stroke.id, generation);
      } else {
        const cached = this.liveCache.get(stroke.id);
        const g = cached && cached.n === stroke.n && cached.ended === stroke.ended ? cached : new StrokeGeometry(stroke, cached);
        this.liveCache.set(stroke.id, g);
        live.push(g);
      }
    }
    for (const g of this.settled.values()) if (this.seen.get(g.id) !== generation) removed.push(this.unindex(g));
    const liveIds = new Set(live.map((g) => g.id));
    for (const id of this.liveCache.keys()) if (!liveIds.has(id)) this.liveCache.delete(id);
    this.live = live;
    if (added.length === 0 && removed.length === 0) return;

    if (added.length > 64) this.index.load(added);
    else for (const g of added) this.index.insert(g);
    const version = ++this.version;
    if (this.firstContent < 0 && this.settled.size > 0) this.firstContent = version;
    this.postAll({ t: 'strokes', version, add: addedStrokes, remove: removed.map((g) => g.id) });
    const now = performance.now();
    for (const tile of this.tiles.values()) {
      if (removed.some((g) => intersects(g, tile.rect))) {
        tile.dirty = version;
        tile.holdUntil = 0;
      } else if (added.some((g) => intersects(g, tile.rect))) {
        if (tile.current) tile.holdUntil = now + REPAINT_AFTER_ADD_MS;
        tile.dirty = version;
      }
    }
    if (added.length > 0) setTimeout(() => this.requestFrame(), REPAINT_AFTER_ADD_MS + 10);
    // Until their tiles are painted again, new strokes are painted over the old pictures.
    if (added.length <= 256) for (const g of added) this.overlay.push({ g, version });
  }

  private unindex(g: StrokeGeometry): StrokeGeometry {
    this.index.remove(g);
    this.settled.delete(g.id);
    this.seen.delete(g.id);
    return g;
  }

  /** Every worker sees every change, in the same order. */
  private postAll(message: ToWorker): void {
    for (const { worker } of this.workers) worker.postMessage(message);
  }

  private painted({ tile: address, version, bitmap }: FromWorker): void {
    const tile = this.tiles.get(tileKey(address.level, address.tx, address.ty));
    if (!tile || version < tile.painted) {
      bitmap.close();
    } else {
      tile.bitmap?.close();
      tile.bitmap = bitmap;
      tile.painted = version;
    }
    this.requestFrame();
  }

  private render(): void {
    const started = performance.now();
    this.sync();
    const ratio = window.devicePixelRatio || 1;
    const view = this.view;
    const scale = view.zoom * ratio;
    const level = levelFor(scale);
    const visible = view.visible();
    const span = TILE / 2 ** level;
    const onScreen: Tile[] = [];
    for (let ty = Math.floor(visible.minY / span); ty * span < visible.maxY; ty++) {
      for (let tx = Math.floor(visible.minX / span); tx * span < visible.maxX; tx++) {
        let tile = this.tiles.get(tileKey(level, tx, ty));
        if (!tile) {
          tile = new Tile(level, tx, ty);
          tile.dirty = this.version;
          this.tiles.set(tile.key, tile);
        }
        tile.used = this.frames;
        onScreen.push(tile);
      }
    }
    this.requestPaints(onScreen);

    const ctx = this.ctx;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    // Bilinear: 'medium' and 'high' cost five times as much per frame in a software canvas, for a scale of at most 2x.
    ctx.imageSmoothingQuality = 'low';
    const waiting = onScreen.filter((t) => !t.bitmap && !this.isEmpty(t));
    if (waiting.length > 0) this.drawFallback(waiting, level, scale);
    for (const tile of onScreen) if (tile.bitmap) this.drawTile(tile, scale);
    ctx.setTransform(scale, 0, 0, scale, -view.x * scale, -view.y * scale);
    // A tile lacks a stroke when it was painted (with ink or found empty) before the stroke settled.
    const lacks = (t: Tile, g: StrokeGeometry, version: number) => t.painted >= 0 && t.painted < version && intersects(g, t.rect);
    this.overlay = this.overlay.filter(({ g, version }) => {
      const keep = this.settled.get(g.id) === g && onScreen.some((t) => lacks(t, g, version));
      if (!keep) g.outline = null;
      return keep;
    });
    for (const { g, version } of this.overlay) {
      // Only over the tiles that lack it: painted twice, a stroke's soft edges would darken.
      for (const t of onScreen) {
        if (!lacks(t, g, version)) continue;
        ctx.save();
        ctx.beginPath();
        ctx.rect(t.rect.minX, t.rect.minY, t.rect.maxX - t.rect.minX, t.rect.maxY - t.rect.minY);
        ctx.clip();
        g.paint(ctx, scale);
        ctx.restore();
      }
    }
    for (const g of this.live) if (intersects(g, visible)) g.paint(ctx, scale);

    this.evictTiles(onScreen.length);
    this.frames++;
    if (this.firstContent >= 0) {
      if (!this.inked.first && onScreen.some((t) => t.bitmap && t.painted >= this.firstContent)) this.inked.first = performance.now();
      if (!this.inked.complete && onScreen.every((t) => t.current)) this.inked.complete = performance.now();
    }
    this.onFrame?.(performance.now() - started, onScreen.filter((t) => !t.bitmap && !this.isEmpty(t)).length);
  }

  /** Tiles with no stroke on them need no painting. */
  private isEmpty(tile: Tile): boolean {
    return !this.index.collides(tile.rect);
  }

  /** Asks the least busy worker for each visible tile that is out of date, a few at a time. */
  private requestPaints(onScreen: Tile[]): void {
    const now = performance.now();
    for (const tile of onScreen) {
      if (!tile.wanted(now)) continue;
      const idle = this.workers.reduce((a, b) => (b.inFlight < a.inFlight ? b : a));
      if (idle.inFlight >= IN_FLIGHT) return;
      if (this.isEmpty(tile)) {
        tile.dispose();
        tile.painted = this.version;
        continue;
      }
      tile.requested = this.version;
      idle.inFlight++;
      idle.worker.postMessage({ t: 'paint', tile: { level: tile.level, tx: tile.tx, ty: tile.ty }, version: this.version } satisfies ToWorker);
    }
  }

  /** Where tiles of the level on screen are still being painted, other levels stand in, scaled. */
  private drawFallback(waiting: Tile[], level: number, scale: number): void {
    const others = [...this.tiles.values()].filter((t) => t.level !== level && t.bitmap && waiting.some((w) => intersects(t.rect, w.rect)));
    if (others.length === 0) return;
    others.sort((a, b) => Math.abs(b.level - level) - Math.abs(a.level - level));
    // Only there: under tiles already painted, their transparent parts would show a second, blurred copy.
    const ctx = this.ctx;
    ctx.save();
    ctx.beginPath();
    for (const w of waiting) {
      const [left, top, right, bottom] = this.onScreenRect(w.rect, scale);
      ctx.rect(left, top, right - left, bottom - top);
    }
    ctx.clip();
    for (const tile of others) this.drawTile(tile, scale);
    ctx.restore();
  }

  /** A world rectangle in whole device pixels, so neighbouring tiles meet without seams. */
  private onScreenRect(rect: Rect, scale: number): [number, number, number, number] {
    const view = this.view;
    return [
      Math.round((rect.minX - view.x) * scale),
      Math.round((rect.minY - view.y) * scale),
      Math.round((rect.maxX - view.x) * scale),
      Math.round((rect.maxY - view.y) * scale),
    ];
  }

  private drawTile(tile: Tile, scale: number): void {
    const [left, top, right, bottom] = this.onScreenRect(tile.rect, scale);
    this.ctx.drawImage(tile.bitmap!, left, top, right - left, bottom - top);
  }

  /** Keeps a few screens' worth of tiles; the least recently shown go first. */
  private evictTiles(visibleCount: number): void {
    const keep = Math.max(24, visibleCount * 4);
    if (this.tiles.size <= keep) return;
    const byAge = [...this.tiles.values()].sort((a, b) => a.used - b.used);
    for (const tile of byAge.slice(0, this.tiles.size - keep)) {
      if (tile.used >= this.frames) continue;
      tile.dispose();
      this.tiles.delete(tile.key);
    }
  }
}
