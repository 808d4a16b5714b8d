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
import { ShapeGeometry } from './shape-geometry.ts';
import { StrokeGeometry } from './stroke-geometry.ts';
import { TILE, tileRect, type FromWorker, type SettledItem, type TileAddress, type ToWorker } from './tiles.ts';

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

function paint(tile: TileAddress): void {
  const { level, tx, ty } = tile;
  const scale = 2 ** level;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, TILE, TILE);
  ctx.setTransform(scale, 0, 0, scale, -tx * TILE, -ty * TILE);
  for (const g of index.search(tileRect(tile)).sort(byStack)) {
    g.paint(ctx, scale);
    if (g instanceof StrokeGeometry && g.outline) keepOutline(g);
  }
  const bitmap = canvas.transferToImageBitmap();
  scope.postMessage({ t: 'painted', tile, version, bitmap }, [bitmap]);
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
        paint(message.tile);
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

scope.onmessage = ({ data }) => {
  queue.push(data);
  if (!draining) void drain();
};
