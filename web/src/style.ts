/**
 * The style new strokes and elements get, as the style panel sets it, and
 * the property values it stands for in a `set` of the selection.
 */
import { ARROW_END } from '../../server/board/elements.ts';
import { DEFAULT_FONT_SIZE } from '../../server/board/element-fold.ts';

export type Style = {
  color: string;
  /** Fill of new boxes, or null for none. */
  fill: string | null;
  /** Stroke width (pen width too). */
  sw: number;
  dash: 0 | 1;
  /** Arrowheads of new arrows (bit 0 start, bit 1 end). */
  ah: number;
  /** Font size of new text and notes. */
  fs: number;
};

export const defaultStyle = (): Style => ({ color: '#1e1e1e', fill: null, sw: 4, dash: 0, ah: ARROW_END, fs: DEFAULT_FONT_SIZE });

/** A note's fill when none is chosen, and the room between its edge and its text: as the renderer paints them. */
export { NOTE_FILL, NOTE_PADDING } from './element-paint.ts';
/** Size of a new sticky note, in world units. */
export const NOTE_SIZE = 200;
/** Widest a text element grows while typed in before it wraps, in its own units. */
export const MAX_TEXT_WIDTH = 480;
