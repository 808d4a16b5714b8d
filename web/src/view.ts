/**
 * The view onto the infinite board: which world point is at the screen's
 * top-left corner and how many CSS pixels a world unit takes (the zoom).
 * A world unit is a CSS pixel at 100%. Everything the board holds (points,
 * cursors, the eraser) is in world units; only this class converts.
 */
import type { ViewRect } from '../../server/protocol/messages.ts';

export type Rect = { minX: number; minY: number; maxX: number; maxY: number };

export const MIN_ZOOM = 0.02;
export const MAX_ZOOM = 8;

type Saved = { x: number; y: number; zoom: number };

export class View {
  /** World point at the screen's top-left corner. */
  x = 0;
  y = 0;
  zoom = 1;
  /** Screen size in CSS pixels. */
  width = 0;
  height = 0;
  private readonly listeners = new Set<() => void>();
  private readonly byHandListeners = new Set<() => void>();

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Listens to moves made by this page's own input (wheel, drags, pinches,
   * zoom buttons and keys): unlike resizes and following someone, those
   * mean the person wants to look elsewhere.
   */
  onMovedByHand(listener: () => void): () => void {
    this.byHandListeners.add(listener);
    return () => this.byHandListeners.delete(listener);
  }

  /** Says the change just made came from this page's own input (navigation.ts calls it). */
  movedByHand(): void {
    for (const listener of this.byHandListeners) listener();
  }

  toWorld(sx: number, sy: number): { x: number; y: number } {
    return { x: this.x + sx / this.zoom, y: this.y + sy / this.zoom };
  }

  toScreen(wx: number, wy: number): { x: number; y: number } {
    return { x: (wx - this.x) * this.zoom, y: (wy - this.y) * this.zoom };
  }

  /** The world rectangle on screen. */
  visible(): Rect {
    return { minX: this.x, minY: this.y, maxX: this.x + this.width / this.zoom, maxY: this.y + this.height / this.zoom };
  }

  /** The world rectangle on screen, by its corner and size. */
  rect(): ViewRect {
    return { x: this.x, y: this.y, w: this.width / this.zoom, h: this.height / this.zoom };
  }

  /** Shows all of `rect` as large as it fits, centred: someone else's view on this page's screen. */
  show(rect: ViewRect): void {
    if (this.width === 0 || this.height === 0) return;
    this.zoom = clampZoom(Math.min(this.width / rect.w, this.height / rect.h));
    this.centerOn(rect.x + rect.w / 2, rect.y + rect.h / 2);
  }

  resize(width: number, height: number): void {
    this.width = width;
    this.height = height;
    this.changed();
  }

  /** Moves the board with the pointer: a drag of (dx, dy) CSS pixels. */
  panBy(dx: number, dy: number): void {
    if (dx === 0 && dy === 0) return;
    this.x -= dx / this.zoom;
    this.y -= dy / this.zoom;
    this.changed();
  }

  /** Zooms by `factor`, keeping the world point under (sx, sy) where it is. */
  zoomAt(sx: number, sy: number, factor: number): void {
    const zoom = clampZoom(this.zoom * factor);
    if (zoom === this.zoom) return;
    const anchor = this.toWorld(sx, sy);
    this.zoom = zoom;
    this.x = anchor.x - sx / zoom;
    this.y = anchor.y - sy / zoom;
    this.changed();
  }

  /** Zoom steps for the buttons and keys: around the screen's centre. */
  zoomStep(direction: 1 | -1): void {
    this.zoomAt(this.width / 2, this.height / 2, direction > 0 ? 1.25 : 0.8);
  }

  /** 100%, keeping the centre where it is. */
  actualSize(): void {
    this.zoomAt(this.width / 2, this.height / 2, 1 / this.zoom);
  }

  /** Puts world point (wx, wy) at the centre of the screen. */
  centerOn(wx: number, wy: number): void {
    this.x = wx - this.width / 2 / this.zoom;
    this.y = wy - this.height / 2 / this.zoom;
    this.changed();
  }

  /** Shows all of `bounds` with a margin, never magnifying past 100%. */
  fit(bounds: Rect | null): void {
    if (!bounds || this.width === 0 || this.height === 0) {
      this.zoom = 1;
      this.x = 0;
      this.y = 0;
      return this.changed();
    }
    const margin = 24;
    const w = Math.max(1, bounds.maxX - bounds.minX);
    const h = Math.max(1, bounds.maxY - bounds.minY);
    this.zoom = clampZoom(Math.min(1, (this.width - 2 * margin) / w, (this.height - 2 * margin) / h));
    this.centerOn((bounds.minX + bounds.maxX) / 2, (bounds.minY + bounds.maxY) / 2);
  }

  /** Shows world point (x, y) at the top-left corner at `zoom`. */
  set(x: number, y: number, zoom: number): void {
    this.x = x;
    this.y = y;
    this.zoom = clampZoom(zoom);
    this.changed();
  }

  save(key: string): void {
    try {
      localStorage.setItem(key, JSON.stringify({ x: this.x, y: this.y, zoom: this.zoom } satisfies Saved));
    } catch {
      // Private mode or a full quota: the view is a convenience.
    }
  }

  /** Restores a saved view; false when there is none (a first visit). */
  restore(key: string): boolean {
    try {
      const saved = JSON.parse(localStorage.getItem(key) ?? 'null') as Partial<Saved> | null;
      if (!saved || ![saved.x, saved.y, saved.zoom].every((v) => typeof v === 'number' && Number.isFinite(v))) return false;
      this.set(saved.x!, saved.y!, saved.zoom!);
      return true;
    } catch {
      return false;
    }
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}

function clampZoom(zoom: number): number {
  return Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, zoom));
}

/** Precision a stroke drawn at `zoom` needs so each point keeps about a screen pixel (see points.ts). */
export function precisionFor(zoom: number): number {
  return Math.max(0, Math.min(3, Math.ceil(Math.log2(zoom) - 1e-9)));
}
