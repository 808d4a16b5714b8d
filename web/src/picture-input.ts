/**
 * Pictures onto the board: pasted, dropped, or picked with the toolbar's
 * button. Each file is uploaded (server/routes/files.ts checks and encodes
 * it again, and answers the hash that names it), then placed as an image
 * element where it was dropped, or at the middle of the view, scaled to
 * fit the view. The log only ever holds the element.
 *
 * SVG is turned into a PNG here, before upload: drawn through an <img>,
 * which runs no script of it and loads nothing it references, onto a
 * canvas. The server takes no SVG at all. PDFs become one picture per page
 * (pdf-pages.ts).
 */
import type { Point2 } from '../../server/board/elements.ts';
import type { EditorContext } from './editor-context.ts';
import { newId } from './ids.ts';

/** What the server answers for a stored file (server/files/file-store.ts's FileInfo). */
export type StoredPicture = { hash: string; width: number; height: number };

export type PictureHost = {
  board: string;
  /** The edit link's key, which uploads need as the socket's hello does. */
  editKey: string | null;
  /** The owner key, which lets an owner upload whatever the edit key is now. */
  ownerKey?: string;
  /** Where a picture goes when it was not dropped: the middle of the view. */
  centre(): Point2;
  /** The view's size in board units: a picture is scaled to fit in it. */
  viewSize(): { w: number; h: number };
  /** A board point under a screen position (a drop). */
  boardPoint(clientX: number, clientY: number): Point2;
  /** Whether the page takes pasted pictures now (not while a text field has the keyboard). */
  active(): boolean;
  /** Progress of a long import (a PDF's pages), 0-1, or null when done. */
  progress(label: string | null, done?: number): void;
  /** The pictures were placed (and selected). */
  placed(): void;
};

/** Room left around a picture placed to fit the view. */
const FIT = 0.8;
/** SVG with no size of its own is drawn this wide. */
const SVG_DEFAULT_PX = 1_024;
/** Long side, in pixels, an SVG is drawn at (the server would scale a larger picture down anyway). */
const SVG_MAX_PX = 4_096;

export const isPdf = (file: Blob) => file.type === 'application/pdf';
const isSvg = (file: Blob) => file.type === 'image/svg+xml';
/** What the page takes: pictures (the server decides from their bytes what they really are), SVG and PDF. */
export const takesFile = (file: Blob) => file.type.startsWith('image/') || isPdf(file);

/** Uploads one picture; the stored file, or an Error whose message is the server's reason. */
export async function uploadPicture(host: Pick<PictureHost, 'board' | 'editKey' | 'ownerKey'>, bytes: Blob): Promise<StoredPicture> {
  const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
  if (host.editKey) headers['x-edit-key'] = host.editKey;
  if (host.ownerKey) headers['x-owner-key'] = host.ownerKey;
  const res = await fetch(`/api/boards/${encodeURIComponent(host.board)}/files`, { method: 'POST', headers, body: bytes });
  const answer = (await res.json().catch(() => ({}))) as Partial<StoredPicture> & { error?: string };
  if (!res.ok || !answer.hash) throw new Error(answer.error ?? `the upload failed (${res.status})`);
  return answer as StoredPicture;
}

/** foreignObject parts of an SVG, as text: HTML inside the picture. */
const FOREIGN_OBJECT = /<([\w-]+:)?foreignObject\b[^>]*?(\/>|>[\s\S]*?<\/([\w-]+:)?foreignObject\s*>)/gi;

/**
 * An SVG drawn as a PNG: through an <img>, which runs none of its scripts
 * and loads nothing it references (the safety is that, not any cleaning).
 * Its foreignObject parts (HTML inside the SVG) are cut out of its text
 * first: Chromium will not let a page read back a canvas such a picture
 * was drawn on, and they are what an SVG needs least on a board. It is
 * never parsed into a document of the page, where its handlers would be
 * tried against the page's policy.
 */
