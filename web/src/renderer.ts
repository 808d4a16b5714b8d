/**
 * Puts the board on a canvas through a View. Settled items (ink that has
 * ended, elements at rest: see scene-index.ts) are painted into raster
 * tiles by workers (tile-worker.ts), back to front, ink and elements
 * interleaved as stacked; a frame copies the visible tiles and paints on
 * top only the live items (ink still growing, elements being moved) and
 * those settled since their tiles were painted. So a frame costs about the
 * same on a board of ten strokes as on one of a million points. The page
 * keeps its own spatial index of the items too, for the select tool, the
 * eraser, the drawing's bounds and exports.
 */
import type { Matrix } from '../../server/board/elements.ts';
import { byStack } from '../../server/board/state.ts';
import type { Point } from '../../server/protocol/points.ts';
import { loadBoardFont } from './fonts.ts';
import { MovingLayer } from './moving-layer.ts';
import { onPicture } from './pictures.ts';
import { ShapeGeometry } from './shape-geometry.ts';
import { SceneIndex, type Geometry } from './scene-index.ts';
import type { Scene } from './scene.ts';
import { intersects, levelFor, Tile, TILE, tileKey, unionOf, type FromWorker } from './tiles.ts';
import { TileWorkers } from './tile-workers.ts';
import type { Rect, View } from './view.ts';

export type { Drawable } from './stroke-geometry.ts';
export type { Scene, SceneItem } from './scene.ts';

/**
 * A tile that only gained items waits this long before it is painted
 * again: the new items are painted over it meanwhile, and while people
 * draw, one repaint then covers many strokes instead of one each. A tile
 * that lost an item (undo, eraser, an element starting to move) is
 * repainted at once.
 */
const REPAINT_AFTER_ADD_MS = 500;

/** A frame's own time (ms) and how many visible tiles with ink it showed not yet painted at this zoom (a scaled stand-in instead). */
export type FrameListener = (ms: number, behind: number) => void;

export class Renderer {
  private readonly ctx: CanvasRenderingContext2D;
  private readonly items: SceneIndex;
  private readonly tiles = new Map<string, Tile>();
  /** Items settled since some tiles under them were painted, with the version that added them. */
  private overlay: { g: Geometry; version: number }[] = [];
  readonly workers: TileWorkers;
  /** The tiles the last frame showed. */
  private onScreen: Tile[] = [];
  /** Live items moving together (a drag), painted once and moved as a picture. */
  readonly moving = new MovingLayer();
  /** Counts changes to the settled items; tiles record the version they show. */
  private version = 0;
  private contentChanged = true;
  private frame = 0;
  private frames = 0;
  private settleTimer = 0;
  /** Version at which the board first had settled items. */
  private firstContent = -1;
  /** Called after each frame with the time it took (tests and the benchmark read it). */
  onFrame: FrameListener | null = null;
  /**
   * When (performance.now()) the screen first showed settled ink, and when
   * it first showed all of it: what the benchmark reports as a page inked;
   * and when a tile worker last had a picture it had painted as a
   * placeholder (the pictures follow the ink).
   */
  readonly inked = { first: 0, complete: 0, pictures: 0 };

  /**
   * `scene` is everything drawn, ink and elements (scene.ts); the renderer
   * reads what changed (all of it, if the scene cannot say) on the frame
   * after each invalidate().
   */
  constructor(
    private readonly canvas: HTMLCanvasElement,
    readonly view: View,
    scene: Scene,
  ) {
    this.ctx = canvas.getContext('2d')!;
    this.items = new SceneIndex(scene);
    view.onChange(() => this.requestFrame());
    // Live text is painted by this page: again once the board font is in (the workers load it for themselves).
    loadBoardFont().then(
      () => this.requestFrame(),
      (error: unknown) => console.error('the board font did not load', error),
    );
    this.workers = new TileWorkers(
      (message, painter) => this.painted(message, painter),
      () => {
        for (const tile of this.tiles.values()) if (!tile.current) tile.requested = -1;
        this.requestFrame();
      },
      (hash) => this.pictureIn(hash),
    );
    // Live images are painted by this page, from its own pictures.
    onPicture(() => this.requestFrame());
  }

