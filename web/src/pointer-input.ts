/**
 * Pointer input on the board (mouse, touch and pen alike), routed to the
 * tool chosen: the pen and eraser (drawing.ts), the select tool, the shape
 * tools, text and notes, the laser (laser.ts); navigation (navigation.ts)
 * takes what pans and pinches first. Also shares this page's cursor, at
 * most once per frame.
 */
import type { Point2 } from '../../server/board/elements.ts';
import { decodePoints, type Point } from '../../server/protocol/points.ts';
import type { LogRecord } from '../../server/protocol/messages.ts';
import type { Cursors } from './cursors.ts';
import type { Drawing } from './drawing.ts';
import type { EditorContext } from './editor-context.ts';
import type { LaserPointer } from './laser.ts';
import { Navigation } from './navigation.ts';
import { PICK_RADIUS, type SelectTool } from './select-tool.ts';
import type { ShapeTool } from './shape-tool.ts';
import type { ToolName } from './shortcuts.ts';
import type { TextEditor } from './text-editor.ts';
import { precisionFor } from './view.ts';

export const isShapeTool = (t: ToolName): t is ShapeTool['kind'] => t === 'rect' || t === 'ellipse' || t === 'diamond' || t === 'line' || t === 'arrow';

export type PointerTools = {
  drawing: Drawing;
  selectTool: SelectTool;
  shapeTool: ShapeTool;
  textEditor: TextEditor;
  laser: LaserPointer;
  /** The tool chosen now. */
  tool(): ToolName;
  /** Opens the in-place editor on a text or note (selecting it). */
  editText(id: string): void;
};