export async function rasteriseSvg(file: Blob): Promise<Blob> {
  const text = (await file.text()).replace(FOREIGN_OBJECT, '');
  const url = URL.createObjectURL(new Blob([text], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    let [w, h] = [img.naturalWidth || SVG_DEFAULT_PX, img.naturalHeight || SVG_DEFAULT_PX];
    const k = Math.min(1, SVG_MAX_PX / Math.max(w, h));
    [w, h] = [Math.max(1, Math.round(w * k)), Math.max(1, Math.round(h * k))];
    const canvas = document.createElement('canvas');
    canvas.width = w;
    canvas.height = h;
    canvas.getContext('2d')!.drawImage(img, 0, 0, w, h);
    return await new Promise<Blob>((resolve, reject) => canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('the SVG could not be drawn'))), 'image/png'));
  } catch {
    throw new Error('the SVG could not be read as a picture');
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** The size a picture is placed at: as it is, or smaller to fit the view. */
export function fittedSize(picture: { width: number; height: number }, view: { w: number; h: number }): { w: number; h: number } {
  const k = Math.min(1, (FIT * view.w) / picture.width, (FIT * view.h) / picture.height);
  const round = (v: number) => Math.max(1, Math.round(v * 100) / 100);
  return { w: round(picture.width * k), h: round(picture.height * k) };
}

/** Adds an image element for a stored picture, centred on `at`, `size` board units; returns its id. */
export function addPicture(ctx: EditorContext, picture: StoredPicture, at: Point2, size: { w: number; h: number }, lock = false): string {
  const id = newId();
  const x = Math.round((at[0] - size.w / 2) * 100) / 100;
  const y = Math.round((at[1] - size.h / 2) * 100) / 100;
  ctx.client.send({ k: 'add', v: 1, els: [{ id, type: 'image', m: [1, 0, 0, 1, x, y], color: '#ced4da', file: picture.hash, w: size.w, h: size.h, ...(lock ? { lock: 1 as const } : {}) }] });
  return id;
}

/**
 * Uploads and places files (pictures, SVG, PDFs), one after another so that
 * several land side by side from `at`; refusals are told as the server
 * gave them, and the others still placed.
 */
export async function placeFiles(ctx: EditorContext, host: PictureHost, files: readonly File[], at: Point2 | null): Promise<void> {
  if (!ctx.canEdit()) return;
  const placed: string[] = [];
  let [x, y] = at ?? host.centre();
  for (const file of files.filter(takesFile)) {
    try {
      if (isPdf(file)) {
        const { placePdf } = await import('./pdf-pages.ts');
        placed.push(...(await placePdf(ctx, host, file, [x, y])));
        continue;
      }
      const picture = await uploadPicture(host, isSvg(file) ? await rasteriseSvg(file) : file);
      const size = fittedSize(picture, host.viewSize());
      placed.push(addPicture(ctx, picture, [x, y], size));
      // The next one beside it, so that a handful dropped at once do not hide each other.
      x += size.w + 20;
    } catch (error) {
      ctx.toast(`${file.name || 'The picture'}: ${(error as Error).message}`);
    }
  }
  if (placed.length === 0) return;
  host.placed();
  ctx.selection.set(placed);
  ctx.redraw();
}

/** The files a paste or drop carries that the page takes. */
function filesOf(data: DataTransfer | null): File[] {
  return data ? [...data.files].filter(takesFile) : [];
}

/** Paste (before the clipboard's own handling: a picture is not text), drop, and the toolbar's file picker. */
export function wirePictureInput(ctx: EditorContext, host: PictureHost, stage: HTMLElement, picker: HTMLInputElement, button: HTMLElement): void {
  document.addEventListener(
    'paste',
    (event) => {
      const files = filesOf(event.clipboardData);
      if (files.length === 0 || !host.active() || !ctx.canEdit()) return;
      event.preventDefault();
      event.stopImmediatePropagation();
      void placeFiles(ctx, host, files, null);
    },
    { capture: true },
  );
  stage.addEventListener('dragover', (event) => {
    if (!ctx.canEdit() || ![...(event.dataTransfer?.types ?? [])].includes('Files')) return;
    event.preventDefault();
    event.dataTransfer!.dropEffect = 'copy';
  });
  stage.addEventListener('drop', (event) => {
    const files = filesOf(event.dataTransfer);
    if (files.length === 0) return;
    event.preventDefault();
    if (ctx.canEdit()) void placeFiles(ctx, host, files, host.boardPoint(event.clientX, event.clientY));
  });
  button.addEventListener('click', () => picker.click());
  picker.addEventListener('change', () => {
    const files = [...(picker.files ?? [])];
    picker.value = '';
    void placeFiles(ctx, host, files, null);
  });
}
