/**
 * The tile painter, in a worker: it keeps its own copy of the settled
 * items, ink (decoded here, off the page's thread) and elements, in an
 * R-tree, and paints the tiles the page asks for into bitmaps it hands back
 * without copying, back to front as every picture of the board stacks them.
 * Messages are handled in order, so a tile painted after a change shows it.
 * A tile with text waits for the board font (its first load, once): text
 * painted in a stand-in font would stay on the tile until it changed.
 */
import RBush from 'rbush';
import { byStack } from '../../server/board/state.ts';
import { loadBoardFont } from './fonts.ts';
import { onPicture } from './pictures.ts';
import { ShapeGeometry } from './shape-geometry.ts';
import { StrokeGeometry } from './stroke-geometry.ts';
import { TILE, tileRect, type FromWorker, type SettledItem, type TileAddress, type ToWorker } from './tiles.ts';
import type { Rect } from './view.ts';

type Geometry = StrokeGeometry | ShapeGeometry;

const index = new RBush<Geometry>();
const items = new Map<string, Geometry>();
let version = 0;
/** Strokes whose outline is kept, least recently painted first, and the outline points they hold (~40 bytes each). */
const outlined = new Set<StrokeGeometry>();
let outlinedPoints = 0;
const OUTLINE_POINTS_KEPT = 3_000_000;

function keepOutline(g: StrokeGeometry): void {
  if (outlined.delete(g)) outlined.add(g);
  else {
    outlined.add(g);
    outlinedPoints += g.outlineSize;
  }
  for (const oldest of outlined) {
    if (outlinedPoints <= OUTLINE_POINTS_KEPT || oldest === g) break;
    forgetOutline(oldest);
  }
}

function forgetOutline(g: Geometry): void {
  if (!(g instanceof StrokeGeometry) || !outlined.delete(g)) return;
  outlinedPoints -= g.outlineSize;
  g.outline = null;
}
const canvas = new OffscreenCanvas(TILE, TILE);
const ctx = canvas.getContext('2d')!;

const scope = self as unknown as {
  fonts: FontFaceSet;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
  postMessage(message: FromWorker, transfer: Transferable[]): void;
};

/** The board font: loaded on first need; a failed load is not waited for again (text is then drawn in the fallback). */
let font: 'none' | 'ready' | 'failed' = 'none';
function fontLoaded(): Promise<void> {
  return loadBoardFont(scope).then(
    () => void (font = 'ready'),
    (error: unknown) => {
      console.error('the board font did not load', error);
      font = 'failed';
    },
  );
}

function geometryOf(item: SettledItem, previous: Geometry | undefined): Geometry {
  if (item.kind === 'shape') return new ShapeGeometry(item.id, item.look, item);
  // A moved stroke keeps its decoded points and outline.
  return new StrokeGeometry({ ...item, ended: true }, previous instanceof StrokeGeometry ? previous : undefined);
}

function update(add: SettledItem[], remove: string[]): void {
  const added = add.map((item) => geometryOf(item, items.get(item.id)));
  for (const id of remove) {
    const g = items.get(id);
    if (g) {
      index.remove(g);
      forgetOutline(g);
    }
    items.delete(id);
  }
  for (const g of added) {
    const old = items.get(g.id);
    if (old) {
      index.remove(old);
      forgetOutline(old);
    }
    items.set(g.id, g);
  }
  if (added.length > 64) index.load(added);
  else for (const g of added) index.insert(g);
}

/**
 * The pixels of the tiles this worker painted last, by tile: a change to a
 * few elements on a tile full of ink repaints only around them (a drag on
 * a board seen whole would otherwise repaint every tile in view at once).
 */
const kept = new Map<string, { version: number; bitmap: ImageBitmap }>();
const TILES_KEPT = 16;
/** Device pixels around a changed rectangle repainted too, and searched further: soft edges reach past an item's bounds. */
const EDGE_PX = 2;

