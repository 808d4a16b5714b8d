/**
 * Text layout for text elements and sticky notes: where lines break.
 *
 * Lines must break identically on every page, at every zoom, in the replay
 * and in SVG and PNG exports (the server's SVG export runs in Node, with no
 * browser). So breaking is a pure function of the text, the font size and
 * the width, computed from the board font's advance widths as shipped in
 * font-metrics.ts (generated from the font file the app serves), never from
 * a browser's measureText, whose answers vary with platform, zoom and
 * hinting. Kerning and ligatures are ignored: a renderer that wants its
 * lines to be exactly as wide as measured here turns them off
 * (canvas `fontKerning = 'none'`, CSS/SVG `font-kerning: none`).
 *
 * Widths are summed in whole font units and compared with the width turned
 * into font units once, so the breaks depend on maxWidth / fontSize alone:
 * scaling both by the same factor gives the same lines.
 *
 * Shared by the server and the web app: no Node APIs here.
 */
import { FONT_METRICS } from './font-metrics.ts';

const { unitsPerEm, ascender, descender } = FONT_METRICS;

/**
 * The one font of board text. `family` is the name the app registers the
 * font under (web/src/fonts.ts, SVG exports), not the font's own name, so a
 * font installed on the machine under the same name can never stand in for
 * it. `file` is in the npm package `package`, and served at `url`; the
 * metrics are in em (ascent above the baseline, descent below it, both
 * positive).
 */
export const BOARD_FONT = {
  family: 'BoardFont',
  package: '@fontsource/atkinson-hyperlegible',
  file: 'atkinson-hyperlegible-latin-400-normal.woff2',
  url: '/fonts/atkinson-hyperlegible-latin-400-normal.woff2',
  weight: 400,
  style: 'normal',
  /** Used by the browser only for characters the font lacks, and while it loads. */
  fallback: 'sans-serif',
  ascent: ascender / unitsPerEm,
  descent: -descender / unitsPerEm,
} as const;

/** Distance between baselines, as a multiple of the font size: a little more than the font's ascent + descent, so lines never touch. */
export const LINE_HEIGHT = 1.25;

/**
 * Code points drawn with no width: C0/C1 controls, the soft hyphen (the font
 * has a glyph for it, but browsers draw none unless they hyphenate, which
 * we never do), combining marks, zero-width spaces and joiners, direction
 * marks, variation selectors, emoji skin-tone modifiers and tags. Besides
 * being measured as 0, they stay with the character before them when a
 * word is broken. Sorted [first, last] pairs.
 */
const ZERO_WIDTH = [
  0x0000, 0x001f, 0x007f, 0x009f, 0x00ad, 0x00ad, 0x0300, 0x036f, 0x0483, 0x0489, 0x0591, 0x05bd, 0x0610, 0x061a,
  0x064b, 0x065f, 0x1ab0, 0x1aff, 0x1dc0, 0x1dff, 0x200b, 0x200f, 0x202a, 0x202e, 0x2060, 0x2064, 0x20d0, 0x20ff,
  0xfe00, 0xfe0f, 0xfe20, 0xfe2f, 0xfeff, 0xfeff, 0x1f3fb, 0x1f3ff, 0xe0000, 0xe007f, 0xe0100, 0xe01ef,
];

/**
 * Characters the browser draws from a fallback font that takes a full em:
 * East Asian wide and fullwidth blocks (Hangul, CJK, kana, fullwidth forms)
 * and the main emoji blocks. Sorted [first, last] pairs.
 */
const WIDE = [
  0x1100, 0x115f, 0x2e80, 0x303e, 0x3041, 0x33ff, 0x3400, 0x4dbf, 0x4e00, 0x9fff, 0xa000, 0xa4cf, 0xac00, 0xd7a3,
  0xf900, 0xfaff, 0xfe30, 0xfe4f, 0xff00, 0xff60, 0xffe0, 0xffe6, 0x1f000, 0x1faff, 0x20000, 0x3fffd,
];

/**
 * Advance of a character the font does not have, in em. The browser draws
 * it from some fallback font whose width cannot be known here; 0.6 em is a
 * little wider than the average Latin, Greek or Cyrillic letter (the
 * board font's "n" is 0.546 em), so such text rarely overruns its box.
 */
const FALLBACK_EM = 0.6;
const ZWJ = 0x200d;
const SPACE = 0x20;
const TAB = 0x09;

function inRanges(ranges: readonly number[], cp: number): boolean {
  for (let i = 0; i < ranges.length; i += 2) {
    if (cp < ranges[i]!) return false;
    if (cp <= ranges[i + 1]!) return true;
  }
  return false;
}

let advances: Map<number, number> | undefined;

/** The advance table, decoded from its runs on first use (so importing this module costs nothing). */
function advanceTable(): Map<number, number> {
  if (!advances) {
    advances = new Map();
    for (const [first, ...run] of FONT_METRICS.advanceRuns) {
      run.forEach((advance, i) => advances!.set(first! + i, advance));
    }
  }
  return advances;
}

/** Advance of one code point in font units: tabs as spaces, then zero-width, the table, wide, fallback. */
function unitsOf(cp: number): number {
  if (cp === TAB) cp = SPACE;
  if (inRanges(ZERO_WIDTH, cp)) return 0;
  const advance = advanceTable().get(cp);
  if (advance !== undefined) return advance;
  return inRanges(WIDE, cp) ? unitsPerEm : Math.round(FALLBACK_EM * unitsPerEm);
}

/** Width of a string in font units (an integer: advances summed, no kerning). */
function unitsOfText(text: string): number {
  let units = 0;
  for (const ch of text) units += unitsOf(ch.codePointAt(0)!);
  return units;
}

