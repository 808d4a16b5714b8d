/**
 * The select tool's pointer gestures: click selects the topmost item
 * (shift adds or removes), a drag from empty board draws a marquee, a drag
 * of the selection moves it, the frame's handles resize (shift keeps
 * proportions) and rotate (shift: 15° steps), and a lone line's end
 * handles move its ends, sticking them to the box they are let go over.
 */
import { apply, invert, isLineType, type Point2 } from '../../server/board/elements.ts';
import type { Point } from '../../server/protocol/points.ts';
import { bindingOnOutline } from './binding-math.ts';
import type { EditorContext } from './editor-context.ts';
import { LiveProps, LiveTransform } from './live-changes.ts';
import { isEverythingSelected, selectedIds } from './selection-actions.ts';
import { boxOf, endsOf, handleAt, insideFrame, lineSelected, selectionFrame, type Handle } from './selection-frame.ts';
import { rectBetween, resizeTransform, rotateTransform, translate, type Frame } from './transform-math.ts';
import type { Rect } from './view.ts';

/** How far (screen pixels) a press may wander and still be a click. */
const CLICK_SLOP = 3;
/** How near (screen pixels) the pointer must be to an item to pick it. */
export const PICK_RADIUS = 6;

type Modifiers = { shift: boolean };
type Gesture =
  | { kind: 'press'; at: Point2; id: string | null; wasSelected: boolean; shift: boolean }
  | { kind: 'move'; at: Point2; live: LiveTransform }
  | { kind: 'marquee'; at: Point2; to: Point2; shift: boolean; before: string[] }
  | { kind: 'resize'; frame: Frame; handle: readonly [number, number]; live: LiveTransform }
  | { kind: 'rotate'; frame: Frame; at: Point2; live: LiveTransform }
  | { kind: 'end'; end: 'sb' | 'eb'; lineId: string; live: LiveProps; to: Point2 };

const pt = (p: Point): Point2 => [p.x, p.y];

export class SelectTool {
  private gesture: Gesture | null = null;

  constructor(private readonly ctx: EditorContext) {}

  /** The marquee being drawn, for the overlay. */
  get marquee(): Rect | null {
    const g = this.gesture;
    return g?.kind === 'marquee' ? rectBetween(g.at, g.to) : null;
  }

  get busy(): boolean {
    return this.gesture !== null;
  }

  down(point: Point, mods: Modifiers): void {
    const ctx = this.ctx;
    if (!ctx.canEdit()) return;
    const at = pt(point);
    const handle = handleAt(ctx, at);
    if (handle) return this.grab(handle, at);
    const id = ctx.hit.itemsAt(point, PICK_RADIUS / ctx.view.zoom)[0] ?? null;
    if (id === null && !mods.shift && insideFrame(ctx, at)) {
      this.gesture = { kind: 'press', at, id: null, wasSelected: true, shift: false };
      return;
    }
    if (id === null) {
      this.gesture = { kind: 'marquee', at, to: at, shift: mods.shift, before: mods.shift ? ctx.selection.list() : [] };
      if (!mods.shift) ctx.selection.clear();
      return;
    }
    const wasSelected = ctx.selection.has(id);
    if (mods.shift && !wasSelected) ctx.selection.add([id]);
    else if (!wasSelected) ctx.selection.set([id]);
    this.gesture = { kind: 'press', at, id, wasSelected, shift: mods.shift };
  }

  move(point: Point, mods: Modifiers): void {
    const g = this.gesture;
    if (!g) return;
    const to = pt(point);
    const ctx = this.ctx;
    switch (g.kind) {
      case 'press': {
        if (Math.hypot(to[0] - g.at[0], to[1] - g.at[1]) * ctx.view.zoom < CLICK_SLOP) return;
        const targets = isEverythingSelected(ctx) ? 'all' : selectedIds(ctx);
        if (targets !== 'all' && targets.length === 0) return;
        this.gesture = { kind: 'move', at: g.at, live: new LiveTransform(ctx, targets) };
        return this.move(point, mods);
      }
      case 'move':
        return g.live.update(translate(to[0] - g.at[0], to[1] - g.at[1]));
      case 'marquee': {
        g.to = to;
        const inside = ctx.hit.itemsIn(rectBetween(g.at, g.to));
        ctx.selection.set([...g.before, ...inside]);
        return ctx.redraw();
      }
      case 'resize':
        return g.live.update(resizeTransform(g.frame, g.handle, to, mods.shift));
      case 'rotate':
        return g.live.update(rotateTransform(g.frame, g.at, to, mods.shift));
      case 'end':
        g.to = to;
        return g.live.update(endProps(ctx, g.lineId, g.end, to, null));
    }
  }

