import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { currentMetricsModule, readFontMetrics } from '../../scripts/font-metrics.ts';
import { boardFontBase64, boardFontPath, svgFontFace } from '../../server/text/font-file.ts';
import { FONT_METRICS } from '../../server/text/font-metrics.ts';
import { BOARD_FONT, LINE_HEIGHT, baselineOffset, layoutText, textWidth, wrapText } from '../../server/text/layout.ts';
import { fontCss } from '../../web/src/fonts.ts';

const SENTENCE = 'The quick brown fox jumps over the lazy dog while the teacher draws a diagram';

/** The text as wrapText reads it: tabs are spaces, every kind of newline is '\n'. */
const normalized = (text: string): string => text.replace(/\t/g, ' ').replace(/\r\n|\r/g, '\n');

/**
 * Whether lines are the text cut at its breaks: each line is the next piece
 * of the text, and between two lines the text has a '\n' (hard break), one
 * space (a soft break drops exactly one), or nothing (a word broken between
 * characters, where the next line goes on with the word, never a space).
 */
function rejoins(text: string, lines: string[]): boolean {
  let pos = 0;
  for (const [i, line] of lines.entries()) {
    if (i > 0 && (text[pos] === '\n' || text[pos] === ' ')) pos++;
    if (!text.startsWith(line, pos)) return false;
    pos += line.length;
  }
  return pos === text.length;
}

describe('the metrics table', () => {
  const mapped = new Map<number, number>();
  for (const [first, ...run] of FONT_METRICS.advanceRuns) run.forEach((advance, i) => mapped.set(first! + i, advance));

  it('covers printable ASCII and the accented letters of Western European languages, with real widths', () => {
    for (let cp = 0x20; cp <= 0x7e; cp++) expect(mapped.get(cp), String.fromCodePoint(cp)).toBeGreaterThan(0);
    for (const ch of 'éèêëàâäçñöüßÉÀÇÑÖÜœ€–—“”‘’…') expect(mapped.get(ch.codePointAt(0)!), ch).toBeGreaterThan(0);
  });

  it('is generated from the font file as installed (rerun `npx tsx scripts/font-metrics.ts` if this fails)', () => {
    expect(readFileSync(new URL('../../server/text/font-metrics.ts', import.meta.url), 'utf8')).toBe(currentMetricsModule());
  });

  it('reads the same metrics from the WOFF2 (brotli) and the WOFF (zlib) of the font, so the parser is right', () => {
    const woff2 = readFontMetrics(readFileSync(boardFontPath()));
    const woff = readFontMetrics(readFileSync(boardFontPath().replace(/\.woff2$/, '.woff')));
    expect(woff2).toEqual(woff);
    expect(woff2.unitsPerEm).toBe(FONT_METRICS.unitsPerEm);
  });

  it('is the font the web build copies and the server embeds', () => {
    const build = readFileSync(new URL('../../scripts/build-web.mjs', import.meta.url), 'utf8');
    expect(build).toContain(`'${BOARD_FONT.file}'`);
    expect(build).toContain(`'${BOARD_FONT.package}'`);
    expect(BOARD_FONT.url).toBe(`/fonts/${BOARD_FONT.file}`);
    expect(Buffer.from(boardFontBase64(), 'base64').equals(readFileSync(boardFontPath()))).toBe(true);
    expect(svgFontFace()).toContain(`font-family:'${BOARD_FONT.family}'`);
    expect(svgFontFace()).toContain(`url("data:font/woff2;base64,${boardFontBase64()}")`);
  });
});

describe('textWidth', () => {
  it('grows with the text and adds up: a line is as wide as its parts', () => {
    let previous = 0;
    for (let n = 1; n <= SENTENCE.length; n++) {
      const width = textWidth(SENTENCE.slice(0, n), 16);
      expect(width).toBeGreaterThan(previous);
      previous = width;
    }
    expect(textWidth('hello world', 16)).toBeCloseTo(textWidth('hello', 16) + textWidth(' ', 16) + textWidth('world', 16), 9);
    expect(textWidth('', 16)).toBe(0);
  });

  it('is proportional to the font size', () => {
    expect(textWidth(SENTENCE, 32)).toBeCloseTo(2 * textWidth(SENTENCE, 16), 9);
  });

  it('measures a wide "M" wider than a narrow "i", and a tab as a space', () => {
    expect(textWidth('M', 16)).toBeGreaterThan(textWidth('i', 16));
    expect(textWidth('a\tb', 16)).toBe(textWidth('a b', 16));
  });

  it('gives characters the font lacks a fixed width: 1 em if wide (CJK, emoji), 0 if combining or invisible, else 0.6 em', () => {
    expect(textWidth('中', 20)).toBe(20);
    expect(textWidth('😀', 20)).toBe(20);
    expect(textWidth('ω', 20)).toBeCloseTo(12, 9);
    expect(textWidth('c\u0327', 20)).toBe(textWidth('c', 20));
    expect(textWidth('a\u00adb\u200bc', 20)).toBe(textWidth('abc', 20));
  });
});