export class PointerInput {
  readonly navigation: Navigation;
  /** Which tool the pointer down now is driving. */
  private active: { pointer: number; by: 'draw' | 'select' | 'shape' | 'laser' } | null = null;
  /** Where the pointer is on the board (pastes go there), null while it is off the board. */
  private at: Point2 | null = null;
  private cursorAt: Point | null = null;
  private cursorFrame = 0;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly ctx: EditorContext,
    private readonly tools: PointerTools,
  ) {
    const { view } = ctx;
    this.navigation = new Navigation(canvas, view, {
      drawsOnDrag: () => this.toolUsable() && tools.tool() !== 'hand',
      // A second finger: a gesture only just begun was the start of a pinch.
      onGestureStart: () => this.cancel(),
    });
    canvas.addEventListener('pointerdown', (event) => this.down(event));
    canvas.addEventListener('dblclick', (event) => this.doubleClick(event));
    canvas.addEventListener('pointermove', (event) => this.move(event));
    const release = (event: PointerEvent) => this.release(event);
    canvas.addEventListener('pointerup', release);
    canvas.addEventListener('pointercancel', release);
    canvas.addEventListener('lostpointercapture', release);
    canvas.addEventListener('pointerleave', (event) => {
      if (event.pointerType === 'touch') return;
      this.cursorAt = null;
      this.at = null;
      ctx.client.cursor(null, null);
    });
  }

  /** Where the pointer is on the board, if it is over it. */
  get pointerAt(): Point2 | null {
    return this.at;
  }

  /** Stops the gesture in progress where it is (a pinch began, the tool changed). */
  cancel(): void {
    const active = this.active;
    this.active = null;
    if (!active) return;
    if (active.by === 'draw') this.tools.drawing.cancel();
    else if (active.by === 'select') this.tools.selectTool.cancel();
    else if (active.by === 'laser') this.tools.laser.up();
    else this.tools.shapeTool.cancel();
  }

  /** Whether the tool chosen works now: the laser draws nothing, so a paused board still points. */
  private toolUsable(): boolean {
    return this.tools.tool() === 'laser' ? this.tools.laser.allowed() : this.ctx.canEdit();
  }

  /** Someone drawing sends no cursor frames: their pen's tip is where their pointer is. */
  static followTip(record: LogRecord, ctx: EditorContext, cursors: Cursors): void {
    const op = record.op;
    if (op.k !== 'begin' && op.k !== 'ext') return;
    const stroke = ctx.client.state.strokes.get(op.id);
    if (!stroke || stroke.user !== record.user) return;
    const tip = decodePoints(op.p, stroke.pr, stroke.q ?? 0).at(-1);
    if (tip) cursors.move(record.cid, tip.x, tip.y);
  }

  /** The pointer's place on the board in world units, as precise as the zoom needs (see view.ts). */
  private pointOf(event: PointerEvent | MouseEvent): Point {
    const { view } = this.ctx;
    const rect = this.canvas.getBoundingClientRect();
    const world = view.toWorld(event.clientX - rect.left, event.clientY - rect.top);
    const unit = 2 ** precisionFor(view.zoom);
    const point: Point = { x: Math.round(world.x * unit) / unit, y: Math.round(world.y * unit) / unit };
    // Pens report real pressure; mice report a constant 0.5 or 0.
    if (event instanceof PointerEvent && event.pointerType === 'pen') point.p = Math.round(event.pressure * 100) / 100;
    return point;
  }

  /** The text or note under a board point, if any. */
  private textAt(point: Point) {
    const { ctx } = this;
    const hit = ctx.scene.shapeOf(ctx.hit.itemsAt(point, PICK_RADIUS / ctx.view.zoom)[0] ?? '');
    return { hit, text: hit && (hit.type === 'text' || hit.type === 'note') ? hit : undefined };
  }

  private down(event: PointerEvent): void {
    event.preventDefault(); // no text selection or native drag while drawing
    const { tools } = this;
    if (tools.textEditor.editing) {
      // A click outside the text being edited ends the editing, and only that.
      tools.textEditor.close();
      return;
    }
    if (this.navigation.takes(event)) return;
    if (this.active !== null || event.button !== 0 || !this.toolUsable()) return;
    const point = this.pointOf(event);
    const tool = tools.tool();
    if (tool === 'text' || tool === 'note') {
      const { text } = this.textAt(point);
      if (text) return tools.editText(text.id);
      return tools.shapeTool.place(tool, point);
    }
    this.canvas.setPointerCapture(event.pointerId);
    if (tool === 'pen' || tool === 'eraser') {
      this.active = { pointer: event.pointerId, by: 'draw' };
      tools.drawing.down(point, event.pointerType === 'pen', event.pointerType === 'touch');
    } else if (tool === 'select') {
      this.active = { pointer: event.pointerId, by: 'select' };
      tools.selectTool.down(point, { shift: event.shiftKey });
    } else if (isShapeTool(tool)) {
      this.active = { pointer: event.pointerId, by: 'shape' };
      tools.shapeTool.down(point);
    } else if (tool === 'laser') {
      this.active = { pointer: event.pointerId, by: 'laser' };
      tools.laser.down(point.x, point.y);
    }
  }

  /** Double-click with the select tool: edits a text or note, or starts a text on empty board. */
  private doubleClick(event: MouseEvent): void {
    if (!this.ctx.canEdit() || this.tools.tool() !== 'select') return;
    const point = this.pointOf(event);
    const { hit, text } = this.textAt(point);
    if (text) this.tools.editText(text.id);
    else if (!hit) this.tools.shapeTool.place('text', point);
  }

  private move(event: PointerEvent): void {
    if (this.navigation.move(event)) return;
    const { tools } = this;
    const point = this.pointOf(event);
    this.at = [point.x, point.y];
    const active = this.active;
    // While the pen draws, the stroke's tip shows the others where the pointer is (followTip).
    const drawingNow = event.pointerId === active?.pointer && active.by === 'draw' && tools.tool() === 'pen';
    if (event.pointerType !== 'touch' && !drawingNow) this.shareCursor(point);
    if (!active && tools.tool() === 'select' && event.pointerType !== 'touch') this.canvas.style.cursor = tools.selectTool.cursorAt(point);
    if (event.pointerId !== active?.pointer) return;
    if (active.by === 'draw') {
      const events = event.getCoalescedEvents?.() ?? [];
      tools.drawing.move(events.length > 0 ? events.map((e) => this.pointOf(e)) : [point]);
    } else if (active.by === 'select') {
      tools.selectTool.move(point, { shift: event.shiftKey });
    } else if (active.by === 'laser') {
      tools.laser.move(point.x, point.y);
    } else {
      tools.shapeTool.move(point, event.shiftKey);
    }
  }

  private release(event: PointerEvent): void {
    this.navigation.release(event);
    if (event.pointerId !== this.active?.pointer) return;
    const by = this.active.by;
    this.active = null;
    const { tools } = this;
    if (by === 'draw') tools.drawing.up();
    else if (by === 'laser') tools.laser.up();
    else if (by === 'select') tools.selectTool.up(this.pointOf(event));
    else if (event.type === 'pointerup') tools.shapeTool.up(this.pointOf(event), event.shiftKey);
    else tools.shapeTool.cancel();
  }

  private shareCursor(point: Point): void {
    this.cursorAt = point;
    this.cursorFrame ||= requestAnimationFrame(() => {
      this.cursorFrame = 0;
      const at = this.cursorAt;
      if (at) this.ctx.client.cursor(Math.round(at.x * 10) / 10, Math.round(at.y * 10) / 10);
    });
  }
}