  up(point: Point): void {
    const g = this.gesture;
    this.gesture = null;
    if (!g) return;
    const ctx = this.ctx;
    switch (g.kind) {
      case 'press':
        // A click on a selected item with shift takes it out; without, selects only it.
        if (g.id !== null && g.wasSelected) {
          if (g.shift) ctx.selection.toggle(g.id);
          else ctx.selection.set([g.id]);
        }
        return;
      case 'marquee':
        return ctx.redraw();
      case 'end': {
        const to = pt(point);
        const target = boxUnder(ctx, to, g.lineId);
        g.live.update(endProps(ctx, g.lineId, g.end, to, target));
        return g.live.flush();
      }
      default:
        return g.live.finish();
    }
  }

  /** The gesture stops where it is (a pinch began, the tool changed); `refused`: the log refused it, nothing more is sent. */
  cancel(refused = false): void {
    const g = this.gesture;
    this.gesture = null;
    if (g && 'live' in g) {
      if (refused) g.live.abort();
      else if (g.live instanceof LiveTransform) g.live.finish();
      else g.live.flush();
    }
    this.ctx.redraw();
  }

  /** The pointer's look over a board point: what a press there would do. */
  cursorAt(point: Point): string {
    const ctx = this.ctx;
    if (!ctx.canEdit()) return '';
    const handle = handleAt(ctx, pt(point));
    if (handle?.kind === 'rotate') return 'grab';
    if (handle?.kind === 'end') return 'crosshair';
    if (handle) {
      const [u, v] = handle.at;
      if (u === 0.5) return 'ns-resize';
      if (v === 0.5) return 'ew-resize';
      return u === v ? 'nwse-resize' : 'nesw-resize';
    }
    return ctx.hit.itemsAt(point, PICK_RADIUS / ctx.view.zoom).length > 0 || insideFrame(ctx, pt(point)) ? 'move' : '';
  }

  private grab(handle: Handle, at: Point2): void {
    const ctx = this.ctx;
    if (handle.kind === 'end') {
      const line = lineSelected(ctx)!;
      this.gesture = { kind: 'end', end: handle.end, lineId: line.id, live: new LiveProps(ctx, [line.id]), to: at };
      return;
    }
    const frame = selectionFrame(ctx)!;
    const targets = isEverythingSelected(ctx) ? 'all' : selectedIds(ctx);
    const live = new LiveTransform(ctx, targets);
    this.gesture = handle.kind === 'rotate' ? { kind: 'rotate', frame, at, live } : { kind: 'resize', frame, handle: handle.at, live };
  }
}

/**
 * The topmost box element under a board point, other than the line
 * itself: on its outline, or anywhere inside it, filled or not (an arrow
 * let go inside an empty rectangle sticks to it).
 */
export function boxUnder(ctx: EditorContext, at: Point2, except?: string) {
  for (const id of ctx.hit.itemsAt({ x: at[0], y: at[1] }, PICK_RADIUS / ctx.view.zoom)) {
    if (id === except) continue;
    const box = boxOf(ctx, id);
    if (box) return box;
  }
  const items = ctx.scene.visible();
  for (let i = items.length - 1; i >= 0; i--) {
    const box = items[i]!.id === except ? undefined : boxOf(ctx, items[i]!.id);
    if (!box) continue;
    const [x, y] = apply(invert(box.m), at[0], at[1]);
    if (x >= 0 && y >= 0 && x <= box.w && y <= box.h) return box;
  }
  return undefined;
}

/**
 * A line's end moved to a board point: its own coordinates, and unstuck,
 * or stuck to `target` on its outline (towards the other end).
 */
function endProps(ctx: EditorContext, lineId: string, end: 'sb' | 'eb', to: Point2, target: ReturnType<typeof boxUnder> | null) {
  const line = ctx.scene.shapeOf(lineId);
  if (!line || !isLineType(line.type)) return {};
  const [start, finish] = endsOf(ctx, line);
  const other = end === 'sb' ? finish : start;
  let at = to;
  let binding = null;
  if (target) {
    const stuck = bindingOnOutline(target, other);
    at = stuck.at;
    binding = stuck.binding;
  }
  const local = apply(invert(line.m), at[0], at[1]).map((v) => Math.round(v * 100) / 100 + 0);
  const pts = [...(line.pts ?? [0, 0, 0, 0])];
  const index = end === 'sb' ? 0 : 2;
  pts[index] = local[0]!;
  pts[index + 1] = local[1]!;
  // The other end keeps where it is shown: if stuck, its stored point follows too.
  const otherLocal = apply(invert(line.m), other[0], other[1]);
  pts[2 - index] = Math.round(otherLocal[0] * 100) / 100 + 0;
  pts[3 - index] = Math.round(otherLocal[1] * 100) / 100 + 0;
  return { pts, [end]: binding };
}
