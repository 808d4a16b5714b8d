/**
 * The board font's file on this machine (Node only): where it is, what it
 * is, and its bytes as base64 for SVG exports, which carry the font inside
 * them so they show the same glyphs (and so the same line breaks) wherever
 * they are opened, without fetching anything.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { BOARD_FONT, fontFaceCss } from './layout.ts';

const require = createRequire(import.meta.url);

/** The font package's folder, found the way Node finds the package (its main entry is index.css at the top). */
function packageDir(): string {
  return dirname(require.resolve(BOARD_FONT.package));
}

/** Absolute path of the board font's WOFF2 file, the one the web app serves. */
export function boardFontPath(): string {
  return join(packageDir(), 'files', BOARD_FONT.file);
}

/** "package@version files/file": what font-metrics.ts was generated from. */
export function boardFontSource(): string {
  const { version } = JSON.parse(readFileSync(join(packageDir(), 'package.json'), 'utf8')) as { version: string };
  return `${BOARD_FONT.package}@${version} files/${BOARD_FONT.file}`;
}

let base64: string | undefined;

/** The board font file, base64-encoded; read once, then kept (about 23 KB). */
export function boardFontBase64(): string {
  base64 ??= readFileSync(boardFontPath()).toString('base64');
  return base64;
}

/**
 * The content of an SVG `<style>` element declaring the board font from a
 * data: URL, so `font-family="BoardFont"` in the document needs no network.
 * Ready to be put between `<style>` and `</style>` as it is (base64 and the
 * rule need no XML escaping).
 */
export function svgFontFace(): string {
  return fontFaceCss(`data:font/woff2;base64,${boardFontBase64()}`);
}
