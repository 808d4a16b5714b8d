/**
 * The selection as drawn over the board: an SVG layer (never the board's
 * canvas, whose pictures everyone shares) with the frame, its resize and
 * rotate handles, a lone line's end handles, thin outlines of each
 * selected item when there are several, and the marquee. Drawn in screen
 * pixels, so handles keep their size at every zoom; redrawn once per frame
 * at most.
 */
import type { Point2 } from '../../server/board/elements.ts';
import type { EditorContext } from './editor-context.ts';
import { selectedIds } from './selection-actions.ts';
import { endsOf, HANDLE_RADIUS, lineSelected, selectionFrame } from './selection-frame.ts';
import { framePoint, RESIZE_HANDLES, rotateHandle, ROTATE_HANDLE_OFFSET } from './transform-math.ts';
import type { Rect } from './view.ts';

const SVG = 'http://www.w3.org/2000/svg';

export class SelectionOverlay {
  private frame = 0;

  constructor(
    private readonly ctx: EditorContext,
    private readonly svg: SVGSVGElement,
    private readonly marquee: () => Rect | null,
  ) {
    ctx.view.onChange(() => this.request());
    ctx.selection.onChange(() => this.request());
  }

  request(): void {
    this.frame ||= requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  private draw(): void {
    const { ctx } = this;
    const parts: SVGElement[] = [];
    const screen = (p: Point2): Point2 => {
      const s = ctx.view.toScreen(p[0], p[1]);
      return [s.x, s.y];
    };
    const ids = selectedIds(ctx);
    if (ids.length > 1 && ids.length <= 200) {
      for (const id of ids) {
        const b = ctx.hit.boundsOf(id);
        if (b) parts.push(polygon([screen([b.minX, b.minY]), screen([b.maxX, b.minY]), screen([b.maxX, b.maxY]), screen([b.minX, b.maxY])], 'item-outline'));
      }
    }
    // While a text is edited in place, its frame only: handles would sit over the text being typed.
    const editable = ctx.canEdit() && ctx.scene.hidden === null;
    const line = lineSelected(ctx);
    if (line) {
      const [a, b] = endsOf(ctx, line).map(screen) as [Point2, Point2];
      parts.push(segment(a, b, 'line-outline'));
      if (editable) for (const p of [a, b]) parts.push(circle(p, HANDLE_RADIUS + 1, 'handle end'));
    } else {
      const f = selectionFrame(ctx);
      if (f) {
        const corners = [framePoint(f, 0, 0), framePoint(f, 1, 0), framePoint(f, 1, 1), framePoint(f, 0, 1)].map(screen);
        parts.push(polygon(corners, 'frame'));
        if (editable) {
          const top = screen(framePoint(f, 0.5, 0));
          const knob = screen(rotateHandle(f, ROTATE_HANDLE_OFFSET / ctx.view.zoom));
          parts.push(segment(top, knob, 'rotate-stem'), circle(knob, HANDLE_RADIUS, 'handle rotate'));
          for (const [u, v] of RESIZE_HANDLES) {
            const [x, y] = screen(framePoint(f, u, v));
            parts.push(square(x, y, HANDLE_RADIUS, 'handle resize'));
          }
        }
      }
    }
    const m = this.marquee();
    if (m) {
      const [x0, y0] = screen([m.minX, m.minY]);
      const [x1, y1] = screen([m.maxX, m.maxY]);
      parts.push(square((x0 + x1) / 2, (y0 + y1) / 2, 0, 'marquee', x1 - x0, y1 - y0));
    }
    this.svg.replaceChildren(...parts);
  }
}

function make<K extends keyof SVGElementTagNameMap>(tag: K, className: string, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  el.setAttribute('class', className);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, String(value));
  return el;
}

const polygon = (points: Point2[], className: string) => make('polygon', className, { points: points.map((p) => p.join(',')).join(' ') });
const segment = (a: Point2, b: Point2, className: string) => make('line', className, { x1: a[0], y1: a[1], x2: b[0], y2: b[1] });
const circle = (p: Point2, r: number, className: string) => make('circle', className, { cx: p[0], cy: p[1], r });
function square(cx: number, cy: number, r: number, className: string, w = 2 * r, h = 2 * r) {
  return make('rect', className, { x: cx - w / 2, y: cy - h / 2, width: w, height: h });
}