/**
 * The pieces a word may be broken into: a code point (never half of a
 * surrogate pair) with the zero-width marks after it, and, across a
 * zero-width joiner, the code point after that (so 👩‍💻 or é written as
 * e + ◌́ stays whole). Not full Unicode grapheme clustering, which differs
 * between engine versions; this is fixed, so the same everywhere.
 */
function clusters(word: string): string[] {
  const out: string[] = [];
  let joinNext = false;
  for (const ch of word) {
    const cp = ch.codePointAt(0)!;
    if (out.length > 0 && (joinNext || inRanges(ZERO_WIDTH, cp))) out[out.length - 1] += ch;
    else out.push(ch);
    joinNext = cp === ZWJ;
  }
  return out;
}

/**
 * Width of a line of text at a font size, in the same units as the font
 * size: the sum of the advances of its characters (kerning ignored; a tab
 * counts as a space; characters the font lacks count 1 em if East Asian
 * wide or emoji, 0 if combining or invisible, else 0.6 em).
 */
export function textWidth(text: string, fontSize: number): number {
  return (unitsOfText(text) * fontSize) / unitsPerEm;
}

/** maxWidth as a whole number of font units at this size: what a line's summed advances may reach. */
function budgetOf(fontSize: number, maxWidth: number | null): number {
  if (maxWidth === null || !(fontSize > 0) || maxWidth === Infinity) return Infinity;
  if (!(maxWidth > 0)) return 0;
  // The 1e-6 units absorb rounding in maxWidth / fontSize, so that sizes scaled together break alike.
  return Math.floor((maxWidth / fontSize) * unitsPerEm + 1e-6);
}

/** Greedy breaking of one paragraph (no newlines) into lines within budget font units. */
function wrapParagraph(paragraph: string, budget: number, lines: string[]): void {
  if (budget === Infinity) {
    lines.push(paragraph);
    return;
  }
  const space = unitsOf(SPACE);
  let line = '';
  let lineUnits = 0;
  paragraph.split(' ').forEach((word, i) => {
    const units = unitsOfText(word);
    if (i > 0) {
      if (lineUnits + space + units <= budget) {
        line += ' ' + word;
        lineUnits += space + units;
        return;
      }
      // Break at this space; it is dropped (neither line shows it).
      lines.push(line);
      line = '';
      lineUnits = 0;
    }
    if (units <= budget) {
      line = word;
      lineUnits = units;
      return;
    }
    // Wider than a whole line: break between its characters, at least one per line; the last piece starts the next line.
    let pieces = 0;
    for (const piece of clusters(word)) {
      const pieceUnits = unitsOfText(piece);
      if (pieces > 0 && lineUnits + pieceUnits > budget) {
        lines.push(line);
        line = '';
        lineUnits = 0;
        pieces = 0;
      }
      line += piece;
      lineUnits += pieceUnits;
      pieces++;
    }
  });
  lines.push(line);
}

/**
 * The lines a text is drawn in, at a font size, in a box maxWidth wide (in
 * the font size's units), or with no wrapping when maxWidth is null.
 *
 * - Hard breaks at '\n', '\r\n' and a lone '\r': every one starts a line,
 *   so "a\n" is two lines, the second empty; empty text is one empty line.
 * - Tabs count as spaces, and are returned as spaces (renderers never see one).
 * - Soft breaks only at spaces (U+0020; a no-break space never breaks); the
 *   space at a break is dropped, other spaces are kept as typed.
 * - A word wider than maxWidth breaks between characters, never inside a
 *   surrogate pair or before a combining mark.
 * - No line is wider than maxWidth, unless it is one unbreakable character.
 *
 * Depends on maxWidth / fontSize only: doubling both gives the same lines.
 */
export function wrapText(text: string, fontSize: number, maxWidth: number | null): string[] {
  const budget = budgetOf(fontSize, maxWidth);
  const lines: string[] = [];
  for (const paragraph of text.replace(/\t/g, ' ').split(/\r\n|\r|\n/)) wrapParagraph(paragraph, budget, lines);
  return lines;
}

/** A text's lines and the size they take, in the font size's units. */
export type TextLayout = { lines: string[]; width: number; height: number };

/**
 * The lines of wrapText and their extent: width is the widest line's width
 * (not maxWidth, so a caller can shrink a box to its text; a box of fixed
 * width keeps its own), height is lines × fontSize × LINE_HEIGHT.
 */
export function layoutText(text: string, fontSize: number, maxWidth: number | null): TextLayout {
  const lines = wrapText(text, fontSize, maxWidth);
  const width = lines.reduce((widest, line) => Math.max(widest, textWidth(line, fontSize)), 0);
  return { lines, width, height: lines.length * fontSize * LINE_HEIGHT };
}

/**
 * How far below the top of a line its baseline is, in the font size's
 * units: the font's ascent plus half the room the line height leaves over
 * ascent + descent (the CSS half-leading model). Line i's baseline is at
 * top + i × fontSize × LINE_HEIGHT + baselineOffset(fontSize), in every
 * renderer.
 */
export function baselineOffset(fontSize: number): number {
  return (BOARD_FONT.ascent + (LINE_HEIGHT - BOARD_FONT.ascent - BOARD_FONT.descent) / 2) * fontSize;
}

/**
 * An `@font-face` rule declaring the board font from a URL (a data: URL in
 * SVG exports, so they show the board font wherever they are opened). The
 * server's and the web app's SVG exports both use it, so they match.
 */
export function fontFaceCss(url: string): string {
  return `@font-face{font-family:'${BOARD_FONT.family}';font-weight:${BOARD_FONT.weight};font-style:${BOARD_FONT.style};src:url("${url}") format('woff2');}`;
}
