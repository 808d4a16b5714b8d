/**
 * Settled strokes, painted once into raster tiles and then only copied to
 * the screen. A tile is 512 device pixels square at a zoom level (a power of
 * two of device pixels per world unit); the screen draws the level at or
 * above its zoom, scaled down by at most half. Tiles are painted a few
 * strokes at a time within a frame budget, so a huge board inks
 * progressively instead of freezing the page, and kept in a bounded LRU.
 */
import type { StrokeGeometry } from './stroke-geometry.ts';
import type { Rect } from './view.ts';

export const TILE = 512;

export type TileSource = {
  /** Settled strokes whose bounds meet `rect`, in drawing order. */
  strokesIn(rect: Rect): StrokeGeometry[];
  /** A stroke was painted with its outline (the renderer bounds how many it keeps). */
  outlined(stroke: StrokeGeometry): void;
};

export class Tile {
  readonly key: string;
  /** The canvas being painted. */
  canvas: OffscreenCanvas;
  /** What the screen shows: the last complete painting, or the first one as it progresses. */
  shown: OffscreenCanvas | null = null;
  /** Strokes left to paint, in order; null when complete. */
  queue: StrokeGeometry[] | null = null;
  next = 0;
  /** Drawing order of the last stroke painted, so a newer one can be painted on top. */
  top = -1;
  used = 0;

  constructor(
    readonly level: number,
    readonly tx: number,
    readonly ty: number,
  ) {
    this.key = `${level}/${tx}/${ty}`;
    this.canvas = new OffscreenCanvas(TILE, TILE);
  }

  get scale(): number {
    return 2 ** this.level;
  }

  /** The world rectangle the tile covers. */
  get rect(): Rect {
    const size = TILE / this.scale;
    return { minX: this.tx * size, minY: this.ty * size, maxX: (this.tx + 1) * size, maxY: (this.ty + 1) * size };
  }

  get complete(): boolean {
    return this.queue === null;
  }

  /** Starts painting from scratch (the screen keeps the old picture until done). */
  restart(source: TileSource): void {
    if (this.shown === this.canvas) this.canvas = new OffscreenCanvas(TILE, TILE);
    this.queue = source.strokesIn(this.rect);
    this.next = 0;
    this.top = -1;
    const ctx = this.context();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, TILE, TILE);
    this.shown ??= this.canvas;
  }

  /** Paints queued strokes until `deadline`; true once complete. */
  work(source: TileSource, deadline: number): boolean {
    if (!this.queue) return true;
    const ctx = this.context();
    const scale = this.scale;
    ctx.setTransform(scale, 0, 0, scale, -this.tx * TILE, -this.ty * TILE);
    while (this.next < this.queue.length) {
      const stroke = this.queue[this.next++]!;
      stroke.paint(ctx, scale);
      if (stroke.outline) source.outlined(stroke);
      this.top = Math.max(this.top, stroke.order);
      if (this.next % 16 === 0 && performance.now() > deadline) return false;
    }
    this.queue = null;
    this.shown = this.canvas;
    return true;
  }

  /** A stroke newer than everything painted goes on top without repainting the rest. */
  paintOnTop(stroke: StrokeGeometry, source: TileSource): boolean {
    if (!this.complete || stroke.order <= this.top) return false;
    const ctx = this.context();
    ctx.setTransform(this.scale, 0, 0, this.scale, -this.tx * TILE, -this.ty * TILE);
    stroke.paint(ctx, this.scale);
    if (stroke.outline) source.outlined(stroke);
    this.top = stroke.order;
    return true;
  }

  private context(): OffscreenCanvasRenderingContext2D {
    return this.canvas.getContext('2d')!;
  }
}

/** The level whose tiles are drawn at `deviceScale` device pixels per world unit. */
export function levelFor(deviceScale: number): number {
  return Math.max(-7, Math.min(4, Math.ceil(Math.log2(deviceScale) - 1e-9)));
}

export function intersects(a: Rect, b: Rect): boolean {
  return a.minX <= b.maxX && a.maxX >= b.minX && a.minY <= b.maxY && a.maxY >= b.minY;
}
