/**
 * Live items that move together, painted once and then moved as a picture.
 *
 * A drag of 500 elements changes all of them every frame, but only by the
 * same translation: painting them into a bitmap once and drawing that
 * bitmap where they are now costs one copy a frame instead of 500 shapes
 * and their text. Each frame checks that every item in the picture is the
 * one it painted moved by one common offset (a recolour, a resize, a
 * rotation or an item leaving paints it again). An item that does not
 * move with the others (a line stretching to an element left in place) is
 * left out of the picture and painted every frame on top; the first
 * picture already leaves out those that moved otherwise than the rest
 * since they were last at rest, so a drag paints one picture, not one per
 * line found stretching.
 */
import type { Geometry } from './scene-index.ts';
import { ShapeGeometry } from './shape-geometry.ts';
import { StrokeGeometry } from './stroke-geometry.ts';
import { intersects, unionOf } from './tiles.ts';
import type { Rect } from './view.ts';

/** Below this many items, painting them is as cheap as keeping a picture. */
const MIN_ITEMS = 16;
/** How far beyond the view the picture reaches, as a share of the view, so that a drag stays within it. */
const MARGIN = 0.5;
/** A bigger picture than this (device pixels a side) is not worth its memory. */
const MAX_SIDE = 4096;

type Picture = { canvas: OffscreenCanvas; items: Geometry[]; scale: number; rect: Rect };
/** How a live item was drawn when it was last at rest, if it was. */
export type AtRest = (id: string) => Geometry | undefined;

export class MovingLayer {
  private picture: Picture | null = null;
  /** Live items that did not move with the others (a line stretching to an element left in place): painted each frame. */
  private loose = new Set<string>();
  /** Pictures painted, for tests: a drag paints once, not once a frame. */
  painted = 0;

  /** Whether many items are moving together (a drag of a selection) and drawn as a picture. */
  get active(): boolean {
    return this.picture !== null;
  }

  /**
   * Paints `live` (back to front) that meets `visible` onto `ctx`, whose
   * transform maps world units to `scale` device pixels, offset by the view.
   */
  paint(ctx: CanvasRenderingContext2D, live: readonly Geometry[], visible: Rect, scale: number, atRest: AtRest = () => undefined): void {
    if (this.loose.size > 0) {
      const liveIds = new Set(live.map((g) => g.id));
      for (const id of this.loose) if (!liveIds.has(id)) this.loose.delete(id);
    }
    let members = live.filter((g) => !this.loose.has(g.id));
    if (members.length < MIN_ITEMS) {
      this.picture = null;
      for (const g of live) if (intersects(g, visible)) g.paint(ctx, scale);
      return;
    }
    let offset = this.offsetOf(members, visible, scale);
    if (!offset) {
      if (!this.picture) this.looseSinceRest(members, atRest);
      members = members.filter((g) => !this.loose.has(g.id));
      offset = this.repaint(members, visible, scale);
    }
    if (offset) {
      const { canvas, rect } = this.picture!;
      // Whole device pixels: a picture drawn between pixels is blurred by resampling.
      const m = ctx.getTransform();
      ctx.save();
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.drawImage(canvas, Math.round((rect.minX + offset[0]) * m.a + m.e), Math.round((rect.minY + offset[1]) * m.d + m.f));
      ctx.restore();
    }
    const inPicture = offset ? new Set(members.map((g) => g.id)) : null;
    for (const g of live) if (!inPicture?.has(g.id) && intersects(g, visible)) g.paint(ctx, scale);
  }

  /**
   * How far the items moved since the picture was painted, if it shows
   * them all, each moved by the same offset, and covers what is in view.
   * Items that moved otherwise are marked loose.
   */
  private offsetOf(items: readonly Geometry[], visible: Rect, scale: number): [number, number] | null {
    const picture = this.picture;
    if (!picture || picture.scale !== scale || picture.items.length !== items.length) return null;
    if (picture.items.some((g, k) => g.id !== items[k]!.id)) return null;
    const moved = items.map((g, k) => translation(picture.items[k]!, g));
    // The offset of most: that of an element that is not a line, as lines may stretch.
    const offset = moved.find((d, k) => d !== null && !isLine(items[k]!)) ?? moved.find((d) => d !== null);
    if (!offset) return null;
    const off = moved.flatMap((d, k) => (d === null || Math.abs(d[0] - offset[0]) > EPSILON || Math.abs(d[1] - offset[1]) > EPSILON ? [items[k]!.id] : []));
    if (off.length > 0) {
      for (const id of off) this.loose.add(id);
      return null;
    }
    const [dx, dy] = offset;
    const { rect } = picture;
    const needed = clip(unionOf(items), visible);
    if (needed && (needed.minX < rect.minX + dx || needed.minY < rect.minY + dy || needed.maxX > rect.maxX + dx || needed.maxY > rect.maxY + dy)) return null;
    return offset;
  }

