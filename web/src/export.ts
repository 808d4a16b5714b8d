/**
 * Exports of what a page shows, as downloads: PNG and SVG, each of the whole
 * drawing or of the current view. The board page and the replay page use
 * the same code; each describes itself as an ExportSource.
 *
 * PNGs are painted by the renderer (Renderer.paintInto, the screen's own
 * painting); SVGs come from the board state through the server's builder
 * (server/history/export-svg.ts), so they match the SVG the server serves.
 * Both show text in the board font: the PNG waits for it to load, the SVG
 * carries it as a data: URL. Both draw the board's paper under the drawing
 * unless the menu's "Include background" is unticked.
 */
import type { Paper } from '../../server/board/board-settings.ts';
import type { BoardState } from '../../server/board/state.ts';
import { exportFileName, picturesOf, svgDocument, type ViewBox } from '../../server/history/export-svg.ts';
import { picturesReady } from './pictures.ts';
import { fontFaceCss } from '../../server/text/layout.ts';
import { boardFontDataUrl, loadBoardFont } from './fonts.ts';
import { paintPaper } from './paper.ts';
import type { Renderer } from './renderer.ts';
import type { Rect, View } from './view.ts';

/** What a page offers to export. */
export type ExportSource = {
  board: string;
  renderer: Renderer;
  view: View;
  /** The board as shown: the live board, or the replay's moment. */
  state(): BoardState;
  /** The moment shown, epoch milliseconds (names the file). */
  time(): number;
};

export type ExportExtent = { whole: boolean };
/** What an export holds: its extent, and whether the board's paper goes under the drawing. */
export type ExportChoice = ExportExtent & { paper: boolean };

/**
 * Room around the whole drawing, in world units: contentBounds already
 * holds every outline (each stroke's points plus outlineReach), so this is
 * white space, as much as the SVG export's and then some.
 */
export const PNG_MARGIN = 40;
/**
 * Longest side of a whole-drawing PNG, in pixels. Browsers refuse or fail
 * on larger canvases (Chromium's limit is 32767 a side and about 268 million
 * pixels in all, and an 8192² canvas already takes 256 MB); a larger drawing
 * is exported scaled down to fit rather than not at all.
 */
export const PNG_MAX_SIDE = 8192;

/** How a PNG is painted: the world rectangle, device pixels per world unit, and the image's size. */
export type PngPlan = { rect: Rect; scale: number; width: number; height: number };

/**
 * The whole drawing at 100% (scaled down to PNG_MAX_SIDE), or the view as
 * the canvas shows it: its zoom times the screen's density, to the pixel.
 */
export function pngPlan(renderer: Renderer, view: View, { whole }: ExportExtent): PngPlan {
  if (!whole) {
    const ratio = window.devicePixelRatio || 1;
    // The canvas backing store's size, as Renderer.resize sets it.
    return { rect: view.visible(), scale: view.zoom * ratio, width: Math.round(view.width * ratio), height: Math.round(view.height * ratio) };
  }
  const bounds = renderer.contentBounds() ?? { minX: 0, minY: 0, maxX: 0, maxY: 0 };
  const rect = {
    minX: Math.floor(bounds.minX - PNG_MARGIN),
    minY: Math.floor(bounds.minY - PNG_MARGIN),
    maxX: Math.ceil(bounds.maxX + PNG_MARGIN),
    maxY: Math.ceil(bounds.maxY + PNG_MARGIN),
  };
  const w = rect.maxX - rect.minX;
  const h = rect.maxY - rect.minY;
  const scale = Math.min(1, PNG_MAX_SIDE / w, PNG_MAX_SIDE / h);
  return { rect, scale, width: Math.max(1, Math.round(w * scale)), height: Math.max(1, Math.round(h * scale)) };
}

/** The PNG image: white, the paper (blank: none), then every stroke meeting the plan's rectangle, painted as on screen. */
export async function pngBlob(renderer: Renderer, view: View, extent: ExportExtent, paper: Paper = 'blank'): Promise<Blob> {
  const { rect, scale, width, height } = pngPlan(renderer, view, extent);
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width, height);
  // The view's lines as thin as the screen's (a CSS pixel); the whole drawing's, a pixel at 100%, as in the SVG.
  paintPaper(ctx, paper, rect, scale, extent.whole ? 1 : window.devicePixelRatio || 1);
  // Whole device pixels, as the screen places its tiles (renderer.ts): at a
  // zoom the tiles are painted at (100% on most screens), the image is then
  // the canvas to the pixel, wherever the view's corner falls.
  ctx.setTransform(scale, 0, 0, scale, Math.round(-rect.minX * scale), Math.round(-rect.minY * scale));
  // Text in a stand-in font would be a different picture from the screen's; a picture not yet in, a placeholder.
  await loadBoardFont();
  await picturesReady(renderer.picturesAt(scale));
  renderer.paintInto(ctx, rect, scale);
  return canvas.convertToBlob({ type: 'image/png' });
}

