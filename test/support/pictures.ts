/**
 * Files a person puts on a board, made here rather than kept as binaries:
 * plain pictures (sharp), a small PDF written by hand, and hostile SVGs.
 * And putting them on a page as a person does: a paste or a drop carries a
 * DataTransfer holding the file, which Chromium builds for a test as for
 * its own clipboard.
 */
import sharp from 'sharp';
import type { Page } from 'playwright-core';

/** A picture of one colour (and a darker band, to tell it from a placeholder). */
export function solidPicture(width: number, height: number, rgb: [number, number, number], format: 'png' | 'jpeg' = 'png'): Promise<Buffer> {
  const image = sharp({ create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } });
  return format === 'png' ? image.png().toBuffer() : image.jpeg({ quality: 95 }).toBuffer();
}

/**
 * A PDF of `pages` A4 pages, each with its number in Helvetica (a font the
 * PDF does not embed: pdf.js fetches it from the app) and a blue square.
 */
export function smallPdf(pages: number): Buffer {
  const objects: string[] = [];
  const font = 3 + 2 * pages;
  const kids = Array.from({ length: pages }, (_, i) => `${3 + 2 * i} 0 R`).join(' ');
  objects.push('<< /Type /Catalog /Pages 2 0 R >>');
  objects.push(`<< /Type /Pages /Kids [${kids}] /Count ${pages} >>`);
  for (let i = 0; i < pages; i++) {
    const content = `BT /F1 48 Tf 100 720 Td (Page ${i + 1}) Tj ET\n0 0 1 rg 150 250 300 300 re f\n`;
    objects.push(`<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents ${4 + 2 * i} 0 R /Resources << /Font << /F1 ${font} 0 R >> >> >>`);
    objects.push(`<< /Length ${content.length} >>\nstream\n${content}endstream`);
  }
  objects.push('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>');
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

type FileSpec = { name: string; type: string; bytes: Buffer };

/** Pastes files onto the page, as ctrl/cmd + V with them on the clipboard. */
export function pasteFiles(page: Page, files: FileSpec[]): Promise<void> {
  return page.evaluate((specs) => {
    const data = new DataTransfer();
    for (const f of specs) data.items.add(new File([Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))], f.name, { type: f.type }));
    document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  }, files.map((f) => ({ name: f.name, type: f.type, b64: f.bytes.toString('base64') })));
}

/** Drops files on the board at a canvas point, as dragged in from the desktop. */
export function dropFiles(page: Page, at: [number, number], files: FileSpec[]): Promise<void> {
  return page.evaluate(
    ({ specs, x, y }) => {
      const data = new DataTransfer();
      for (const f of specs) data.items.add(new File([Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))], f.name, { type: f.type }));
      const canvas = document.querySelector('#board')!;
      const r = canvas.getBoundingClientRect();
      const init = { dataTransfer: data, bubbles: true, cancelable: true, clientX: r.left + x, clientY: r.top + y };
      canvas.dispatchEvent(new DragEvent('dragover', init));
      canvas.dispatchEvent(new DragEvent('drop', init));
    },
    { specs: files.map((f) => ({ name: f.name, type: f.type, b64: f.bytes.toString('base64') })), x: at[0], y: at[1] },
  );
}
