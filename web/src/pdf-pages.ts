/**
 * A PDF imported onto the board: one picture per page, uploaded and laid
 * out top to bottom from where it was dropped, each page locked as a
 * background (a worksheet the class writes over without moving it; any
 * editor unlocks it). The pages are rendered by pdf.js in its own bundle
 * (pdf-render.ts), fetched the first time a PDF is imported.
 */
import type { Point2 } from '../../server/board/elements.ts';
import type { EditorContext } from './editor-context.ts';
import type { PdfPage } from './pdf-render.ts';
import { addPicture, fittedSize, uploadPicture, type PictureHost } from './picture-input.ts';

/** Space between pages, in board units. */
const GAP = 24;

type PdfRenderer = { pdfPages(bytes: ArrayBuffer): AsyncGenerator<PdfPage> };

/** The pdf.js bundle, loaded once (its URL is not a module esbuild should bundle into the page's). */
let renderer: Promise<PdfRenderer> | null = null;
const PDF_RENDER_URL = '/pdf-render.js';
const loadRenderer = () => (renderer ??= import(/* @vite-ignore */ PDF_RENDER_URL) as Promise<PdfRenderer>);

/** Imports a PDF's pages; returns the ids of the pictures placed. */
export async function placePdf(ctx: EditorContext, host: PictureHost, file: File, at: Point2): Promise<string[]> {
  const placed: string[] = [];
  const name = file.name || 'PDF';
  host.progress(`${name}: opening`, 0);
  try {
    const { pdfPages } = await loadRenderer();
    // Every page as wide as the first fitted to the view, the first one's top where the PDF was dropped.
    let width = 0;
    let top = 0;
    for await (const page of pdfPages(await file.arrayBuffer())) {
      host.progress(`${name}: page ${page.page} of ${page.pages}`, (page.page - 1) / page.pages);
      const stored = await uploadPicture(host, page.picture);
      if (placed.length === 0) {
        width = fittedSize(stored, host.viewSize()).w;
        top = at[1] - (width * stored.height) / stored.width / 2;
      }
      const size = { w: width, h: Math.round(((width * stored.height) / stored.width) * 100) / 100 };
      placed.push(addPicture(ctx, stored, [at[0], top + size.h / 2], size, true));
      top += size.h + GAP;
    }
  } catch (error) {
    ctx.toast(`${name}: ${(error as Error).message || 'the PDF could not be read'}`);
  } finally {
    host.progress(null);
  }
  return placed;
}
