/**
 * What a board is besides its drawing: its name and its paper (the
 * background pages draw under everything). Both are set by an editor with a
 * `board` operation, kept in the log, and undone like any other action.
 */

/** Backgrounds: blank, a dot grid, squared paper, lined paper. */
export const PAPERS = ['blank', 'dots', 'squares', 'lines'] as const;
export type Paper = (typeof PAPERS)[number];

/** Distance between dots and lines, in world units (CSS pixels at 100%). */
export const PAPER_SPACING = 24;

export type BoardSettings = { name: string; paper: Paper };
export const DEFAULT_SETTINGS: BoardSettings = { name: '', paper: 'blank' };

/** A board name as it is kept: control characters out, trimmed, bounded (empty: the board goes by its id). */
export function cleanBoardName(raw: string, max: number): string {
  return raw.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, max);
}
