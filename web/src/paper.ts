/**
 * The board's paper (board-settings.ts): dots, squares or lines every
 * PAPER_SPACING world units under the drawing, on the board page, the
 * replay page and in PNG exports; and the picker that sets it.
 *
 * On screen the paper is a canvas of its own under the board's (which is
 * transparent where nothing is drawn), one period larger than the screen.
 * It is painted again only when the zoom, the screen's size or the paper
 * changes; a pan only moves it, by a CSS transform of less than one period,
 * which the compositor does without painting anything. So the renderer's
 * frames and its tiles never draw the paper, on a board of any size.
 */
import { PAPER_SPACING, PAPERS, type Paper } from '../../server/board/board-settings.ts';
import { PAPER_LOOK } from '../../server/history/export-svg.ts';
import type { BoardClient } from './board-client.ts';
import { MAX_ZOOM, type Rect, type View } from './view.ts';

/**
 * Zoomed far out the pattern would turn the board grey: it fades out as its
 * spacing on screen shrinks from FADE_FROM to HIDDEN_BELOW CSS pixels, and
 * is not drawn below that.
 */
const FADE_FROM = 12;
const HIDDEN_BELOW = 6;
/**
 * The screen's paper canvas is this much larger than the screen whatever
 * the zoom (a period at the closest zoom), so zooming repaints it without
 * resizing it: a new size costs a new compositor layer, ~20 ms a time.
 */
const MAX_PERIOD = PAPER_SPACING * MAX_ZOOM;

/** How strongly the paper shows at a spacing of `spacing` CSS pixels: 1 near, 0 far out. */
export function paperOpacity(spacing: number): number {
  return Math.min(1, Math.max(0, (spacing - HIDDEN_BELOW) / (FADE_FROM - HIDDEN_BELOW)));
}

/**
 * Paints `paper` over `rect` (world units) onto `ctx`, from its top-left
 * device pixel, at `scale` device pixels per world unit; `px` device pixels
 * make a CSS pixel (the screen's density; 1 for an image at 100%). Lines
 * and dots sit on whole device pixels, so they stay crisp and light.
 */
export function paintPaper(ctx: CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D, paper: Paper, rect: Rect, scale: number, px = 1): void {
  if (paper === 'blank') return;
  const alpha = paperOpacity((PAPER_SPACING * scale) / px);
  if (alpha === 0) return;
  const width = Math.ceil((rect.maxX - rect.minX) * scale);
  const height = Math.ceil((rect.maxY - rect.minY) * scale);
  /** Device pixels of the grid lines (or dot centres) meeting [min, max], world units from `min`. */
  const grid = (min: number, max: number) => {
    const at: number[] = [];
    for (let k = Math.ceil(min / PAPER_SPACING); k * PAPER_SPACING <= max; k++) at.push(Math.round((k * PAPER_SPACING - min) * scale));
    return at;
  };
  ctx.save();
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.globalAlpha = alpha;
  if (paper === 'dots') {
    ctx.fillStyle = PAPER_LOOK.dot;
    const r = PAPER_LOOK.dotRadius * px;
    const columns = grid(rect.minX, rect.maxX);
    const dots = (rows: number[]) => {
      ctx.beginPath();
      for (const y of rows) {
        for (const x of columns) {
          ctx.moveTo(x + r, y);
          ctx.arc(x, y, r, 0, 2 * Math.PI);
        }
      }
      ctx.fill();
    };
    // Thousands of dots would be thousands of arcs: one row whole inside the canvas is drawn, the others are copies of it, on the same (blank) ground.
    const rows = grid(rect.minY, rect.maxY);
    const band = Math.ceil(r) + 1;
    const model = rows.find((y) => y - band >= 0 && y + band <= ctx.canvas.height);
    if (model === undefined) dots(rows);
    else {
      dots([model]);
      ctx.globalAlpha = 1;
      for (const y of rows) if (y !== model) ctx.drawImage(ctx.canvas, 0, model - band, width, 2 * band, 0, y - band, width, 2 * band);
    }
  } else {
    ctx.fillStyle = PAPER_LOOK.line;
    const w = Math.max(1, Math.round(PAPER_LOOK.lineWidth * px));
    const half = Math.floor(w / 2);
    for (const y of grid(rect.minY, rect.maxY)) ctx.fillRect(0, y - half, width, w);
    if (paper === 'squares') for (const x of grid(rect.minX, rect.maxX)) ctx.fillRect(x - half, 0, w, height);
  }
  ctx.restore();
}

