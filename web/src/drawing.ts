/**
 * Pointer input → operations. The pen keeps the stroke being drawn locally
 * (drawn at once, before the log answers) and sends its new points once per
 * animation frame: one message per frame, never one per pointer event. The
 * eraser collects every stroke it touches during one gesture and sends one
 * erase, so one undo brings them all back.
 */
import { LIMITS } from '../../server/protocol/messages.ts';
import { encodePoints, type Point } from '../../server/protocol/points.ts';
import type { BoardClient } from './board-client.ts';
import { newId } from './ids.ts';
import { precisionFor } from './view.ts';
import type { Drawable } from './stroke-geometry.ts';

export type Tool = 'pen' | 'eraser';

export type LocalStroke = Drawable & {
  points: Point[];
  sent: number;
  begun: boolean;
  q: number;
  /** Nothing is sent before this time (ms): a finger that turns out to start a pinch leaves no mark. */
  holdUntil: number;
};

/** How long a finger's first touch waits before it counts as drawing. */
const TOUCH_HOLD_MS = 120;

export type DrawingHost = {
  client: BoardClient;
  /** Ids of the strokes on screen within `radius` of the segment a-b, for the eraser. */
  strokesTouching(a: Point, b: Point, radius: number): string[];
  /** World units per CSS pixel now: the eraser's reach and a new stroke's precision follow the zoom. */
  zoom(): number;
  redraw(): void;
};

export class Drawing {
  tool: Tool = 'pen';
  color = '#1e1e1e';
  width = 4;
  /** Own strokes not yet fully acknowledged by the log, drawn from local points. */
  readonly local = new Map<string, LocalStroke>();
  /** Strokes hidden by an eraser gesture in progress or awaiting its record. */
  readonly erasing = new Set<string>();
  /** Strokes the eraser touched in the gesture in progress. */
  private readonly gesture = new Set<string>();
  private current: LocalStroke | null = null;
  private lastErasePoint: Point | null = null;
  /** Until when a finger's eraser gesture may still turn out to be a pinch (see cancel). */
  private eraseHoldUntil = 0;
  private frame = 0;

  constructor(private readonly host: DrawingHost) {}

  /** Points are in world units (see view.ts). */
  down(point: Point, hasPressure: boolean, finger = false): void {
    if (this.tool === 'eraser') {
      this.lastErasePoint = point;
      this.eraseHoldUntil = finger ? performance.now() + TOUCH_HOLD_MS : 0;
      this.eraseAt(point);
      return;
    }
    this.current = {
      id: newId(),
      color: this.color,
      w: this.width,
      pr: hasPressure,
      q: precisionFor(this.host.zoom()),
      ended: false,
      points: [point],
      n: 1,
      sent: 0,
      begun: false,
      holdUntil: finger ? performance.now() + TOUCH_HOLD_MS : 0,
    };
    this.local.set(this.current.id, this.current);
    this.schedule();
  }

  move(points: Point[]): void {
    if (this.tool === 'eraser') {
      for (const p of points) this.eraseAt(p);
      return;
    }
    const stroke = this.current;
    if (!stroke) return;
    for (const p of points) {
      // A stroke has a point limit; a long gesture continues as a new stroke.
      if (stroke.points.length >= LIMITS.maxPointsPerStroke) {
        const last = stroke.points[stroke.points.length - 1]!;
        this.up();
        this.down(last, stroke.pr);
        return this.move(points.slice(points.indexOf(p)));
      }
      const last = stroke.points[stroke.points.length - 1]!;
      // A fast mouse reports the same pixel many times; it adds nothing but weight.
      if (p.x === last.x && p.y === last.y && p.p === last.p) continue;
      stroke.points.push(p);
      stroke.n = stroke.points.length;
    }
    this.schedule();
  }

  up(): void {
    if (this.tool === 'eraser' && this.lastErasePoint) {
      this.lastErasePoint = null;
      const ids = [...this.gesture];
      this.gesture.clear();
      // One erase per gesture, split only past the protocol's limit.
      for (let i = 0; i < ids.length; i += LIMITS.maxEraseIds) {
        this.host.client.send({ k: 'erase', ids: ids.slice(i, i + LIMITS.maxEraseIds) });
      }
      return;
    }
    const stroke = this.current;
    if (!stroke) return;
    this.current = null;
    this.flush(stroke);
    stroke.ended = true;
    this.host.client.send({ k: 'end', id: stroke.id });
    this.host.redraw();
  }

  /**
   * The gesture turned out not to be drawing (a second finger came down):
   * a stroke nothing of which was sent disappears; one already sent ends.
   */
  cancel(): void {
    if (this.lastErasePoint && performance.now() < this.eraseHoldUntil) {
      // A finger's eraser that a second finger joined at once: a pinch, nothing erased.
      for (const id of this.gesture) this.erasing.delete(id);
      this.gesture.clear();
      this.lastErasePoint = null;
      this.host.redraw();
      return;
    }
    const stroke = this.current;
    if (stroke && !stroke.begun) {
      this.current = null;
      this.local.delete(stroke.id);
      this.host.redraw();
    } else {
      this.up();
    }
  }

  /** The server refused a stroke: the rest of it is not sent. */
  abandon(id: string): void {
    if (this.current?.id === id) this.current = null;
    this.local.delete(id);
  }

  /** Sends the stroke in progress so far, so an op sent next is ordered after it. */
  flushCurrent(): void {
    if (this.current) this.flush(this.current);
  }

  /** Strokes hidden by the gesture in progress (kept across a resync). */
  isErasingNow(id: string): boolean {
    return this.gesture.has(id);
  }

  /** Sends the points gathered since the last frame, as one message. */
  private flush(stroke: LocalStroke): void {
    if (stroke.sent >= stroke.points.length) return;
    const fresh = stroke.points.slice(stroke.sent, stroke.sent + LIMITS.maxPointsPerOp);
    const p = encodePoints(fresh, stroke.pr, stroke.q);
    if (!stroke.begun) {
      const options = { ...(stroke.pr ? { pr: 1 as const } : {}), ...(stroke.q > 0 ? { q: stroke.q } : {}) };
      this.host.client.send({ k: 'begin', id: stroke.id, color: stroke.color, w: stroke.w, p, ...options });
      stroke.begun = true;
    } else {
      this.host.client.send({ k: 'ext', id: stroke.id, p });
    }
    stroke.sent += fresh.length;
    if (stroke.sent < stroke.points.length) this.flush(stroke);
  }

  private schedule(): void {
    this.host.redraw();
    this.keepSending();
  }

  private keepSending(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      const stroke = this.current;
      if (!stroke) return;
      if (performance.now() < stroke.holdUntil) return this.keepSending();
      this.flush(stroke);
    });
  }

  private eraseAt(point: Point): void {
    const from = this.lastErasePoint ?? point;
    this.lastErasePoint = point;
    // Six pixels on screen, whatever the zoom.
    const radius = 6 / this.host.zoom();
    let hit = false;
    for (const id of this.host.strokesTouching(from, point, radius)) {
      if (this.erasing.has(id)) continue;
      this.erasing.add(id);
      this.gesture.add(id);
      hit = true;
    }
    if (hit) this.host.redraw();
  }
}
