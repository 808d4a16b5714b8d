/**
 * Raster tiles of the settled items (ink and elements). A tile is 512 device pixels square
 * at a zoom level (a power of two of device pixels per world unit); the
 * screen copies the tiles of the level nearest its zoom, scaled a little.
 * Tiles are painted off the main thread (tile-worker.ts), so however big
 * the board, a frame on the main thread only copies bitmaps.
 */
import type { Matrix } from '../../server/board/elements.ts';
import type { ShapeLook } from '../../server/board/outline.ts';
import type { Stacking } from './shape-geometry.ts';
import type { Rect } from './view.ts';

export const TILE = 512;
/** Changes a tile keeps apart before it is painted whole again. */
const MAX_CHANGES = 32;

export type TileAddress = { level: number; tx: number; ty: number };

/** The main thread's record of a tile: the last bitmap painted and how current it is. */
export class Tile implements TileAddress {
  readonly key: string;
  readonly rect: Rect;
  bitmap: ImageBitmap | null = null;
  /** Board version the bitmap shows, and the latest version that changed anything on it. */
  painted = -1;
  dirty = 0;
  /** Version of the paint request on its way, if any. */
  requested = -1;
  /** Not repainted before this time (performance.now()): see Renderer's REPAINT_AFTER_ADD_MS. */
  holdUntil = 0;
  used = 0;
  /** The worker that painted the bitmap: it keeps the pixels, so it can repaint only what changed. */
  painter = -1;
  /**
   * The board rectangles that changed on this tile since its bitmap, with
   * the version that changed each; null when the whole tile must be painted.
   */
  changes: { rect: Rect; version: number }[] | null = null;

  /** Notes a change at `version` within `rect`; too many and the tile is painted whole. */
  changed(rect: Rect, version: number): void {
    this.dirty = version;
    if (!this.bitmap || this.changes === null) return;
    if (this.changes.length >= MAX_CHANGES) this.changes = null;
    else this.changes.push({ rect, version });
  }

  /** A bitmap as of `version` arrived: what changed after it is still to paint. */
  showing(bitmap: ImageBitmap, version: number, painter: number): void {
    this.bitmap?.close();
    this.bitmap = bitmap;
    this.painted = version;
    this.painter = painter;
    this.changes = this.changes?.filter((c) => c.version > version) ?? (this.current ? [] : null);
  }

  /** What to ask a worker for: the parts changed since the bitmap, or null for all of it. */
  repaint(): Rect[] | null {
    return this.bitmap && this.changes ? this.changes.map((c) => c.rect) : null;
  }

  constructor(
    readonly level: number,
    readonly tx: number,
    readonly ty: number,
  ) {
    this.key = tileKey(level, tx, ty);
    this.rect = tileRect(this);
  }

  get current(): boolean {
    return this.painted >= this.dirty;
  }

  /** Whether to ask for a painting: out of date, none on its way that would do, and not held. */
  wanted(now: number): boolean {
    return !this.current && this.requested < this.dirty && (!this.bitmap || now >= this.holdUntil);
  }

  dispose(): void {
    this.bitmap?.close();
    this.bitmap = null;
    this.painter = -1;
    this.changes = null;
  }
}

export function tileKey(level: number, tx: number, ty: number): string {
  return `${level}/${tx}/${ty}`;
}

/** The world rectangle a tile covers. */
export function tileRect({ level, tx, ty }: TileAddress): Rect {
  const size = TILE / 2 ** level;
  return { minX: tx * size, minY: ty * size, maxX: (tx + 1) * size, maxY: (ty + 1) * size };
}

/**
 * The level whose tiles are drawn at `deviceScale` device pixels per world
 * unit: at 100% and closer, the level at or above (tiles shrink by at most
 * half, never blur); zoomed out, the nearest (a tile may grow by up to 41%,
 * which costs little sharpness on a board seen from afar and halves the
 * pixels to paint).
 */
export function levelFor(deviceScale: number): number {
  const exact = Math.log2(deviceScale);
  const level = exact >= 0 ? Math.ceil(exact - 1e-9) : Math.round(exact);
  return Math.max(-7, Math.min(4, level));
}

/** The smallest rectangle holding all of `items` (inverted, infinite, for none). */
export function unionOf(items: readonly Rect[]): Rect {
  const r = { minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity };
  for (const g of items) {
    if (g.minX < r.minX) r.minX = g.minX;
    if (g.minY < r.minY) r.minY = g.minY;
    if (g.maxX > r.maxX) r.maxX = g.maxX;
    if (g.maxY > r.maxY) r.maxY = g.maxY;
  }
  return r;
}

export function intersects(a: Rect, b: Rect): boolean {
  return a.minX <= b.maxX && a.maxX >= b.minX && a.minY <= b.maxY && a.maxY >= b.minY;
}

// ---------------------------------------------------------------------------
// Messages between the page and the tile worker.

/** Settled ink as the worker needs it (its points still encoded: the worker decodes them). */
export type SettledInk = { kind: 'ink'; id: string; color: string; w: number; pr: boolean; q?: number; n: number; chunks: string[]; m?: Matrix } & Stacking;
/** A settled element: its look with line ends already resolved, so the worker needs no other element to draw it. */
export type SettledShape = { kind: 'shape'; id: string; look: ShapeLook } & Stacking;
export type SettledItem = SettledInk | SettledShape;

export type ToWorker =
  /** Items settled or changed (`add`, replacing any of the same id) and gone (`remove`), as of `version`. */
  | { t: 'items'; version: number; add: SettledItem[]; remove: string[] }
  /**
   * Paint a tile as of `version`. With `only`: the bitmap of it this worker
   * painted at version `since` is on screen, and only these board
   * rectangles changed since (the worker paints the whole tile if it no
   * longer has those pixels).
   */
  | { t: 'paint'; tile: TileAddress; version: number; only?: { since: number; rects: Rect[] } };

/**
 * A tile painted (`partly` when only the parts changed since the bitmap on
 * screen were painted again), or a picture in (pictures.ts): tiles that
 * showed its placeholder are to be painted again.
 */
export type FromWorker = { t: 'painted'; tile: TileAddress; version: number; bitmap: ImageBitmap; partly: boolean } | { t: 'picture'; hash: string };
