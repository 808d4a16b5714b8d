/**
 * Puts the board on a canvas through a View. Settled strokes (confirmed and
 * ended) live in a spatial index and are painted into raster tiles
 * (tiles.ts); a frame copies the visible tiles and paints only the strokes
 * still growing on top. So a frame costs about the same on a board of ten
 * strokes as on one of a million points, and the eraser tests only the
 * strokes near it.
 */
import RBush from 'rbush';
import type { Point } from '../../server/protocol/points.ts';
import { StrokeGeometry, type Drawable } from './stroke-geometry.ts';
import { intersects, levelFor, Tile, TILE, type TileSource } from './tiles.ts';
import type { Rect, View } from './view.ts';

export type { Drawable } from './stroke-geometry.ts';

/** Time a frame may spend painting tiles; the rest of 16 ms is for copying them and the live strokes. */
const TILE_BUDGET_MS = 8;
/** Outline points kept across strokes (~40 bytes each); beyond, the least recently painted are rebuilt when needed. */
const OUTLINE_POINTS_KEPT = 3_000_000;

export type FrameListener = (ms: number) => void;

export class Renderer implements TileSource {
  private readonly ctx: CanvasRenderingContext2D;
  private readonly index = new RBush<StrokeGeometry>();
  private readonly settled = new Map<string, StrokeGeometry>();
  private readonly seen = new Map<string, number>();
  private live: StrokeGeometry[] = [];
  private readonly liveCache = new Map<string, StrokeGeometry>();
  private readonly tiles = new Map<string, Tile>();
  private readonly outlines = new Set<StrokeGeometry>();
  private outlinePoints = 0;
  private generation = 0;
  private contentChanged = true;
  private frame = 0;
  private frames = 0;
  /** Called after each frame with the time it took (tests and the benchmark read it). */
  onFrame: FrameListener | null = null;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    readonly view: View,
    private readonly source: () => Iterable<Drawable>,
  ) {
    this.ctx = canvas.getContext('2d')!;
    view.onChange(() => this.requestFrame());
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
    for (const g of [...this.strokesIn(rect), ...this.live.filter((g) => intersects(g, rect))]) g.paint(ctx, scale);
  }

  // TileSource -------------------------------------------------------------

  strokesIn(rect: Rect): StrokeGeometry[] {
    return this.index.search(rect).sort((a, b) => a.order - b.order);
  }

  outlined(stroke: StrokeGeometry): void {
    if (this.outlines.delete(stroke)) this.outlines.add(stroke);
    else {
      this.outlines.add(stroke);
      this.outlinePoints += stroke.outlineSize;
    }
    for (const oldest of this.outlines) {
      if (this.outlinePoints <= OUTLINE_POINTS_KEPT || oldest === stroke) break;
      this.forgetOutline(oldest);
    }
  }

  // ------------------------------------------------------------------------

  private forgetOutline(stroke: StrokeGeometry): void {
    if (!this.outlines.delete(stroke)) return;
    this.outlinePoints -= stroke.outlineSize;
    stroke.outline = null;
  }

  /** Brings the index and the tiles up to date with the board. */
  private sync(): void {
    if (!this.contentChanged) return;
    this.contentChanged = false;
    const generation = ++this.generation;
    const added: StrokeGeometry[] = [];
    const changed: Rect[] = [];
    const live: StrokeGeometry[] = [];
    for (const stroke of this.source()) {
      if (stroke.ended && stroke.chunks) {
        let g = this.settled.get(stroke.id);
        if (!g || g.n !== stroke.n) {
          if (g) changed.push(this.unindex(g));
          g = new StrokeGeometry(stroke);
          this.settled.set(stroke.id, g);
          this.index.insert(g);
          added.push(g);
        }
        this.seen.set(stroke.id, generation);
      } else {
        const cached = this.liveCache.get(stroke.id);
        const g = cached && cached.n === stroke.n && cached.ended === stroke.ended ? cached : new StrokeGeometry(stroke, cached);
        this.liveCache.set(stroke.id, g);
        live.push(g);
      }
    }
    for (const g of this.settled.values()) if (this.seen.get(g.id) !== generation) changed.push(this.unindex(g));
    const liveIds = new Set(live.map((g) => g.id));
    for (const id of this.liveCache.keys()) if (!liveIds.has(id)) this.liveCache.delete(id);
    this.live = live;
    // Strokes gone (undo, erase) repaint their tiles; new ones go on top where they can.
    const repaint = new Set<Tile>();
    for (const tile of this.tiles.values()) {
      const rect = tile.rect;
      if (changed.some((r) => intersects(r, rect))) repaint.add(tile);
      else for (const g of added) if (intersects(g, rect) && !tile.paintOnTop(g, this)) repaint.add(tile);
    }
    for (const tile of repaint) tile.restart(this);
  }

  private unindex(g: StrokeGeometry): Rect {
    this.index.remove(g);
    this.settled.delete(g.id);
    this.seen.delete(g.id);
    this.forgetOutline(g);
    return g;
  }

  private render(): void {
    const started = performance.now();
    this.sync();
    const ratio = window.devicePixelRatio || 1;
    const view = this.view;
    const scale = view.zoom * ratio;
    const level = levelFor(scale);
    const tileScale = 2 ** level;
    const visible = view.visible();
    const span = TILE / tileScale;
    const onScreen: Tile[] = [];
    for (let ty = Math.floor(visible.minY / span); ty * span < visible.maxY; ty++) {
      for (let tx = Math.floor(visible.minX / span); tx * span < visible.maxX; tx++) {
        let tile = this.tiles.get(`${level}/${tx}/${ty}`);
        if (!tile) {
          tile = new Tile(level, tx, ty);
          tile.restart(this);
          this.tiles.set(tile.key, tile);
        }
        tile.used = this.frames;
        onScreen.push(tile);
      }
    }
    // Paint what is missing on screen first, within the budget.
    const deadline = started + TILE_BUDGET_MS;
    for (const tile of onScreen) if (!tile.complete && performance.now() < deadline) tile.work(this, deadline);

    const ctx = this.ctx;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    ctx.imageSmoothingQuality = 'medium';
    if (onScreen.some((t) => !t.complete)) this.drawFallback(visible, level, scale);
    for (const tile of onScreen) if (tile.shown) this.drawTile(tile, scale);
    ctx.setTransform(scale, 0, 0, scale, -view.x * scale, -view.y * scale);
    for (const g of this.live) if (intersects(g, visible)) g.paint(ctx, scale);

    this.evictTiles(onScreen.length);
    this.frames++;
    if (onScreen.some((t) => !t.complete)) this.requestFrame();
    this.onFrame?.(performance.now() - started);
  }

  /** While the level on screen is still being painted, other levels stand in, scaled. */
  private drawFallback(visible: Rect, level: number, scale: number): void {
    const others = [...this.tiles.values()].filter((t) => t.level !== level && t.complete && intersects(t.rect, visible));
    others.sort((a, b) => Math.abs(b.level - level) - Math.abs(a.level - level));
    for (const tile of others) this.drawTile(tile, scale);
  }

  private drawTile(tile: Tile, scale: number): void {
    const view = this.view;
    const rect = tile.rect;
    // Whole device pixels, so neighbouring tiles meet without seams.
    const left = Math.round((rect.minX - view.x) * scale);
    const top = Math.round((rect.minY - view.y) * scale);
    const right = Math.round((rect.maxX - view.x) * scale);
    const bottom = Math.round((rect.maxY - view.y) * scale);
    this.ctx.drawImage(tile.shown!, left, top, right - left, bottom - top);
  }

  /** Keeps a few screens' worth of tiles; the least recently shown go first. */
  private evictTiles(visibleCount: number): void {
    const keep = Math.max(24, visibleCount * 4);
    if (this.tiles.size <= keep) return;
    const byAge = [...this.tiles.values()].sort((a, b) => a.used - b.used);
    for (const tile of byAge.slice(0, this.tiles.size - keep)) if (tile.used < this.frames) this.tiles.delete(tile.key);
  }
}