describe('wrapText', () => {
  it('keeps empty text as one empty line, and every hard break, whatever the width', () => {
    expect(wrapText('', 16, 100)).toEqual(['']);
    expect(wrapText('', 16, null)).toEqual(['']);
    expect(wrapText('one\ntwo\r\nthree\rfour', 16, null)).toEqual(['one', 'two', 'three', 'four']);
    expect(wrapText('one\n\ntwo\n', 16, 1000)).toEqual(['one', '', 'two', '']);
    expect(wrapText('\n', 16, 1000)).toEqual(['', '']);
  });

  it('does not wrap without a width', () => {
    expect(wrapText(SENTENCE, 16, null)).toEqual([SENTENCE]);
    expect(wrapText(SENTENCE, 16, Infinity)).toEqual([SENTENCE]);
  });

  it('breaks at the last space that fits and drops it', () => {
    const width = textWidth('The quick brown fox', 20);
    expect(wrapText('The quick brown fox jumps', 20, width)).toEqual(['The quick brown fox', 'jumps']);
    // A hair narrower and "fox" goes down.
    expect(wrapText('The quick brown fox jumps', 20, width - 0.01)).toEqual(['The quick brown', 'fox jumps']);
  });

  it('keeps spaces that are not at a break, and never breaks at a no-break space', () => {
    expect(wrapText('a  b', 16, 1000)).toEqual(['a  b']);
    expect(wrapText('tab\there', 16, null)).toEqual(['tab here']);
    const nbsp = '10\u00a0km away';
    expect(wrapText(nbsp, 16, textWidth('10\u00a0km', 16))).toEqual(['10\u00a0km', 'away']);
    expect(wrapText(nbsp, 16, textWidth('10\u00a0k', 16))[0]).toBe('10\u00a0k');
  });

  it('breaks a word longer than the width between its characters, filling each line', () => {
    const word = 'Pneumonoultramicroscopicsilicovolcanoconiosis';
    const width = textWidth('Pneumono', 16);
    const lines = wrapText(word, 16, width);
    expect(lines.join('')).toBe(word);
    expect(lines[0]).toBe('Pneumono');
    for (const [i, line] of lines.entries()) {
      expect(textWidth(line, 16)).toBeLessThanOrEqual(width);
      // Full: the next line's first letter would not have fitted.
      if (i + 1 < lines.length) expect(textWidth(line + lines[i + 1]![0], 16)).toBeGreaterThan(width);
    }
    // Words around it go on their own lines, or after its last piece when they fit.
    const around = wrapText(`a ${word} b`, 16, width);
    expect(around[0]).toBe('a');
    expect(rejoins(`a ${word} b`, around)).toBe(true);
  });

  it('never splits a surrogate pair, a letter from its combining accent, or an emoji joined by ZWJ', () => {
    const emoji = '😀'.repeat(5);
    expect(wrapText(emoji, 16, 20)).toEqual(['😀', '😀', '😀', '😀', '😀']);
    expect(wrapText('e\u0301e\u0301e\u0301', 16, textWidth('e', 16))).toEqual(['e\u0301', 'e\u0301', 'e\u0301']);
    expect(wrapText('👩\u200d💻👩\u200d💻', 16, 1)).toEqual(['👩\u200d💻', '👩\u200d💻']);
  });

  it('puts one character per line when not even one fits', () => {
    expect(wrapText('abc', 16, 0)).toEqual(['a', 'b', 'c']);
    expect(wrapText('ab cd', 16, 1)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('wraps to the same lines at any scale: the breaks depend on width / font size alone', () => {
    for (const width of [40, 77, 150, 301]) {
      const lines = wrapText(SENTENCE, 16, width);
      for (const k of [2, 0.5, 3, 1.1, 1.37, 0.1, 8.5]) expect(wrapText(SENTENCE, 16 * k, width * k)).toEqual(lines);
    }
    // Widths exactly at a break, where rounding in width × k or fontSize × k could tip a word over.
    const words = SENTENCE.split(' ');
    for (let n = 1; n < words.length; n++) {
      const width = textWidth(words.slice(0, n).join(' '), 16);
      expect(wrapText(SENTENCE, 16, width)[0]).toBe(words.slice(0, n).join(' '));
      for (const k of [0.1, 0.3, 1.1, 1.37, 3, 7.3]) expect(wrapText(SENTENCE, 16 * k, width * k)[0], `×${k}`).toBe(words.slice(0, n).join(' '));
    }
  });
});

describe('layoutText', () => {
  it('reports the widest line and lines × font size × line height', () => {
    const { lines, width, height } = layoutText('short\na longer line\nmid', 20, null);
    expect(lines).toEqual(['short', 'a longer line', 'mid']);
    expect(width).toBe(textWidth('a longer line', 20));
    expect(height).toBe(3 * 20 * LINE_HEIGHT);
    expect(layoutText('', 20, 100)).toEqual({ lines: [''], width: 0, height: 20 * LINE_HEIGHT });
  });

  it('is no wider than maxWidth when wrapping (it reports the text, not the box)', () => {
    const layout = layoutText(SENTENCE, 16, 200);
    expect(layout.lines.length).toBeGreaterThan(1);
    expect(layout.width).toBeLessThanOrEqual(200);
    expect(layout.width).toBe(Math.max(...layout.lines.map((line) => textWidth(line, 16))));
  });

  it('puts the baseline inside the line, below the ascent', () => {
    const offset = baselineOffset(20);
    expect(offset).toBeGreaterThanOrEqual(BOARD_FONT.ascent * 20);
    expect(offset + BOARD_FONT.descent * 20).toBeLessThanOrEqual(20 * LINE_HEIGHT + 1e-9);
  });
});

describe('fonts in the page', () => {
  it('names the board font in the CSS shorthand, with a fallback', () => {
    expect(fontCss(18)).toBe('normal 400 18px BoardFont, sans-serif');
  });
});

describe('wrapping random text at random widths', () => {
  // Letters of several widths, spaces, tabs, every newline, a letter the font has (é),
  // one it lacks (ω), a wide one (中) and a surrogate pair (😀).
  const text = fc
    .array(fc.constantFrom('a', 'b', 'M', 'i', 'W', ' ', ' ', ' ', '\t', '\n', '\r\n', '\r', 'é', 'ω', '中', '😀'), { maxLength: 80 })
    .map((parts) => parts.join(''));
  const fontSize = fc.integer({ min: 6, max: 120 });
  const maxWidth = fc.integer({ min: 0, max: 800 });

  it('gives lines that rejoin into the text and fit the width unless one character', () => {
    fc.assert(
      fc.property(text, fontSize, maxWidth, (t, fs, w) => {
        const lines = wrapText(t, fs, w);
        expect(rejoins(normalized(t), lines)).toBe(true);
        for (const line of lines) {
          expect(line).not.toMatch(/[\n\r\t]/);
          expect(line).not.toMatch(/^[\udc00-\udfff]|[\ud800-\udbff]$/);
          if ([...line].length > 1) expect(textWidth(line, fs)).toBeLessThanOrEqual(w + 1e-6);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('gives the same lines when font size and width are scaled together', () => {
    const scale = fc.constantFrom(2, 0.5, 3, 1.25, 1.1, 0.1, 1.37, 7.3);
    fc.assert(
      fc.property(text, fontSize, maxWidth, scale, (t, fs, w, k) => {
        expect(wrapText(t, fs * k, w * k)).toEqual(wrapText(t, fs, w));
      }),
      { numRuns: 500 },
    );
  });

  it('wraps nothing when there is no width: the lines are the hard-broken text', () => {
    fc.assert(
      fc.property(text, fontSize, (t, fs) => {
        expect(wrapText(t, fs, null)).toEqual(normalized(t).split('\n'));
      }),
    );
  });
});
