/**
 * Drawing new elements: a drag draws a rectangle, ellipse or diamond
 * (shift: square, circle) or a line or arrow (shift: at 15° steps), shown
 * as a draft on this page and sent as one `add` when the pointer is let
 * go. A line's end that starts or ends over a box element sticks to its
 * outline. A click with the text or note tool places one and starts
 * editing it.
 */
import { shapeOf } from '../../server/board/element-fold.ts';
import { ARROW_END, type Point2, type Shape } from '../../server/board/elements.ts';
import type { ElementSpec } from '../../server/board/element-rules.ts';
import type { Point } from '../../server/protocol/points.ts';
import { bindingOnOutline } from './binding-math.ts';
import type { EditorContext } from './editor-context.ts';
import { newId } from './ids.ts';
import { boxUnder } from './select-tool.ts';
import { NOTE_FILL, NOTE_SIZE } from './style.ts';
import { LINE_HEIGHT } from '../../server/text/layout.ts';

export type ShapeToolName = 'rect' | 'ellipse' | 'diamond' | 'line' | 'arrow';
export type PlaceToolName = 'text' | 'note';

/** Smallest drag (screen pixels) that draws something; less is a stray click. */
const MIN_DRAG = 3;
const round = (v: number) => Math.round(v * 100) / 100 + 0;

export type ShapeToolHost = {
  /** A new element was made: the page selects it (and edits the text of text and notes). */
  made(id: string, edit: boolean): void;
};

export class ShapeTool {
  kind: ShapeToolName = 'rect';
  private start: Point2 | null = null;
  private draftId = '';

  constructor(
    private readonly ctx: EditorContext,
    private readonly host: ShapeToolHost,
  ) {}

  get busy(): boolean {
    return this.start !== null;
  }

  down(point: Point): void {
    if (!this.ctx.canEdit()) return;
    this.start = [point.x, point.y];
    this.draftId = newId();
  }

  move(point: Point, shift: boolean): void {
    if (!this.start) return;
    const spec = this.specTo([point.x, point.y], shift, false);
    const drafts = this.ctx.scene.drafts;
    drafts.clear();
    if (spec) drafts.set(spec.id, draftOf(spec, this.ctx));
    this.ctx.redraw();
  }

  up(point: Point, shift: boolean): void {
    if (!this.start) return;
    const spec = this.specTo([point.x, point.y], shift, true);
    this.cancel();
    if (!spec) return;
    this.ctx.client.send({ k: 'add', v: 1, els: [spec] });
    this.host.made(spec.id, false);
  }

  cancel(): void {
    this.start = null;
    this.ctx.scene.drafts.clear();
    this.ctx.redraw();
  }

  /** The element the drag so far draws, or null while it is too small; bindings only once let go. */
  private specTo(to: Point2, shift: boolean, final: boolean): ElementSpec | null {
    const from = this.start!;
    const { style, view } = this.ctx;
    let dx = to[0] - from[0];
    let dy = to[1] - from[1];
    if (Math.hypot(dx, dy) * view.zoom < MIN_DRAG) return null;
    const common = { id: this.draftId, color: style.color, sw: style.sw, ...(style.dash ? { dash: 1 as const } : {}) };
    if (this.kind === 'line' || this.kind === 'arrow') {
      if (shift) [dx, dy] = snapAngle(dx, dy);
      return this.lineSpec(common, from, [from[0] + dx, from[1] + dy], final);
    }
    if (shift) {
      const side = Math.max(Math.abs(dx), Math.abs(dy));
      dx = side * Math.sign(dx || 1);
      dy = side * Math.sign(dy || 1);
    }
    const x = Math.min(from[0], from[0] + dx);
    const y = Math.min(from[1], from[1] + dy);
    const fill = style.fill ? { fill: style.fill } : {};
    return { ...common, ...fill, type: this.kind, m: [1, 0, 0, 1, round(x), round(y)], w: round(Math.abs(dx)), h: round(Math.abs(dy)) };
  }

  private lineSpec(common: Omit<ElementSpec, 'type' | 'm'>, from: Point2, to: Point2, final: boolean): ElementSpec {
    const ctx = this.ctx;
    const spec: ElementSpec = { ...common, type: this.kind, m: [1, 0, 0, 1, 0, 0], pts: [] };
    if (this.kind === 'arrow' && ctx.style.ah !== ARROW_END) spec.ah = ctx.style.ah;
    let [a, b] = [from, to];
    if (final) {
      const startBox = boxUnder(ctx, from);
      const endBox = boxUnder(ctx, to);
      if (startBox) {
        const stuck = bindingOnOutline(startBox, to);
        spec.sb = stuck.binding;
        a = stuck.at;
      }
      if (endBox && endBox !== startBox) {
        const stuck = bindingOnOutline(endBox, from);
        spec.eb = stuck.binding;
        b = stuck.at;
      }
    }
    spec.pts = [a[0], a[1], b[0], b[1]].map(round);
    return spec;
  }

  /** A click with the text or note tool: places one, to be typed into. */
  place(kind: PlaceToolName, point: Point): void {
    const ctx = this.ctx;
    if (!ctx.canEdit()) return;
    const { style } = ctx;
    const id = newId();
    const spec: ElementSpec =
      kind === 'note'
        ? { id, type: 'note', m: [1, 0, 0, 1, round(point.x - NOTE_SIZE / 2), round(point.y - NOTE_SIZE / 2)], w: NOTE_SIZE, h: NOTE_SIZE, color: style.color, fill: style.fill ?? NOTE_FILL, text: '', fs: style.fs }
        : // The click is where the first line's middle is, as in other whiteboards.
          { id, type: 'text', m: [1, 0, 0, 1, round(point.x), round(point.y - (style.fs * LINE_HEIGHT) / 2)], w: 1, h: round(style.fs * LINE_HEIGHT), color: style.color, text: '', fs: style.fs };
    ctx.client.send({ k: 'add', v: 1, els: [spec] });
    this.host.made(id, true);
  }
}

/** A direction at the nearest multiple of 15°, as long as the drag. */
function snapAngle(dx: number, dy: number): [number, number] {
  const step = Math.PI / 12;
  const angle = Math.round(Math.atan2(dy, dx) / step) * step;
  const len = Math.hypot(dx, dy);
  return [Math.cos(angle) * len, Math.sin(angle) * len];
}

/** A draft as the scene shows it: a shape the way the fold would make it, without its text or stuck ends yet. */
function draftOf(spec: ElementSpec, ctx: EditorContext): Shape {
  const shape = shapeOf({ ...spec, fs: spec.fs ?? ctx.style.fs }, { user: ctx.client.user, name: '', pos: Number.MAX_SAFE_INTEGER, ts: Date.now() });
  return { ...shape, text: '', sb: null, eb: null };
}
