/**
 * What the editing tools share: the connection, the board as shown, the
 * renderer's hit testing, the view, the selection and the style of new
 * elements. Each tool gets this one object rather than a dozen callbacks.
 */
import type { Matrix } from '../../server/board/elements.ts';
import type { Point } from '../../server/protocol/points.ts';
import type { BoardClient } from './board-client.ts';
import type { BoardScene } from './board-scene.ts';
import type { Selection } from './selection.ts';
import type { Style } from './style.ts';
import type { Rect, View } from './view.ts';

/** What the renderer answers about what is drawn where (renderer.ts), in world units. */
export type HitTest = {
  /** Items within `radius` of a point, topmost first. */
  itemsAt(point: Point, radius: number): string[];
  /** Items wholly inside a rectangle (a marquee). */
  itemsIn(rect: Rect): string[];
  /** An item's own box (0, 0)-(w, h) and the matrix placing it. */
  placementOf(id: string): { m: Matrix; w: number; h: number } | null;
  boundsOf(id: string): Rect | null;
};

export type EditorContext = {
  client: BoardClient;
  scene: BoardScene;
  hit: HitTest;
  view: View;
  selection: Selection;
  style: Style;
  /** Whether this page may change the board (an editor, the board not full). */
  canEdit(): boolean;
  /** Something shown changed: the scene folds again and the next frame paints it. */
  redraw(): void;
  toast(text: string): void;
};