  /** The pictures of the images drawn, at the size a painting at `scale` draws them (an export waits for them). */
  picturesAt(scale: number): { hash: string; px: number; wide: boolean }[] {
    this.sync();
    const out: { hash: string; px: number; wide: boolean }[] = [];
    for (const g of [...this.items.settled.values(), ...this.items.live]) {
      if (!(g instanceof ShapeGeometry) || !g.look.file) continue;
      const [a, b, c, d] = g.look.m;
      out.push({ hash: g.look.file, px: Math.max(g.look.w, g.look.h) * scale * Math.sqrt(Math.abs(a * d - b * c)), wide: g.look.w >= g.look.h });
    }
    return out;
  }

  /**
   * A worker has a picture it painted as a placeholder: the tiles showing
   * an image of that file are painted again, as of a new version every
   * worker is told of (they report the version they painted).
   */
  private pictureIn(hash: string): void {
    this.inked.pictures = performance.now();
    const rects: Rect[] = [];
    for (const g of this.items.settled.values()) if (g instanceof ShapeGeometry && g.look.file === hash) rects.push(g);
    if (rects.length === 0) return;
    const version = ++this.version;
    this.workers.postAll({ t: 'items', version, add: [], remove: [] });
    for (const tile of this.tiles.values()) {
      const changed = unionMeeting(rects, tile.rect);
      if (!changed) continue;
      tile.changed(changed, version);
      tile.holdUntil = 0;
    }
    this.requestFrame();
  }

  /** Matches the canvas backing store to its CSS size and the screen's density. */
  /** Fits the canvas to its box; says whether anything changed (setting a canvas's size clears it, even to the same size). */
  resize(): boolean {
    const ratio = window.devicePixelRatio || 1;
    const { width, height } = this.canvas.getBoundingClientRect();
    const [w, h] = [Math.round(width * ratio), Math.round(height * ratio)];
    if (w === this.canvas.width && h === this.canvas.height && width === this.view.width && height === this.view.height) return false;
    this.canvas.width = w;
    this.canvas.height = h;
    this.view.resize(width, height);
    return true;
  }

  /** The board changed: the next frame reads the scene again. */
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

  // ------------------------------------------------------------------------
  // What is where: for the select tool, the eraser, the marquee and exports.
  // All in board units; each reads the scene first if it changed.

  /** Bounds of everything drawn (ink with its pen's reach, elements with their strokes), or null for an empty board. */
  contentBounds(): Rect | null {
    // Asked right as the board changes (a welcome), possibly before the change is announced.
    this.contentChanged = true;
    this.sync();
    return this.items.contentBounds();
  }

  /**
   * Ids of the items under a point, topmost first: elements when the point
   * is inside a filled shape, a note or a text box, or within `radius` of
   * an outline or a line (half its stroke counted); ink within `radius` of
   * the stroke as drawn, under its matrix.
   */
  itemsAt(point: { x: number; y: number }, radius: number): string[] {
    this.sync();
    return this.items.itemsAt(point, radius);
  }

  /** Ids of the items entirely inside a rectangle (ink: its points; elements: all they draw), back to front. */
  itemsIn(rect: Rect): string[] {
    this.sync();
    return this.items.itemsIn(rect);
  }

  /** Ids of the items within `radius` of the segment a-b (the eraser's path), ink and elements, topmost first. */
  itemsTouching(a: Point, b: Point, radius: number): string[] {
    this.sync();
    return this.items.itemsTouching(a, b, radius);
  }

  /**
   * An item's box in its own units and the matrix placing it, as drawn
   * now: a box element's (0, 0)-(w, h) (text and notes as tall as their
   * text), a line's ends' bounds in its own units, ink's points' bounds.
   * The frame of a selection is the box's corners mapped by m. Null for an
   * id not drawn.
   */
  placementOf(id: string): { m: Matrix; w: number; h: number } | null {
    this.sync();
    return this.items.placementOf(id);
  }

  /** An item's bounds on the board, all it paints included, or null for an id not drawn. */
  boundsOf(id: string): Rect | null {
    this.sync();
    return this.items.boundsOf(id);
  }

  /**
   * Paints every item meeting `rect` onto `ctx`, whose transform maps world
   * units at `scale` device pixels each, back to front: what exports use,
   * with the same painting as the screen. Text is drawn in the board font
   * once loaded: await loadBoardFont() first.
   */
  paintInto(ctx: CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D, rect: Rect, scale: number): void {
    this.sync();
    // Live items take their place in the stack here: a picture has no "on top for now".
    const all = [...this.items.index.search(rect), ...this.items.live.filter((g) => intersects(g, rect))].sort(byStack);
    for (const g of all) {
      g.paint(ctx, scale);
      // An export of the whole board would otherwise keep every stroke's outline.
      if (this.items.settled.get(g.id) === g && 'outline' in g) g.outline = null;
    }
  }

