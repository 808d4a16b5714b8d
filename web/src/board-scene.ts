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
import { EMPTY_OVERLAY, foldPending, stuckLinesOf, stuckTo, type Item, type Overlay, type StuckLines } from './optimistic.ts';
import type { ChangingScene, SceneItem } from './scene.ts';

/** Ids that were in a set the last time and ids that are in it now: what changed with it. */
class Tracked {
  private last: ReadonlySet<string> = new Set();
  diff(now: Iterable<string>, into: Set<string>): void {
    const next = new Set(now);
    for (const id of this.last) into.add(id);
    for (const id of next) into.add(id);
    this.last = next;
  }
}

export class BoardScene implements ChangingScene {
  /** Shapes being drawn (not sent yet), by id. */
  readonly drafts = new Map<string, Shape>();
  /** Changes shown as if sent, not sent yet (a drag of more than one operation's worth of ids, sent on release). */
  preview: ClientOp[] = [];
  /** The item whose text is being edited: the editor draws it. */
  hidden: string | null = null;
  private overlay: Overlay = EMPTY_OVERLAY;
  private moving: ReadonlySet<string> = new Set();
  /** Lines by the elements they stick to, as shown: built when first needed after a change, for the moving set and the renderer alike. */
  private stuck: StuckLines | null = null;
  private stale = true;
  /** Ids changed by the page's own sources since changes() was last asked. */
  private changed = new Set<string>();
  private readonly tracked = { drafts: new Tracked(), local: new Tracked(), erasing: new Tracked(), hidden: new Tracked() };

  constructor(
    private readonly client: BoardClient,
    private readonly drawing: Drawing,
  ) {}

  /** The board or the pending operations changed: fold them again when next asked. */
  invalidate(): void {
    this.stale = true;
    this.stuck = null;
  }

  private current(): Overlay {
    if (this.stale) {
      this.stale = false;
      const { client } = this;
      const pending = [...client.pendingOps(), ...this.preview];
      const before = this.overlay;
      for (const id of before.items.keys()) this.changed.add(id);
      for (const id of before.erased) this.changed.add(id);
      for (const id of this.moving) this.changed.add(id);
      this.overlay = foldPending(client.state, pending, { user: client.user, cid: client.cid, name: '' });
      this.stuck = null;
      const touched = new Set(this.overlay.items.keys());
      this.moving = new Set([...touched, ...this.stuckTo(touched)]);
      for (const id of this.overlay.items.keys()) this.changed.add(id);
      for (const id of this.overlay.erased) this.changed.add(id);
      for (const id of this.moving) this.changed.add(id);
    }
    return this.overlay;
  }

  changes(): ReadonlySet<string> | 'all' {
    this.current();
    const fromLog = this.client.takeChanged();
    const { changed, tracked } = this;
    this.changed = new Set();
    tracked.drafts.diff(this.drafts.keys(), changed);
    tracked.local.diff(this.drawing.local.keys(), changed);
    tracked.erasing.diff(this.drawing.erasing, changed);
    tracked.hidden.diff(this.hidden === null ? [] : [this.hidden], changed);
    if (fromLog === 'all') return 'all';
    for (const id of fromLog) changed.add(id);
    return changed;
  }

  /** Confirmed shapes with pending changes applied. */
  private *shapes(): Iterable<Shape> {
    const { items } = this.overlay;
    for (const s of this.client.state.shapes.values()) {
      const shown = items.get(s.id);
      yield shown && 'type' in shown ? shown : s;
    }
  }

  linesStuckTo(ids: ReadonlySet<string>): Iterable<string> {
    this.current();
    return this.stuckTo(ids);
  }

  private stuckTo(ids: ReadonlySet<string>): string[] {
    if (ids.size === 0) return [];
    this.stuck ??= stuckLinesOf(this.shapes());
    return stuckTo(this.stuck, ids);
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

  item(id: string): SceneItem | undefined {
    const draft = this.drafts.get(id);
    if (draft) return draft;
    const overlay = this.current();
    if (id === this.hidden || overlay.erased.has(id) || this.drawing.erasing.has(id)) return undefined;
    const { state } = this.client;
    const shown = overlay.items.get(id) ?? state.strokes.get(id) ?? state.shapes.get(id);
    const local = this.drawing.local.get(id);
    if (!shown) return local;
    if (!isVisible(shown)) return undefined;
    return local ?? shown;
  }

  *items(): Iterable<SceneItem> {
    const overlay = this.current();
    const { state } = this.client;
    const ids = [state.strokes.keys(), this.drawing.local.keys(), state.shapes.keys(), overlay.items.keys(), this.drafts.keys()];
    const seen = new Set<string>();
    for (const some of ids) {
      for (const id of some) {
        if (seen.has(id)) continue;
        seen.add(id);
        const item = this.item(id);
        if (item) yield item;
      }
    }
  }

  isLive(id: string): boolean {
    this.current();
    return this.moving.has(id) || this.drafts.has(id) || this.drawing.local.has(id);
  }
}
