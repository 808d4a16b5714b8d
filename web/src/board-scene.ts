/**
 * The board as this page shows it (the Scene the renderer paints): the
 * confirmed board, with this page's strokes still being drawn, its element
 * changes not yet confirmed (optimistic.ts), a shape being drawn, and
 * without the item whose text is being edited in place (the editor shows
 * it). Tools read items through here, so they act on what the user sees.
 */
import type { Shape } from '../../server/board/elements.ts';
import { byStack, isVisible } from '../../server/board/state.ts';
import type { ClientOp } from '../../server/protocol/messages.ts';
import type { BoardClient } from './board-client.ts';
import type { Drawing } from './drawing.ts';
import { EMPTY_OVERLAY, foldPending, linesStuckTo, type Item, type Overlay } from './optimistic.ts';
import type { Scene, SceneItem } from './scene.ts';

export class BoardScene implements Scene {
  /** Shapes being drawn (not sent yet), by id. */
  readonly drafts = new Map<string, Shape>();
  /** Changes shown as if sent, not sent yet (a drag of more than one operation's worth of ids, sent on release). */
  preview: ClientOp[] = [];
  /** The item whose text is being edited: the editor draws it. */
  hidden: string | null = null;
  private overlay: Overlay = EMPTY_OVERLAY;
  private moving: ReadonlySet<string> = new Set();
  private stale = true;

  constructor(
    private readonly client: BoardClient,
    private readonly drawing: Drawing,
  ) {}

  /** The board or the pending operations changed: fold them again when next asked. */
  invalidate(): void {
    this.stale = true;
  }

  private current(): Overlay {
    if (this.stale) {
      this.stale = false;
      const { client } = this;
      const pending = [...client.pendingOps(), ...this.preview];
      this.overlay = foldPending(client.state, pending, { user: client.user, cid: client.cid, name: '' });
      const touched = new Set(this.overlay.items.keys());
      this.moving = new Set([...touched, ...linesStuckTo(this.shapes(), touched)]);
    }
    return this.overlay;
  }

  /** Confirmed shapes with pending changes applied. */
  private *shapes(): Iterable<Shape> {
    const { items } = this.overlay;
    for (const s of this.client.state.shapes.values()) {
      const shown = items.get(s.id);
      yield shown && 'type' in shown ? shown : s;
    }
  }

  /** An item as shown, if it is shown (drafts included). */
  itemOf(id: string): Item | undefined {
    const draft = this.drafts.get(id);
    if (draft) return draft;
    const overlay = this.current();
    if (overlay.erased.has(id) || this.drawing.erasing.has(id)) return undefined;
    const item = overlay.items.get(id) ?? this.client.state.shapes.get(id) ?? this.client.state.strokes.get(id);
    return item && isVisible(item) ? item : undefined;
  }

  /** A shape as shown. */
  shapeOf(id: string): Shape | undefined {
    const item = this.itemOf(id);
    return item && 'type' in item ? item : undefined;
  }

  /** Every item shown, confirmed or pending, back to front (not drafts nor strokes still being drawn). */
  visible(): Item[] {
    const overlay = this.current();
    const out: Item[] = [];
    const { state } = this.client;
    for (const map of [state.strokes, state.shapes] as const) {
      for (const original of map.values()) {
        const item = overlay.items.get(original.id) ?? original;
        if (isVisible(item) && !overlay.erased.has(item.id) && !this.drawing.erasing.has(item.id)) out.push(item);
      }
    }
    for (const item of overlay.items.values()) if (!state.strokes.has(item.id) && !state.shapes.has(item.id) && isVisible(item)) out.push(item);
    return out.sort(byStack);
  }

  *items(): Iterable<SceneItem> {
    const overlay = this.current();
    const { state } = this.client;
    const { local, erasing } = this.drawing;
    for (const stroke of state.strokes.values()) {
      if (erasing.has(stroke.id) || overlay.erased.has(stroke.id) || stroke.id === this.hidden) continue;
      const shown = overlay.items.get(stroke.id) ?? stroke;
      if (!isVisible(shown)) continue;
      yield local.get(stroke.id) ?? shown;
    }
    for (const stroke of local.values()) if (!state.strokes.has(stroke.id)) yield stroke;
    for (const shape of state.shapes.values()) {
      if (overlay.erased.has(shape.id) || erasing.has(shape.id) || shape.id === this.hidden) continue;
      const shown = overlay.items.get(shape.id) ?? shape;
      if (isVisible(shown)) yield shown;
    }
    for (const item of overlay.items.values()) {
      if (state.strokes.has(item.id) || state.shapes.has(item.id) || item.id === this.hidden || !isVisible(item)) continue;
      yield item;
    }
    yield* this.drafts.values();
  }

  isLive(id: string): boolean {
    this.current();
    return this.moving.has(id) || this.drafts.has(id) || this.drawing.local.has(id);
  }
}