/** The SVG document of the board as shown: the whole drawing, or only the view's rectangle; the board font inside it. */
export async function svgBlob(source: ExportSource, { whole, paper }: ExportChoice): Promise<Blob> {
  const visible = source.view.visible();
  const box: ViewBox | undefined = whole ? undefined : { x: visible.minX, y: visible.minY, width: visible.maxX - visible.minX, height: visible.maxY - visible.minY };
  const state = source.state();
  // Only a board with text needs the font (about 30 KB as base64).
  const withText = [...state.shapes.values()].some((s) => (s.type === 'text' || s.type === 'note') && s.text !== '');
  const fontFace = withText ? fontFaceCss(await boardFontDataUrl()) : undefined;
  const pictures = new Map<string, string>();
  for (const hash of picturesOf(state)) {
    const url = await pictureDataUrl(hash);
    if (url) pictures.set(hash, url);
  }
  // The pieces go into the Blob as they are: a big board is never one string.
  return new Blob([...svgDocument(state, { board: source.board, at: source.time(), box, fontFace, pictures, paper })], { type: 'image/svg+xml' });
}

/** A stored picture as a data: URL, for an SVG that shows it wherever it is opened; null if it cannot be had. */
async function pictureDataUrl(hash: string): Promise<string | null> {
  const res = await fetch(`/files/${hash}`).catch(() => null);
  if (!res?.ok) return null;
  const blob = await res.blob();
  return new Promise((resolve) => {
    const reader = new FileReader();
    reader.onload = () => resolve(typeof reader.result === 'string' ? reader.result : null);
    reader.onerror = () => resolve(null);
    reader.readAsDataURL(blob);
  });
}

export async function exportPng(source: ExportSource, choice: ExportChoice): Promise<void> {
  const paper = choice.paper ? source.state().settings.paper : 'blank';
  download(await pngBlob(source.renderer, source.view, choice, paper), fileName(source, 'png'));
}

export async function exportSvg(source: ExportSource, choice: ExportChoice): Promise<void> {
  download(await svgBlob(source, choice), fileName(source, 'svg'));
}

/** `<board>-<time>.<ext>`, the time as the server's SVG export names it. */
export function fileName(source: Pick<ExportSource, 'board' | 'time'>, ext: string): string {
  return exportFileName(source.board, Math.round(source.time())).replace(/\.svg$/, `.${ext}`);
}

/**
 * Saves a Blob under a file name through a blob: link with `download`.
 * Such a link is no fetch, frame or script, so the server's
 * Content-Security-Policy needs nothing for it (test/e2e/export.test.ts).
 */
export function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // The browser reads the Blob after this task; a minute is ample before letting it go.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/**
 * Wires an export menu: a `<details>` whose buttons carry
 * `data-export="png-whole" | "png-view" | "svg-whole" | "svg-view"`, and
 * an "Include background" checkbox (`data-export-paper`; without one, the
 * paper is included). Choosing closes it, as does a click elsewhere.
 */
export function exportMenu(menu: HTMLDetailsElement, source: ExportSource, onError: (message: string) => void): void {
  for (const button of menu.querySelectorAll<HTMLButtonElement>('[data-export]')) {
    button.addEventListener('click', () => {
      menu.open = false;
      const [format, extent] = button.dataset.export!.split('-');
      const choice = { whole: extent === 'whole', paper: menu.querySelector<HTMLInputElement>('[data-export-paper]')?.checked ?? true };
      const done = format === 'png' ? exportPng(source, choice) : exportSvg(source, choice);
      done.catch((err: unknown) => onError(`Could not export: ${(err as Error).message}`));
    });
  }
  document.addEventListener('pointerdown', (event) => {
    if (menu.open && !menu.contains(event.target as Node)) menu.open = false;
  });
}