/** The paper under a page's board canvas, following its view. */
export class PaperLayer {
  readonly canvas = document.createElement('canvas');
  private readonly ctx: CanvasRenderingContext2D;
  private paper: Paper = 'blank';
  /** What the canvas was last painted for: repainted only when this changes. */
  private painted = '';
  private frame = 0;

  constructor(
    board: HTMLCanvasElement,
    private readonly view: View,
  ) {
    this.canvas.className = 'paper';
    this.canvas.setAttribute('aria-hidden', 'true');
    this.canvas.hidden = true;
    this.ctx = this.canvas.getContext('2d')!;
    // Before the board's canvas, so under it (styles.css makes the board's transparent over it).
    board.before(this.canvas);
    view.onChange(() => this.request());
  }

  /** The paper the page shows now. */
  get shown(): Paper {
    return this.paper;
  }

  show(paper: Paper): void {
    if (paper === this.paper) return;
    this.paper = paper;
    this.request();
  }

  /** At most once a frame, whatever number of view changes came in it (the renderer draws in the same frame). */
  private request(): void {
    this.frame ||= requestAnimationFrame(() => {
      this.frame = 0;
      this.place();
    });
  }

  private place(): void {
    const { view, canvas } = this;
    const ratio = window.devicePixelRatio || 1;
    const spacing = PAPER_SPACING * view.zoom;
    // Written only when they change: a write, even of the same value, can cost the page a style pass.
    if (canvas.dataset.paper !== this.paper) canvas.dataset.paper = this.paper;
    // Zoomed far out the canvas stays, white: hiding and showing it while zooming would cost a compositor layer each time.
    const hidden = this.paper === 'blank' || view.width === 0;
    if (canvas.hidden !== hidden) canvas.hidden = hidden;
    if (hidden) return;
    const faded = paperOpacity(spacing) === 0;
    const key = `${faded ? 'white' : `${this.paper} ${view.zoom}`} ${ratio} ${view.width}x${view.height}`;
    if (key !== this.painted) {
      this.painted = key;
      const size = [Math.ceil((view.width + MAX_PERIOD) * ratio), Math.ceil((view.height + MAX_PERIOD) * ratio)] as const;
      if (canvas.width !== size[0] || canvas.height !== size[1]) {
        [canvas.width, canvas.height] = size;
        canvas.style.width = `${size[0] / ratio}px`;
        canvas.style.height = `${size[1] / ratio}px`;
      }
      // Only one period more than the screen shows, since a shift of less than a period always covers it (white: all of it, for any period).
      const width = faded ? size[0] : Math.ceil((view.width + spacing) * ratio);
      const height = faded ? size[1] : Math.ceil((view.height + spacing) * ratio);
      this.ctx.fillStyle = '#ffffff';
      this.ctx.fillRect(0, 0, width, height);
      // The canvas's corner is a grid point (world 0, 0, as good as any for a pattern repeating every period).
      paintPaper(this.ctx, this.paper, { minX: 0, minY: 0, maxX: width / ratio / view.zoom, maxY: height / ratio / view.zoom }, view.zoom * ratio, ratio);
    }
    // Where world (0, 0) falls on screen, brought within one period above and left of the screen's corner.
    const shift = (world: number) => {
      const phase = (((-world * view.zoom) % spacing) + spacing) % spacing;
      return Math.round((phase - spacing) * ratio) / ratio;
    };
    canvas.style.transform = `translate(${shift(view.x)}px, ${shift(view.y)}px)`;
  }
}

/**
 * The paper picker (a `<select>` of PAPERS) on the board page, and the
 * page's paper kept as the board's: those who may draw choose, everyone
 * sees. The choice is a `board` operation, undone like any other.
 */
export function wirePaper(client: BoardClient, layer: PaperLayer, picker: HTMLSelectElement): void {
  /** A choice sent and not yet folded: the picker keeps showing it meanwhile. */
  let chosen: Paper | null = null;
  const showBoard = () => {
    const paper = client.state.settings.paper;
    if (chosen === paper) chosen = null;
    layer.show(paper);
    picker.value = chosen ?? paper;
  };
  client.on('change', showBoard);
  client.on('refused', (_reason, op) => {
    // Refused (a paused board, say): the picker goes back to what the board has.
    if (op?.k !== 'board') return;
    chosen = null;
    showBoard();
  });
  picker.addEventListener('change', () => {
    const paper = PAPERS.find((p) => p === picker.value);
    if (!paper || client.role === 'viewer' || paper === (chosen ?? client.state.settings.paper)) return;
    chosen = paper;
    client.send({ k: 'board', v: 1, paper });
  });
  showBoard();
}
