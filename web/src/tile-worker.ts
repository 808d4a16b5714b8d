/**
 * The tile painter, in a worker: it keeps its own copy of the settled
 * strokes (decoded here, off the page's thread) in an R-tree, and paints
 * the tiles the page asks for into bitmaps it hands back without copying.
 * Messages are handled in order, so a tile painted after a change shows it.
 */
import RBush from 'rbush';
import { StrokeGeometry } from './stroke-geometry.ts';
import { TILE, tileRect, type FromWorker, type ToWorker } from './tiles.ts';

const index = new RBush<StrokeGeometry>();
const strokes = new Map<string, StrokeGeometry>();
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

function forgetOutline(g: StrokeGeometry): void {
  if (!outlined.delete(g)) return;
  outlinedPoints -= g.outlineSize;
  g.outline = null;
}
const canvas = new OffscreenCanvas(TILE, TILE);
const ctx = canvas.getContext('2d')!;

const scope = self as unknown as { onmessage: ((event: MessageEvent<ToWorker>) => void) | null; postMessage(message: FromWorker, transfer: Transferable[]): void };

scope.onmessage = ({ data }) => {
  if (data.t === 'strokes') {
    for (const id of data.remove) {
      const g = strokes.get(id);
      if (g) {
        index.remove(g);
        forgetOutline(g);
      }
      strokes.delete(id);
    }
    const added = data.add.map((s) => new StrokeGeometry({ ...s, ended: true }));
    for (const g of added) {
      const old = strokes.get(g.id);
      if (old) {
        index.remove(old);
        forgetOutline(old);
      }
      strokes.set(g.id, g);
    }
    if (added.length > 64) index.load(added);
    else for (const g of added) index.insert(g);
    version = data.version;
    return;
  }
  const { level, tx, ty } = data.tile;
  const scale = 2 ** level;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, TILE, TILE);
  ctx.setTransform(scale, 0, 0, scale, -tx * TILE, -ty * TILE);
  for (const g of index.search(tileRect(data.tile)).sort((a, b) => a.order - b.order)) {
    g.paint(ctx, scale);
    if (g.outline) keepOutline(g);
  }
  const bitmap = canvas.transferToImageBitmap();
  scope.postMessage({ t: 'painted', tile: data.tile, version, bitmap }, [bitmap]);
};
