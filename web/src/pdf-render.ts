/**
 * A PDF's pages as pictures, rendered in the browser by pdf.js (Mozilla's
 * renderer, the one Firefox shows PDFs with): a bundle of its own
 * (web/dist/pdf-render.js), loaded only when someone imports a PDF. Its
 * worker, fonts and decoders are served from this origin; nothing in a
 * PDF is run (no eval, no scripting, no XFA forms), only drawn.
 */
import { getDocument, GlobalWorkerOptions } from 'pdfjs-dist';

GlobalWorkerOptions.workerSrc = '/pdf-worker.js';

export type PdfPage = { picture: Blob; width: number; height: number; page: number; pages: number };

/** Pages are drawn so that their long side has this many pixels at most (the server keeps 4,096). */
const MAX_SIDE_PX = 2_048;
/** The scale a page of 595 × 842 points (A4) is drawn at: about 150 dpi, sharp enough to read and write over. */
const SCALE = 2;

/** Each page in turn, as a PNG, with how many there are. */
export async function* pdfPages(bytes: ArrayBuffer): AsyncGenerator<PdfPage> {
  const task = getDocument({
    data: new Uint8Array(bytes),
    isEvalSupported: false,
    enableXfa: false,
    standardFontDataUrl: '/pdf/standard_fonts/',
    cMapUrl: '/pdf/cmaps/',
    wasmUrl: '/pdf/wasm/',
  });
  const doc = await task.promise;
  try {
    for (let n = 1; n <= doc.numPages; n++) {
      const page = await doc.getPage(n);
      const unscaled = page.getViewport({ scale: 1 });
      const scale = Math.min(SCALE, MAX_SIDE_PX / Math.max(unscaled.width, unscaled.height));
      const viewport = page.getViewport({ scale });
      const canvas = document.createElement('canvas');
      canvas.width = Math.max(1, Math.round(viewport.width));
      canvas.height = Math.max(1, Math.round(viewport.height));
      const ctx = canvas.getContext('2d')!;
      // Paper is white where the PDF paints nothing.
      ctx.fillStyle = '#ffffff';
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      await page.render({ canvas, canvasContext: ctx, viewport }).promise;
      page.cleanup();
      const picture = await new Promise<Blob>((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('a page could not be drawn'))), 'image/png'));
      yield { picture, width: canvas.width, height: canvas.height, page: n, pages: doc.numPages };
    }
  } finally {
    await doc.destroy();
  }
}
