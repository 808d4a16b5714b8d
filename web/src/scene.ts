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
