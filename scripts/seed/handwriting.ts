/**
 * Shapes of strokes as people draw them on a whiteboard: cursive words
 * written along lines (loops that advance to the right, a wobbly baseline),
 * and now and then a bigger shape (a circle, an underline, a wave). Points
 * are in world units; a pen moves a unit or two between samples, so the
 * point codec sees the small deltas a real pen gives it.
 */
import type { Point } from '../../server/protocol/points.ts';
import type { Random } from './prng.ts';

export type Area = { left: number; top: number; right: number; bottom: number };

/** One author's hand: where it writes next, and how big. */
export class Hand {
  private x: number;
  private y: number;
  private area: Area;

  constructor(
    private readonly random: Random,
    /** The canvas region everyone draws in, from (0, 0). */
    private readonly canvas: { width: number; height: number },
    /** Letter height in world units. */
    readonly size: number,
  ) {
    this.area = this.newArea();
    this.x = this.area.left;
    this.y = this.area.top;
  }

  /** A patch of the canvas to write in, as someone picks a free spot on the board. */
  private newArea(): Area {
    const width = Math.min(this.canvas.width, this.random.range(25, 60) * this.size);
    const height = Math.min(this.canvas.height, this.random.range(8, 20) * this.size);
    const left = this.random.range(0, this.canvas.width - width);
    const top = this.random.range(0, this.canvas.height - height);
    return { left, top, right: left + width, bottom: top + height };
  }

  /**
   * The next stroke of `n` points: a written word, or (`drawing`) a shape.
   * `scale` below 1 draws it smaller, as someone zoomed in would.
   */
  stroke(n: number, drawing: boolean, pressure: boolean, scale = 1): Point[] {
    const points = drawing ? this.shape(n) : this.word(n);
    if (scale !== 1) {
      const { x: ox, y: oy } = points[0]!;
      for (const p of points) {
        p.x = ox + (p.x - ox) * scale;
        p.y = oy + (p.y - oy) * scale;
      }
    }
    if (pressure) this.press(points);
    return points;
  }

  /** Cursive loops along the baseline, then the hand moves on to the next word. */
  private word(n: number): Point[] {
    const h = this.size;
    const advance = h * this.random.range(0.06, 0.1);
    const loop = this.random.range(9, 16); // points per letter
    const slant = this.random.range(0.1, 0.3);
    let angle = this.random.range(0, Math.PI * 2);
    let radius = h * 0.35;
    let wobble = 0;
    const points: Point[] = [];
    for (let i = 0; i < n; i++) {
      radius = Math.max(h * 0.15, Math.min(h * 0.6, radius + this.random.range(-0.04, 0.04) * h));
      wobble += this.random.range(-0.03, 0.03) * h;
      wobble *= 0.95;
      const dy = Math.sin(angle) * radius;
      points.push({
        x: this.x + i * advance + Math.cos(angle) * radius * 0.6 - dy * slant + this.random.range(-0.3, 0.3),
        y: this.y + dy + wobble + this.random.range(-0.3, 0.3),
      });
      angle += (Math.PI * 2) / loop;
    }
    this.x += n * advance + h * this.random.range(0.5, 1.2);
    if (this.x > this.area.right) this.newLine();
    return points;
  }

  private newLine(): void {
    this.x = this.area.left + this.random.range(0, this.size);
    this.y += this.size * this.random.range(1.6, 2.2);
    if (this.y > this.area.bottom) {
      this.area = this.newArea();
      this.x = this.area.left;
      this.y = this.area.top;
    }
  }

  /** An arc, a circle or a wave around the writing, hand-wobbly. */
  private shape(n: number): Point[] {
    const points: Point[] = [];
    const cx = this.x + this.random.range(-4, 8) * this.size;
    const cy = this.y + this.random.range(-2, 4) * this.size;
    const kind = this.random.int(0, 2);
    const r = this.random.range(2, 10) * this.size;
    const turn = this.random.range(1.2, 2.1) * Math.PI;
    const start = this.random.range(0, Math.PI * 2);
    let drift = 0;
    for (let i = 0; i < n; i++) {
      const t = i / (n - 1);
      drift += this.random.range(-0.4, 0.4);
      if (kind === 2) {
        // A wave or an underline.
        points.push({ x: cx + t * r * 3, y: cy + Math.sin(t * turn * 2) * r * 0.2 + drift });
      } else {
        const a = start + t * turn;
        const squash = kind === 0 ? 1 : 0.6;
        points.push({ x: cx + Math.cos(a) * (r + drift), y: cy + Math.sin(a) * (r + drift) * squash });
      }
    }
    return points.map((p) => ({ x: clamp(p.x, 0, this.canvas.width), y: clamp(p.y, 0, this.canvas.height) }));
  }

  /** Pen pressure: light at both ends, firm in the middle, never quite steady. */
  private press(points: Point[]): void {
    const n = points.length;
    for (let i = 0; i < n; i++) {
      // sin(π) comes out a hair below zero for some n, and its 0.6th power is NaN.
      const swell = Math.max(0, Math.sin((Math.PI * i) / Math.max(1, n - 1))) ** 0.6;
      points[i]!.p = clamp(0.2 + 0.6 * swell + this.random.range(-0.05, 0.05), 0.05, 1);
    }
  }
}

function clamp(v: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, v));
}
