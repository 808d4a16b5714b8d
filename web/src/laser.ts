/**
 * The laser pointer: a glowing red trail that fades within a second, for
 * pointing at things while talking. Anyone who may draw points (also while
 * the owner paused drawing: it draws nothing); points go to everyone on the
 * board through the server, never into the log.
 *
 * `LaserPointer` sends this page's points, at most one per frame, and a
 * null when the pointer goes up. `LaserTrails` draws everyone's trails,
 * this page's own too, on a canvas over the board; it animates only while
 * some trail is fading, and a pointer held still keeps its dot.
 */
import type { Participant } from '../../server/protocol/messages.ts';
import type { BoardClient } from './board-client.ts';
import type { View } from './view.ts';

/** How long a trail's point takes to fade away. */
const FADE_MS = 1_000;
/** A pointer held down and still keeps its dot this long (a lost "up" must not leave one for ever). */
const HOLD_MS = 10_000;
/** The trail's width in screen pixels, glow aside. */
const WIDTH = 5;

type TrailPoint = { x: number; y: number; at: number };
/** A person's trail: strokes of points; `current` grows while their pointer is down. */
type Trail = { strokes: TrailPoint[][]; current: TrailPoint[] | null };

export class LaserTrails {
  private readonly ctx: CanvasRenderingContext2D;
  private readonly trails = new Map<string, Trail>();
  private frame = 0;
  private holdTimer = 0;
  /** Whether the canvas holds anything: a quiet board clears it once, then does nothing. */
  private drawn = false;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly view: View,
    client: BoardClient,
  ) {
    this.ctx = canvas.getContext('2d')!;
    view.onChange(() => this.drawn && this.request());
    client.on('laser', (cid, x, y) => this.add(cid, x, y));
    client.on('people', (people) => this.setPeople(people));
  }

  /** A point of someone's trail, in world units; null: their pointer went up. */
  add(cid: string, x: number | null, y: number | null): void {
    let trail = this.trails.get(cid);
    if (x === null || y === null) {
      if (trail?.current) {
        trail.current = null;
        this.request();
      }
      return;
    }
    if (!trail) this.trails.set(cid, (trail = { strokes: [], current: null }));
    if (!trail.current) trail.strokes.push((trail.current = []));
    trail.current.push({ x, y, at: performance.now() });
    this.request();
  }

  /** Those who left the board take their trails with them. */
  setPeople(people: Participant[]): void {
    const here = new Set(people.map((p) => p.cid));
    for (const cid of this.trails.keys()) if (!here.has(cid)) this.trails.delete(cid);
    if (this.drawn) this.request();
  }

  private request(): void {
    this.frame ||= requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  private draw(): void {
    const { canvas, ctx, view } = this;
    const ratio = window.devicePixelRatio || 1;
    const [width, height] = [Math.round(view.width * ratio), Math.round(view.height * ratio)];
    if (canvas.width !== width || canvas.height !== height) [canvas.width, canvas.height] = [width, height];
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    const now = performance.now();
    let fading = false;
    let holdUntil = Infinity;
    for (const [cid, trail] of this.trails) {
      const head = trail.current?.at(-1);
      const held = head && now - head.at < HOLD_MS ? head : undefined;
      // Points older than the fade are gone, but for the dot of a pointer held down.
      for (const stroke of trail.strokes) stroke.splice(0, stroke.length, ...stroke.filter((p) => p === held || now - p.at < FADE_MS));
      trail.strokes = trail.strokes.filter((stroke) => stroke.length > 0);
      if (trail.current?.length === 0) trail.current = null;
      if (trail.strokes.length === 0) {
        this.trails.delete(cid);
        continue;
      }
      if (held) holdUntil = Math.min(holdUntil, held.at + HOLD_MS);
      for (const stroke of trail.strokes) {
        if (stroke.some((p) => p !== held)) fading = true;
        this.paint(stroke.map((p) => ({ ...view.toScreen(p.x, p.y), alpha: p === held ? 1 : 1 - (now - p.at) / FADE_MS })), ratio);
      }
    }
    this.drawn = this.trails.size > 0;
    clearTimeout(this.holdTimer);
    this.holdTimer = 0;
    if (fading) this.request();
    // Only dots held still are left: nothing moves until they expire (or something else happens).
    else if (holdUntil !== Infinity) this.holdTimer = window.setTimeout(() => this.request(), holdUntil - now);
  }

  /**
   * One stroke in screen pixels: a red glow under a pale core. Segments are
   * drawn in runs of one opacity (ten steps from the tail's to the head's):
   * drawn one by one, their overlapping ends would bead the line.
   */
  private paint(stroke: { x: number; y: number; alpha: number }[], ratio: number): void {
    const { ctx } = this;
    ctx.save();
    ctx.scale(ratio, ratio);
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.shadowColor = 'rgb(255, 0, 0)';
    for (const [width, color, glow] of [
      [WIDTH, '255, 30, 30', 12],
      [WIDTH / 3, '255, 225, 225', 0],
    ] as const) {
      ctx.shadowBlur = glow * ratio;
      ctx.lineWidth = width;
      if (stroke.length === 1) {
        // A tap, or a pointer held still: a dot.
        const dot = stroke[0]!;
        ctx.fillStyle = `rgba(${color}, ${dot.alpha.toFixed(2)})`;
        ctx.beginPath();
        ctx.arc(dot.x, dot.y, width / 2 + (glow ? 1 : 0), 0, 2 * Math.PI);
        ctx.fill();
        continue;
      }
      let from = 0;
      while (from < stroke.length - 1) {
        // A run: the segments whose older end has the same opacity step.
        const step = Math.ceil(stroke[from]!.alpha * 10);
        let to = from + 1;
        while (to < stroke.length - 1 && Math.ceil(stroke[to]!.alpha * 10) === step) to++;
        ctx.strokeStyle = `rgba(${color}, ${(step / 10).toFixed(1)})`;
        ctx.beginPath();
        ctx.moveTo(stroke[from]!.x, stroke[from]!.y);
        for (let i = from + 1; i <= to; i++) ctx.lineTo(stroke[i]!.x, stroke[i]!.y);
        ctx.stroke();
        from = to;
      }
    }
    ctx.restore();
  }
}

/** This page's laser: points while the pointer is down and moving, at most one a frame. */
export class LaserPointer {
  private next: { x: number; y: number } | null = null;
  private frame = 0;
  private pointing = false;

  constructor(
    private readonly client: BoardClient,
    private readonly trails: LaserTrails,
  ) {}

  /** Anyone who may draw points, also on a paused or full board: the laser draws nothing. */
  allowed(): boolean {
    return this.client.role !== 'viewer';
  }

  down(x: number, y: number): void {
    this.pointing = true;
    this.move(x, y);
  }

  move(x: number, y: number): void {
    if (!this.pointing) return;
    // This page's own trail follows every point; the others get the latest of each frame.
    this.trails.add(this.client.cid, x, y);
    this.next = { x: Math.round(x * 100) / 100, y: Math.round(y * 100) / 100 };
    this.frame ||= requestAnimationFrame(() => this.send());
  }

  /** The pointer went up or the gesture was cancelled. */
  up(): void {
    if (!this.pointing) return;
    this.pointing = false;
    this.send();
    this.trails.add(this.client.cid, null, null);
    this.client.signal({ t: 'laser', x: null, y: null });
  }

  private send(): void {
    cancelAnimationFrame(this.frame);
    this.frame = 0;
    const next = this.next;
    this.next = null;
    if (next) this.client.signal({ t: 'laser', x: next.x, y: next.y });
  }
}
