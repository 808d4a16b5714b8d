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
import type { Drawable } from './renderer.ts';

export type Tool = 'pen' | 'eraser';

export type LocalStroke = Drawable & { points: Point[]; sent: number; begun: boolean };

export type DrawingHost = {
  client: BoardClient;
  /** Strokes on screen now, for the eraser's hit test. */
  visible(): Iterable<Drawable>;
  pointsOf(stroke: Drawable): Point[];
  redraw(): void;
};

function newStrokeId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(9));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_');
}

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
  private frame = 0;

  constructor(private readonly host: DrawingHost) {}

  down(point: Point, hasPressure: boolean): void {
    if (this.tool === 'eraser') {
      this.lastErasePoint = point;
      this.eraseAt(point);
      return;
    }
    this.current = {
      id: newStrokeId(),
      color: this.color,
      w: this.width,
      pr: hasPressure,
      ended: false,
      points: [point],
      n: 1,
      sent: 0,
      begun: false,
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
    const p = encodePoints(fresh, stroke.pr);
    if (!stroke.begun) {
      this.host.client.send({ k: 'begin', id: stroke.id, color: stroke.color, w: stroke.w, p, ...(stroke.pr ? { pr: 1 as const } : {}) });
      stroke.begun = true;
    } else {
      this.host.client.send({ k: 'ext', id: stroke.id, p });
    }
    stroke.sent += fresh.length;
    if (stroke.sent < stroke.points.length) this.flush(stroke);
  }

  private schedule(): void {
    this.host.redraw();
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      if (this.current) this.flush(this.current);
    });
  }

  private eraseAt(point: Point): void {
    const from = this.lastErasePoint ?? point;
    this.lastErasePoint = point;
    const radius = 6;
    let hit = false;
    for (const stroke of this.host.visible()) {
      if (this.erasing.has(stroke.id)) continue;
      const reach = radius + stroke.w / 2;
      if (this.host.pointsOf(stroke).some((p) => distanceToSegment(p, from, point) <= reach)) {
        this.erasing.add(stroke.id);
        this.gesture.add(stroke.id);
        hit = true;
      }
    }
    if (hit) this.host.redraw();
  }
}

function distanceToSegment(p: Point, a: Point, b: Point): number {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const length2 = dx * dx + dy * dy;
  const t = length2 === 0 ? 0 : Math.max(0, Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / length2));
  return Math.hypot(p.x - (a.x + t * dx), p.y - (a.y + t * dy));
}
