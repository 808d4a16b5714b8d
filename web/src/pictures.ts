/**
 * The pictures of image elements, as each painting context (the page, each
 * tile worker) holds them: fetched from `/files/<hash>` on first need and
 * decoded once into an ImageBitmap. Until one arrives its element is painted
 * as a placeholder of its final size, and the context is told when it is
 * in, to paint again. Files are named by their content's hash and served
 * immutable, so the browser's cache answers the second context that asks.
 */

type Entry = ImageBitmap | 'loading' | 'failed';

const pictures = new Map<string, Entry>();
const listeners = new Set<(hash: string) => void>();
/** Decoded pictures kept; past this many the least recently used are closed (and fetched again if needed). */
const KEPT = 256;

/** The picture of a file if it is in; otherwise null, and it is fetched (once). */
export function pictureOf(hash: string): ImageBitmap | null {
  const entry = pictures.get(hash);
  if (entry instanceof ImageBitmap) {
    pictures.delete(hash);
    pictures.set(hash, entry);
    return entry;
  }
  if (entry === undefined) void load(hash);
  return null;
}

/** Whether a file's picture cannot be had (gone, or not a picture): its placeholder stays. */
export const pictureFailed = (hash: string) => pictures.get(hash) === 'failed';

async function load(hash: string): Promise<void> {
  pictures.set(hash, 'loading');
  let entry: Entry = 'failed';
  try {
    const res = await fetch(`/files/${hash}`);
    if (res.ok) entry = await createImageBitmap(await res.blob());
  } catch (error) {
    console.error('a picture did not load', hash, error);
  }
  pictures.set(hash, entry);
  for (const [old, value] of pictures) {
    if (pictures.size <= KEPT) break;
    if (value instanceof ImageBitmap) value.close();
    pictures.delete(old);
  }
  for (const listener of listeners) listener(hash);
}

/** Calls `listener` with each file whose picture arrived (or failed) in this context. */
export function onPicture(listener: (hash: string) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Resolves once every one of these files' pictures is in or has failed: exports wait for them. */
export async function picturesReady(hashes: Iterable<string>): Promise<void> {
  const wanted = [...new Set(hashes)].filter((hash) => !(pictureOf(hash) || pictureFailed(hash)));
  if (wanted.length === 0) return;
  await new Promise<void>((resolve) => {
    const left = new Set(wanted);
    const off = onPicture((hash) => {
      left.delete(hash);
      if (left.size === 0) {
        off();
        resolve();
      }
    });
  });
}