  // ------------------------------------------------------------------------

  /** Brings the index, the worker's copy and the tiles' versions up to date with the board. */
  private sync(): void {
    if (!this.contentChanged) return;
    this.contentChanged = false;
    const { added, removed, settleIn } = this.items.update(performance.now());
    // Items live since a change settle once left alone: look again then.
    if (settleIn !== null) {
      clearTimeout(this.settleTimer);
      this.settleTimer = window.setTimeout(() => this.invalidate(), settleIn + 10);
    }
    if (added.length === 0 && removed.length === 0) return;

    const version = ++this.version;
    if (this.firstContent < 0 && this.items.settled.size > 0) this.firstContent = version;
    this.workers.postAll({ t: 'items', version, add: added.map(({ item }) => item), remove: removed.map((g) => g.id) });
    const now = performance.now();
    const come = added.map(({ g }) => g);
    for (const tile of this.tiles.values()) {
      const gone = unionMeeting(removed, tile.rect);
      const comes = unionMeeting(come, tile.rect);
      if (gone) tile.holdUntil = 0;
      else if (comes && tile.current) tile.holdUntil = now + REPAINT_AFTER_ADD_MS;
      const changed = gone && comes ? unionOf([gone, comes]) : (gone ?? comes);
      if (changed) tile.changed(changed, version);
    }
    if (added.length > 0) setTimeout(() => this.requestFrame(), REPAINT_AFTER_ADD_MS + 10);
    // Until their tiles are painted again, new items are painted over the old pictures.
    if (added.length <= 256) for (const { g } of added) this.overlay.push({ g, version });
  }

  private painted({ tile: address, version, bitmap }: Extract<FromWorker, { t: 'painted' }>, painter: number): void {
    const tile = this.tiles.get(tileKey(address.level, address.tx, address.ty));
    if (!tile || version < tile.painted) bitmap.close();
    else tile.showing(bitmap, version, painter);
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
    this.onScreen = onScreen;
    // A drag of many elements: the page's thread needs its core more than the tiles need a second worker.
    this.workers.quiet = this.moving.active;
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
    const lacks = (t: Tile, g: Geometry, version: number) => t.painted >= 0 && t.painted < version && intersects(g, t.rect);
    this.overlay = this.overlay.filter(({ g, version }) => {
      const keep = this.items.settled.get(g.id) === g && onScreen.some((t) => lacks(t, g, version));
      if (!keep && 'outline' in g) g.outline = null;
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
    this.moving.paint(ctx, this.items.live, visible, scale, (id) => this.items.atRest(id));

    this.evictTiles(onScreen.length);
    this.frames++;
    if (this.firstContent >= 0) {
      if (!this.inked.first && onScreen.some((t) => t.bitmap && t.painted >= this.firstContent)) this.inked.first = performance.now();
      if (!this.inked.complete && onScreen.every((t) => t.current)) this.inked.complete = performance.now();
    }
    this.onFrame?.(performance.now() - started, onScreen.filter((t) => !t.bitmap && !this.isEmpty(t)).length);
  }

  /** Whether the screen shows the board from its tiles alone: every tile in view painted as of now, nothing live or painted over them (tests wait for this). */
  settledOnScreen(): boolean {
    return !this.contentChanged && this.items.live.length === 0 && this.overlay.length === 0 && this.onScreen.length > 0 && this.onScreen.every((t) => t.current);
  }

  /** Tiles with nothing settled on them need no painting. */
  private isEmpty(tile: Tile): boolean {
    return !this.items.index.collides(tile.rect);
  }

  /** Asks the least busy worker for each visible tile that is out of date, a few at a time. */
  private requestPaints(onScreen: Tile[]): void {
    const now = performance.now();
    for (const tile of onScreen) {
      if (!tile.wanted(now)) continue;
      if (!this.workers.idle) return;
      if (this.isEmpty(tile)) {
        tile.dispose();
        tile.painted = this.version;
        continue;
      }
      tile.requested = this.version;
      // Only what changed, by the worker that has the rest of the tile's pixels.
      const rects = tile.repaint();
      this.workers.paint(tile, this.version, rects ? { painter: tile.painter, since: tile.painted, rects } : null);
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

/** The union of the rectangles meeting `rect`, or null if none does. */
function unionMeeting(items: readonly Rect[], rect: Rect): Rect | null {
  const meeting = items.filter((g) => intersects(g, rect));
  return meeting.length > 0 ? unionOf(meeting) : null;
}
