/**
 * What a page gives its renderer: everything drawn on the board, ink and
 * elements alike, each placed by its matrix and stacked by `z` (then by
 * log position), as server/board/state.ts's `visibleItems` orders them.
 */
import type { Matrix, Shape } from '../../server/board/elements.ts';
import type { Drawable } from './stroke-geometry.ts';

/** Ink as the renderer takes it: confirmed or still local, placed by `m` once moved. */
export type InkItem = Drawable & { m?: Matrix; z?: number };
export type SceneItem = InkItem | Shape;

export const isShape = (item: SceneItem): item is Shape => 'type' in item;

export type Scene = {
  /** Every visible item, in any order (the renderer stacks them). */
  items(): Iterable<SceneItem>;
  /**
   * Items in motion on this page (its own changes not yet back from the
   * log, a drag): painted every frame rather than into tiles.
   */
  isLive(id: string): boolean;
};

/**
 * A scene that says what changed since it was last asked, so that a change
 * costs the renderer the items it touches rather than a read of the whole
 * board (a drag changes the board sixty times a second).
 */
export type ChangingScene = Scene & {
  /** Ids of the items that may have changed, appeared or gone (or stopped or started being live), or 'all'. */
  changes(): ReadonlySet<string> | 'all';
  /** One item as items() yields it, or undefined when it is not shown. */
  item(id: string): SceneItem | undefined;
  /** Ids of the shown lines with an end stuck to one of `ids`: they follow those elements without being changed. */
  linesStuckTo(ids: ReadonlySet<string>): Iterable<string>;
};

export const tellsChanges = (scene: Scene): scene is ChangingScene => 'changes' in scene;
