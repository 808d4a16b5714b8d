/**
 * The board font in the browser: registered under BOARD_FONT.family from
 * this origin's /fonts/ (the Content-Security-Policy allows fonts from
 * 'self' only), on the page or in a worker, and as a data: URL for the SVGs
 * the page exports. Line breaks never depend on it being loaded (they come
 * from server/text/layout.ts); drawing before it loads would only show the
 * right lines in the wrong glyphs, so painters await loadBoardFont first.
 */
import { BOARD_FONT } from '../../server/text/layout.ts';

/** One load per font set (the page's, each worker's): loading again adds no second face. */
const loads = new WeakMap<FontFaceSet, Promise<void>>();

/**
 * Adds the board font to a font set and resolves once it is loaded:
 * `loadBoardFont()` on the page (document.fonts), `loadBoardFont(self)` in
 * a worker (WorkerGlobalScope.fonts), so tile workers paint text with it
 * too. A failed load rejects, and the next call tries again.
 */
export async function loadBoardFont(scope: { fonts: FontFaceSet } = document): Promise<void> {
  const fonts = scope.fonts;
  let load = loads.get(fonts);
  if (!load) {
    const face = new FontFace(BOARD_FONT.family, `url("${BOARD_FONT.url}") format('woff2')`, {
      weight: String(BOARD_FONT.weight),
      style: BOARD_FONT.style,
    });
    fonts.add(face);
    load = face.load().then(
      () => undefined,
      (error: unknown) => {
        fonts.delete(face);
        loads.delete(fonts);
        throw error;
      },
    );
    loads.set(fonts, load);
  }
  return load;
}

/**
 * The CSS font shorthand for board text at a font size in CSS pixels, for
 * a canvas's `font` (set `fontKerning = 'none'` as well: layout ignores
 * kerning) or an element's style.
 */
export function fontCss(fontSize: number): string {
  return `${BOARD_FONT.style} ${BOARD_FONT.weight} ${fontSize}px ${BOARD_FONT.family}, ${BOARD_FONT.fallback}`;
}

let dataUrl: Promise<string> | undefined;

/**
 * The board font file as a data: URL, fetched once from this origin, for
 * the `@font-face` of an SVG the page exports (fontFaceCss in layout.ts),
 * so the file shows the board font wherever it is opened.
 */
export async function boardFontDataUrl(): Promise<string> {
  dataUrl ??= fetch(BOARD_FONT.url)
    .then((response) => {
      if (!response.ok) throw new Error(`${BOARD_FONT.url}: HTTP ${response.status}`);
      return response.arrayBuffer();
    })
    .then((buffer) => {
      const bytes = new Uint8Array(buffer);
      let binary = '';
      // In slices: String.fromCharCode takes its bytes as arguments, and arguments are limited.
      for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return `data:font/woff2;base64,${btoa(binary)}`;
    })
    .catch((error: unknown) => {
      dataUrl = undefined;
      throw error;
    });
  return dataUrl;
}
