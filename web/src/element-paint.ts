/**
 * Paints one element on a canvas: the tile workers, the screen's live
 * layer and PNG exports all call this, from the geometry every reader
 * shares (server/board/outline.ts), so a note looks the same wherever it
 * is drawn. The context's transform maps board units to device pixels.
 */
import { arrowHeads, baselineOf, dashPattern, fillOf, isStroked, textLayoutOf, traceShape, type ShapeLook } from '../../server/board/outline.ts';
import { textWidth } from '../../server/text/layout.ts';
import { fontCss } from './fonts.ts';
import { pictureOf } from './pictures.ts';

export { NOTE_PADDING, NOTE_FILL, type ShapeLook } from '../../server/board/outline.ts';

type Ctx = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;

/**
 * Paints an element. Its outline is built in board units and stroked
 * `sw` board units wide whatever its matrix's scale; its text is drawn
 * under its matrix, so it scales with the box. `scale` (device pixels per
 * board unit) lets text too small to read be drawn as bars, as a glance
 * from afar would see it, for a fraction of the cost.
 */
export function paintShape(ctx: Ctx, look: ShapeLook, scale: number): void {
  if (look.type === 'image') return paintImage(ctx, look, scale);
  const fill = fillOf(look);
  if (fill) {
    const outline = new Path2D();
    traceShape(look, outline);
    ctx.fillStyle = fill;
    ctx.fill(outline);
  }
  if (textLayoutOf(look)) paintText(ctx, look, scale);
  if (!isStroked(look)) return;
  const outline = new Path2D();
  traceShape(look, outline);
  ctx.strokeStyle = look.color;
  ctx.lineWidth = look.sw;
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  ctx.setLineDash(look.dash ? dashPattern(look.sw) : []);
  ctx.stroke(outline);
  ctx.setLineDash([]);
  const heads = arrowHeads(look);
  if (heads.length === 0) return;
  const path = new Path2D();
  for (const [a, tip, b] of heads) {
    path.moveTo(...a);
    path.lineTo(...tip);
    path.lineTo(...b);
  }
  ctx.stroke(path);
}

/** Placeholder of a picture not in yet: its final size, a light box with a thin border. */
const PLACEHOLDER_FILL = '#f1f3f5';
const PLACEHOLDER_LINE = '#ced4da';

/** An image: its picture stretched over its box, or a placeholder of that size until the picture is in. */
function paintImage(ctx: Ctx, look: ShapeLook, scale: number): void {
  const [a, b, c, d, e, f] = look.m;
  const k = scale * Math.sqrt(Math.abs(a * d - b * c));
  // Decoded at the size it is drawn at (pictures.ts), so a tile draws a picture of its own size.
  const picture = look.file ? pictureOf(look.file, Math.max(look.w, look.h) * k, look.w >= look.h) : null;
  ctx.save();
  ctx.transform(a, b, c, d, e, f);
  if (picture) {
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(picture, 0, 0, look.w, look.h);
  } else {
    ctx.fillStyle = PLACEHOLDER_FILL;
    ctx.fillRect(0, 0, look.w, look.h);
    ctx.strokeStyle = PLACEHOLDER_LINE;
    // One device pixel whatever the zoom or the image's own scale.
    ctx.lineWidth = 1 / (k || 1);
    ctx.strokeRect(0, 0, look.w, look.h);
  }
  ctx.restore();
}

/** Below this size on screen (device pixels), a line of text is a bar: glyphs that small cannot be read. */
const GREEK_BELOW_PX = 3;

function paintText(ctx: Ctx, look: ShapeLook, scale: number): void {
  const layout = textLayoutOf(look)!;
  const [a, b, c, d, e, f] = look.m;
  ctx.save();
  ctx.transform(a, b, c, d, e, f);
  ctx.fillStyle = look.color;
  const onScreen = look.fs * scale * Math.sqrt(Math.abs(a * d - b * c));
  if (onScreen < GREEK_BELOW_PX) {
    // Faint bars where the lines are, as long as the lines.
    ctx.globalAlpha = 0.35;
    layout.lines.forEach((line, i) => {
      if (line.trim()) ctx.fillRect(layout.left, baselineOf(layout, look.fs, i) - look.fs * 0.6, textWidth(line, look.fs), look.fs * 0.6);
    });
  } else {
    ctx.font = fontCss(look.fs);
    // Lines were measured without kerning or ligatures (server/text/layout.ts): drawn so, they are as wide as measured.
    ctx.fontKerning = 'none';
    ctx.textRendering = 'optimizeSpeed';
    ctx.textAlign = 'left';
    ctx.textBaseline = 'alphabetic';
    layout.lines.forEach((line, i) => {
      if (line) ctx.fillText(line, layout.left, baselineOf(layout, look.fs, i));
    });
  }
  ctx.restore();
}