  /** Marks loose the items that moved otherwise than most since they were at rest (as offsetOf does between pictures). */
  private looseSinceRest(items: readonly Geometry[], atRest: AtRest): void {
    const moved = items.map((g) => {
      const rest = atRest(g.id);
      return rest ? translation(rest, g) : undefined;
    });
    const offset = moved.find((d, k) => d && !isLine(items[k]!) && (d[0] !== 0 || d[1] !== 0));
    if (!offset) return;
    moved.forEach((d, k) => {
      if (d !== undefined && (d === null || Math.abs(d[0] - offset[0]) > EPSILON || Math.abs(d[1] - offset[1]) > EPSILON)) this.loose.add(items[k]!.id);
    });
  }

  /** Paints the items near the view into a new picture; null when it would be too big to be worth it. */
  private repaint(items: readonly Geometry[], visible: Rect, scale: number): [number, number] | null {
    this.picture = null;
    const mx = (visible.maxX - visible.minX) * MARGIN;
    const my = (visible.maxY - visible.minY) * MARGIN;
    const rect = clip(unionOf(items), { minX: visible.minX - mx, minY: visible.minY - my, maxX: visible.maxX + mx, maxY: visible.maxY + my });
    if (!rect) return null;
    const width = Math.ceil((rect.maxX - rect.minX) * scale);
    const height = Math.ceil((rect.maxY - rect.minY) * scale);
    if (width > MAX_SIDE || height > MAX_SIDE || width < 1 || height < 1) return null;
    const canvas = new OffscreenCanvas(width, height);
    const ctx = canvas.getContext('2d')!;
    ctx.setTransform(scale, 0, 0, scale, -rect.minX * scale, -rect.minY * scale);
    for (const g of items) if (intersects(g, rect)) g.paint(ctx, scale);
    this.picture = { canvas, items: [...items], scale, rect };
    this.painted++;
    return [0, 0];
  }
}

const EPSILON = 1e-6;

const isLine = (g: Geometry) => g instanceof ShapeGeometry && g.look.ends !== null;

/** The offset that takes `a` to `b`, when `b` is `a` moved without any other change. */
export function translation(a: Geometry, b: Geometry): [number, number] | null {
  if (a === b) return [0, 0];
  if (a.pos !== b.pos || a.z !== b.z || a.i !== b.i) return null;
  if (a instanceof StrokeGeometry && b instanceof StrokeGeometry) {
    if (a.n !== b.n || a.ended !== b.ended || a.color !== b.color || a.w !== b.w) return null;
    return movedMatrix(a.m ?? IDENTITY, b.m ?? IDENTITY);
  }
  if (a instanceof ShapeGeometry && b instanceof ShapeGeometry) {
    const [p, q] = [a.look, b.look];
    if (p.type !== q.type || p.w !== q.w || p.h !== q.h || p.color !== q.color || p.fill !== q.fill || p.sw !== q.sw) return null;
    if (p.dash !== q.dash || p.text !== q.text || p.fs !== q.fs || p.ah !== q.ah) return null;
    if (p.pts !== q.pts && (p.pts === null || q.pts === null || p.pts.some((v, k) => v !== q.pts![k]))) return null;
    const offset = movedMatrix(p.m, q.m);
    if (!offset || !p.ends || !q.ends) return p.ends === q.ends ? offset : null;
    // A line's ends are on the board: both must have moved by as much as its placement.
    for (let e = 0; e < 2; e++) {
      for (let c = 0; c < 2; c++) if (Math.abs(q.ends[e]![c]! - p.ends[e]![c]! - offset[c]!) > EPSILON) return null;
    }
    return offset;
  }
  return null;
}

const IDENTITY = [1, 0, 0, 1, 0, 0] as const;

function movedMatrix(a: readonly number[], b: readonly number[]): [number, number] | null {
  if (a[0] !== b[0] || a[1] !== b[1] || a[2] !== b[2] || a[3] !== b[3]) return null;
  return [b[4]! - a[4]!, b[5]! - a[5]!];
}

function clip(a: Rect, b: Rect): Rect | null {
  const r = { minX: Math.max(a.minX, b.minX), minY: Math.max(a.minY, b.minY), maxX: Math.min(a.maxX, b.maxX), maxY: Math.min(a.maxY, b.maxY) };
  return r.minX < r.maxX && r.minY < r.maxY ? r : null;
}