async function paint(tile: TileAddress, only?: { since: number; rects: Rect[] }): Promise<void> {
  const { level, tx, ty } = tile;
  const key = `${level}/${tx}/${ty}`;
  const scale = 2 ** level;
  const before = kept.get(key);
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, TILE, TILE);
  const region = only && before?.version === only.since ? only.rects.map((r) => onTile(r, tile)).filter((r) => r !== null) : null;
  if (region) {
    // The changed parts painted apart, unclipped (a clip rasterises soft edges a little differently), then copied over the tile as it is on screen.
    const found = new Set<Geometry>();
    for (const [x0, y0, x1, y1] of region) {
      const near = { minX: (x0 - EDGE_PX + tx * TILE) / scale, minY: (y0 - EDGE_PX + ty * TILE) / scale, maxX: (x1 + EDGE_PX + tx * TILE) / scale, maxY: (y1 + EDGE_PX + ty * TILE) / scale };
      for (const g of index.search(near)) found.add(g);
    }
    paintItems(scratch(), [...found], tile);
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(before!.bitmap, 0, 0);
    for (const [x0, y0, x1, y1] of region) {
      ctx.clearRect(x0, y0, x1 - x0, y1 - y0);
      ctx.drawImage(scratchCanvas!, x0, y0, x1 - x0, y1 - y0, x0, y0, x1 - x0, y1 - y0);
    }
  } else {
    paintItems(ctx, index.search(tileRect(tile)), tile);
  }
  const bitmap = canvas.transferToImageBitmap();
  // Kept before the bitmap goes to the page: its pixels, not a second rasterisation of what was drawn.
  keep(key, await createImageBitmap(bitmap));
  scope.postMessage({ t: 'painted', tile, version, bitmap, partly: region !== null }, [bitmap]);
}

/** Paints `items` back to front onto a cleared tile. */
function paintItems(on: OffscreenCanvasRenderingContext2D, items: Geometry[], { level, tx, ty }: TileAddress): void {
  const scale = 2 ** level;
  on.setTransform(1, 0, 0, 1, 0, 0);
  on.clearRect(0, 0, TILE, TILE);
  on.setTransform(scale, 0, 0, scale, -tx * TILE, -ty * TILE);
  for (const g of items.sort(byStack)) {
    g.paint(on, scale);
    if (g instanceof StrokeGeometry && g.outline) keepOutline(g);
  }
}

/** Where the changed parts of a tile are painted before they are copied onto it. */
let scratchCanvas: OffscreenCanvas | null = null;
function scratch(): OffscreenCanvasRenderingContext2D {
  scratchCanvas ??= new OffscreenCanvas(TILE, TILE);
  return scratchCanvas.getContext('2d')!;
}

/** A board rectangle in the tile's device pixels, whole and widened by EDGE_PX; null when off the tile. */
function onTile(r: Rect, { level, tx, ty }: TileAddress): [number, number, number, number] | null {
  const scale = 2 ** level;
  const x0 = Math.max(0, Math.floor(r.minX * scale - tx * TILE) - EDGE_PX);
  const y0 = Math.max(0, Math.floor(r.minY * scale - ty * TILE) - EDGE_PX);
  const x1 = Math.min(TILE, Math.ceil(r.maxX * scale - tx * TILE) + EDGE_PX);
  const y1 = Math.min(TILE, Math.ceil(r.maxY * scale - ty * TILE) + EDGE_PX);
  return x0 < x1 && y0 < y1 ? [x0, y0, x1, y1] : null;
}

/** Keeps the pixels of the tile just painted, the least recently painted tile's dropped. */
function keep(key: string, bitmap: ImageBitmap): void {
  kept.get(key)?.bitmap.close();
  kept.delete(key);
  if (kept.size >= TILES_KEPT) {
    const [oldest, entry] = kept.entries().next().value!;
    entry.bitmap.close();
    kept.delete(oldest);
  }
  kept.set(key, { version, bitmap });
}

const needsFont = (tile: TileAddress) => font === 'none' && index.search(tileRect(tile)).some((g) => g instanceof ShapeGeometry && g.hasText);

/** Messages in order; only waiting for the font holds the ones after it back. */
const queue: ToWorker[] = [];
let draining = false;

async function drain(): Promise<void> {
  draining = true;
  while (queue.length > 0) {
    const message = queue.shift()!;
    if (message.t === 'paint' && needsFont(message.tile)) await fontLoaded();
    try {
      if (message.t === 'items') {
        update(message.add, message.remove);
        version = message.version;
      } else {
        await paint(message.tile, message.only);
      }
    } catch (error) {
      // Reported as the page expects a failed paint (its worker.onerror asks again), and the queue goes on.
      setTimeout(() => {
        throw error;
      });
    }
  }
  draining = false;
}

// A picture painted as its placeholder is in: the page asks again for the tiles it is on.
onPicture((hash) => scope.postMessage({ t: 'picture', hash }, []));

scope.onmessage = ({ data }) => {
  queue.push(data);
  if (!draining) void drain();
};
