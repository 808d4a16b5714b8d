/**
 * What a renderer keeps per element, as StrokeGeometry does per stroke: its
 * look, its bounds on the board (for the spatial index and culling), its
 * place in the stack, and how to paint and pick it.
 */
import { lineEnds, type Matrix, type Shape } from '../../server/board/elements.ts';
import { shapeBounds, type Bounds, type ShapeLook } from '../../server/board/outline.ts';
import type { Point } from '../../server/protocol/points.ts';
import { hitShape, sameLook, shapePlacement, shapeTouches } from './element-geometry.ts';
import { paintShape } from './element-paint.ts';
import type { Rect } from './view.ts';

/** How far (board units) a line's end may be from where a translation takes it and still count as moved by it: rounding. */
const EPSILON = 1e-6;

/** Where an item sits in the stack (state.ts's byStack). */
export type Stacking = { pos: number; z?: number; i?: number };

export class ShapeGeometry implements Rect {
  readonly minX: number;
  readonly minY: number;
  readonly maxX: number;
  readonly maxY: number;
  readonly pos: number;
  readonly z: number | undefined;
  readonly i: number | undefined;

  constructor(
    readonly id: string,
    readonly look: ShapeLook,
    stacking: Stacking,
    bounds: Bounds = shapeBounds(look),
  ) {
    ({ minX: this.minX, minY: this.minY, maxX: this.maxX, maxY: this.maxY } = bounds);
    this.pos = stacking.pos;
    this.z = stacking.z;
    this.i = stacking.i;
  }

  get hasText(): boolean {
    return (this.look.type === 'text' || this.look.type === 'note') && this.look.text.length > 0;
  }

  /** Whether this geometry draws `look` at `stacking`. */
  same(look: ShapeLook, stacking: Stacking): boolean {
    return stacking.pos === this.pos && stacking.z === this.z && stacking.i === this.i && sameLook(look, this.look);
  }

  /**
   * Whether this geometry draws `shape` as it is now, compared field by
   * field without building its look; a line's ends are found with `find`,
   * as they may follow other elements.
   */
  drawsAsIs(shape: Shape, find: (id: string) => Shape | undefined): boolean {
    const look = this.look;
    if (!this.sameButWhere(shape) || shape.m[4] !== look.m[4] || shape.m[5] !== look.m[5]) return false;
    if (!look.ends) return true;
    const [[x1, y1], [x2, y2]] = lineEnds(shape, find);
    const [[a1, b1], [a2, b2]] = look.ends;
    return x1 === a1 && y1 === b1 && x2 === a2 && y2 === b2;
  }

  /**
   * This geometry moved to where `shape` is, if `shape` is what it draws
   * but for its placement's translation (a frame of a drag): itself when
   * not moved at all, else its bounds shifted rather than built again. A
   * line qualifies when both its ends (found with `find`, as they may
   * follow other elements) moved by that translation too. Null for
   * anything else.
   */
  movedTo(shape: Shape, find: (id: string) => Shape | undefined): ShapeGeometry | null {
    if (!this.sameButWhere(shape)) return null;
    const look = this.look;
    const [a, b, c, d, e, f] = shape.m;
    const [dx, dy] = [e - look.m[4], f - look.m[5]];
    let ends: ShapeLook['ends'] = null;
    if (look.ends) {
      ends = lineEnds(shape, find);
      for (let k = 0; k < 2; k++) if (Math.abs(ends[k]![0] - look.ends[k]![0] - dx) > EPSILON || Math.abs(ends[k]![1] - look.ends[k]![1] - dy) > EPSILON) return null;
    }
    if (dx === 0 && dy === 0) return this;
    const bounds = { minX: this.minX + dx, minY: this.minY + dy, maxX: this.maxX + dx, maxY: this.maxY + dy };
    return new ShapeGeometry(this.id, { ...look, m: [a, b, c, d, e, f], ends }, this, bounds);
  }

  /** Whether `shape` is what this draws in all but where it is: kind, size, style, text, a line's own ends, stack place, and its placement's linear part. */
  private sameButWhere(shape: Shape): boolean {
    const look = this.look;
    if ((look.ends === null) !== (shape.pts === null)) return false;
    if (shape.pos !== this.pos || shape.z !== this.z || shape.i !== this.i || shape.type !== look.type) return false;
    if (shape.w !== look.w || shape.h !== look.h || shape.color !== look.color || shape.fill !== look.fill || shape.sw !== look.sw) return false;
    if (shape.dash !== look.dash || shape.text !== look.text || shape.fs !== look.fs || shape.ah !== look.ah || shape.file !== look.file) return false;
    if (look.ends) {
      const p = shape.pts!;
      const q = look.pts!;
      if (p[0] !== q[0] || p[1] !== q[1] || p[2] !== q[2] || p[3] !== q[3]) return false;
    }
    const [a, b, c, d] = shape.m;
    const m = look.m;
    return a === m[0] && b === m[1] && c === m[2] && d === m[3];
  }

  paint(ctx: CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D, scale: number): void {
    paintShape(ctx, this.look, scale);
  }

  touches(a: Point, b: Point, radius: number): boolean {
    return shapeTouches(this.look, a, b, radius);
  }

  hits(point: Point, radius: number): boolean {
    return hitShape(this.look, point, radius);
  }

  placement(): { m: Matrix; w: number; h: number } {
    return shapePlacement(this.look);
  }

  /** What a marquee must hold: everything it draws. */
  pointBounds(): Bounds {
    return this;
  }
}
