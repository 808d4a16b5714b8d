/**
 * The pictures of image elements, as each painting context (the page, each
 * tile worker) holds them: decoded at one of three sizes (512, 2,048 or
 * 4,096 pixels on its long side), the smallest that covers what is drawn,
 * so that a board of fifty photos seen whole or at 100% holds fifty small
 * pictures, not fifty photos. The server keeps a copy of each picture at
 * the two smaller sizes (`/files/<hash>?side=512`), so a page fetches and
 * decodes a small file to draw a picture small. Few sizes, because each
 * size is a decode: with one per power of two, panning at 100% decoded
 * every photo anew and a frame in three came late (BENCHMARKS.md). Until the right size is in, the nearest one
 * decoded stands in (or, with none, its element is a placeholder of its
 * final size), and the context is told when it arrives, to paint again.
 * Files are named by their content's hash and served immutable, so the
 * browser's cache answers the second context that asks.
 */

type Decoded = { bitmap: ImageBitmap; pixels: number };

/** The files' bytes by `hash@size`, fetched once (their own limit: a board's photos are tens of megabytes). */
const files = new Map<string, Promise<Blob | null>>();
const FILES_KEPT = 64;
/** Decoded pictures by `hash@size`; 'loading' while one is decoded, 'failed' when it cannot be. */
const decoded = new Map<string, Decoded | 'loading' | 'failed'>();
/** Pixels of decoded pictures kept, least recently drawn closed first (32 M: 128 MB). */
const PIXELS_KEPT = 32_000_000;
let pixelsHeld = 0;
const listeners = new Set<(hash: string) => void>();

const SIDES = [512, 2_048, 4_096];

/** The size a picture is decoded at to be drawn `px` device pixels on its long side. */
export function sizeFor(px: number): number {
  return SIDES.find((side) => side >= px) ?? SIDES.at(-1)!;
}

/**
 * The picture of a file to draw `px` device pixels on its long side (`wide`:
 * whether its long side is its width): the right size if it is in, else
 * the nearest decoded one while the right one is fetched (once), else null.
 */
export function pictureOf(hash: string, px: number, wide = true): ImageBitmap | null {
  const side = sizeFor(px);
  const key = `${hash}@${side}`;
  const entry = decoded.get(key);
  if (entry && typeof entry === 'object') {
    decoded.delete(key);
    decoded.set(key, entry);
    return entry.bitmap;
  }
  if (entry === undefined) {
    decoded.set(key, 'loading');
    queued.push(() => decode(hash, side, wide, key));
    startDecodes();
  }
  return nearest(hash, side);
}

/**
 * Decodes waiting, and how many run at once: a board's fifty photos asked
 * for together would take both cores from the tiles being painted (a late
 * joiner's ink came 1.3x later); one at a time per context, they follow it.
 */
const queued: (() => Promise<void>)[] = [];
let decoding = 0;
const DECODING_AT_ONCE = 1;

function startDecodes(): void {
  while (decoding < DECODING_AT_ONCE && queued.length > 0) {
    decoding++;
    void queued
      .shift()!()
      .finally(() => {
        decoding--;
        startDecodes();
      });
  }
}

/** The decoded size of a file closest to `side`, larger ones first. */
function nearest(hash: string, side: number): ImageBitmap | null {
  let best: { side: number; bitmap: ImageBitmap } | null = null;
  for (const [key, entry] of decoded) {
    if (typeof entry !== 'object' || !key.startsWith(`${hash}@`)) continue;
    const s = Number(key.slice(hash.length + 1));
    const better = !best || (s >= side ? best.side < side || s < best.side : best.side < side && s > best.side);
    if (better) best = { side: s, bitmap: entry.bitmap };
  }
  return best?.bitmap ?? null;
}

function fileOf(hash: string, side: number): Promise<Blob | null> {
  const key = `${hash}@${side}`;
  let file = files.get(key);
  if (!file) {
    // The largest size is the file itself; the others its smaller copies, where it has them.
    file = fetch(side < SIDES.at(-1)! ? `/files/${hash}?side=${side}` : `/files/${hash}`).then(
      (res) => (res.ok ? res.blob() : null),
      () => null,
    );
    files.set(key, file);
    if (files.size > FILES_KEPT) files.delete(files.keys().next().value!);
  }
  return file;
}

async function decode(hash: string, side: number, wide: boolean, key: string): Promise<void> {
  let entry: Decoded | 'failed' = 'failed';
  try {
    const blob = await fileOf(hash, side);
    if (blob) {
      let bitmap = await createImageBitmap(blob);
      // A file with no copy of this size (an old upload): made smaller here.
      if (Math.max(bitmap.width, bitmap.height) > side * 1.25) {
        const big = bitmap;
        bitmap = await createImageBitmap(big, { ...(wide ? { resizeWidth: side } : { resizeHeight: side }), resizeQuality: 'medium' });
        big.close();
      }
      entry = { bitmap, pixels: bitmap.width * bitmap.height };
    }
  } catch (error) {
    console.error('a picture did not load', hash, error);
  }
  decoded.set(key, entry);
  if (typeof entry === 'object') {
    pixelsHeld += entry.pixels;
    for (const [old, value] of decoded) {
      if (pixelsHeld <= PIXELS_KEPT || old === key) break;
      if (typeof value !== 'object') continue;
      value.bitmap.close();
      pixelsHeld -= value.pixels;
      decoded.delete(old);
    }
  }
  for (const listener of listeners) listener(hash);
}

/** Calls `listener` with each file a picture of which arrived (or failed) in this context. */
export function onPicture(listener: (hash: string) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Resolves once each of these pictures, at these sizes, is in or has failed: exports wait for them. */
export async function picturesReady(wanted: Iterable<{ hash: string; px: number; wide: boolean }>): Promise<void> {
  const waiting = [...wanted].filter(({ hash, px, wide }) => {
    pictureOf(hash, px, wide);
    const entry = decoded.get(`${hash}@${sizeFor(px)}`);
    return entry === 'loading';
  });
  if (waiting.length === 0) return;
  await new Promise<void>((resolve) => {
    const off = onPicture(() => {
      if (waiting.some(({ hash, px }) => decoded.get(`${hash}@${sizeFor(px)}`) === 'loading')) return;
      off();
      resolve();
    });
  });
}
