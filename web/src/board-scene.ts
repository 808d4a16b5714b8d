/**
 * The board as this page shows it (the Scene the renderer paints): the
 * confirmed board, with this page's strokes still being drawn, its element
 * changes not yet confirmed (optimistic.ts), a shape being drawn, and
 * without the item whose text is being edited in place (the editor shows
 * it). Tools read items through here, so they act on what the user sees.
 */
import { isLineType, type Shape } from '../../server/board/elements.ts';
import { byStack, isVisible } from '../../server/board/state.ts';
import type { ClientOp } from '../../server/protocol/messages.ts';
import type { BoardClient } from './board-client.ts';
import type { Drawing } from './drawing.ts';
import { EMPTY_OVERLAY, foldPending, StuckLines, type Item, type Overlay } from './optimistic.ts';
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
  /** Confirmed lines by the elements they stick to, kept in step with the records (the pending ones are looked at apart). */
  private readonly stuck = new StuckLines();
  private stale = true;
  /** Ids changed since changes() was last asked (by the records too), or all of them after a new snapshot. */
  private changed = new Set<string>();
  private changedAll = true;
  private readonly tracked = { drafts: new Tracked(), local: new Tracked(), erasing: new Tracked(), hidden: new Tracked() };

  constructor(
    private readonly client: BoardClient,
    private readonly drawing: Drawing,
  ) {}

  /** The board or the pending operations changed: fold them again when next asked. */
  invalidate(): void {
    this.stale = true;
  }

  private current(): Overlay {
    this.pullRecords();
    if (this.stale) {
      this.stale = false;
      const { client } = this;
      const pending = [...client.pendingOps(), ...this.preview];
      const before = this.overlay;
      for (const id of before.items.keys()) this.changed.add(id);
      for (const id of before.erased) this.changed.add(id);
      for (const id of this.moving) this.changed.add(id);
      this.overlay = foldPending(client.state, pending, { user: client.user, cid: client.cid, name: '' });
      const touched = new Set(this.overlay.items.keys());
      this.moving = new Set([...touched, ...this.stuckTo(touched)]);
      for (const id of this.overlay.items.keys()) this.changed.add(id);
      for (const id of this.overlay.erased) this.changed.add(id);
      for (const id of this.moving) this.changed.add(id);
    }
    return this.overlay;
  }

  /** What the records folded since last asked changed: noted, and the confirmed lines indexed again. */
  private pullRecords(): void {
    const fromLog = this.client.takeChanged();
    const { shapes } = this.client.state;
    if (fromLog === 'all') {
      this.changedAll = true;
      this.stuck.rebuild(shapes.values());
      return;
    }
    for (const id of fromLog) {
      this.changed.add(id);
      this.stuck.update(id, shapes.get(id));
    }
  }

  changes(): ReadonlySet<string> | 'all' {
    this.current();
    const { changed, tracked } = this;
    const all = this.changedAll;
    this.changed = new Set();
    this.changedAll = false;
    tracked.drafts.diff(this.drafts.keys(), changed);
    tracked.local.diff(this.drawing.local.keys(), changed);
    tracked.erasing.diff(this.drawing.erasing, changed);
    tracked.hidden.diff(this.hidden === null ? [] : [this.hidden], changed);
    return all ? 'all' : changed;
  }

  linesStuckTo(ids: ReadonlySet<string>): Iterable<string> {
    this.current();
    return this.stuckTo(ids);
  }

  /** The visible lines stuck to any of `ids` as shown: the confirmed ones unless a pending change moved them, and the pending ones. */
  private stuckTo(ids: ReadonlySet<string>): string[] {
    if (ids.size === 0) return [];
    const { items } = this.overlay;
    const lines = new Set<string>();
    for (const id of ids) for (const line of this.stuck.linesOf(id)) if (!items.has(line)) lines.add(line);
    for (const item of items.values()) {
      if ('type' in item && isLineType(item.type) && isVisible(item) && ((item.sb && ids.has(item.sb.id)) || (item.eb && ids.has(item.eb.id)))) lines.add(item.id);
    }
    return [...lines];
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
