/**
 * Moving around the board, on the board page and the replay page alike:
 * wheel or trackpad scroll pans, ctrl/cmd + wheel and trackpad pinch zoom
 * around the pointer, space + drag, the middle button and the hand tool pan,
 * two fingers pan and zoom. Once a pen has been seen, fingers only ever
 * navigate (a palm resting on the screen does not draw); without a pen one
 * finger draws. The page itself never scrolls or zooms. Every move made
 * here is told as the page's own (`View.movedByHand`): it ends following
 * someone else's view (follow.ts).
 */
import type { View } from './view.ts';

type Pointer = { x: number; y: number };

export type NavigationOptions = {
  /** Whether a plain drag should draw (the board page while drawing is allowed) rather than pan. */
  drawsOnDrag(): boolean;
  /** A second finger landed: whatever the first one was drawing stops. */
  onGestureStart?(): void;
  /** Whether holding space turns drags into pans (the replay page plays and pauses with space instead). */
  spacePans?: boolean;
};

export class Navigation {
  /** The hand tool: every drag pans. */
  hand = false;
  /** True once a pen touched the board in this page: fingers then navigate only. */
  penSeen = false;
  private spaceHeld = false;
  /** Pointers moving the view, with where they were last. */
  private readonly panning = new Map<number, Pointer>();
  /** Every finger on the board, drawing or not. */
  private readonly fingers = new Map<number, Pointer>();
  private penDown: number | null = null;

  constructor(
    private readonly surface: HTMLElement,
    private readonly view: View,
    private readonly options: NavigationOptions,
  ) {
    surface.addEventListener('wheel', (event) => this.wheel(event), { passive: false });
    // ctrl + wheel anywhere (the toolbar too) would zoom the page instead of the board.
    window.addEventListener('wheel', (event) => event.ctrlKey && event.preventDefault(), { passive: false });
    // Safari's own pinch gestures.
    for (const type of ['gesturestart', 'gesturechange']) document.addEventListener(type, (event) => event.preventDefault());
    window.addEventListener('keydown', (event) => this.key(event, true));
    window.addEventListener('keyup', (event) => this.key(event, false));
    window.addEventListener('blur', () => this.setSpace(false));
  }

  /**
   * Offers a pointerdown to navigation; true when navigation takes it (pans,
   * pinches, or ignores a palm) and the caller must not draw with it.
   */
  takes(event: PointerEvent): boolean {
    const at = { x: event.clientX, y: event.clientY };
    if (event.pointerType === 'pen') {
      this.penSeen = true;
      this.penDown = event.pointerId;
    }
    const touch = event.pointerType === 'touch';
    if (touch) {
      this.fingers.set(event.pointerId, at);
      // A hand resting on the screen while the pen writes.
      if (this.penDown !== null) return true;
    }
    const pans = event.button === 1 || this.hand || this.spaceHeld || !this.options.drawsOnDrag() || (touch && (this.penSeen || this.fingers.size > 1));
    if (!pans) return false;
    if (touch && this.fingers.size > 1) {
      // A second finger: the first one stops drawing and both navigate.
      this.options.onGestureStart?.();
      for (const [id, p] of this.fingers) this.panning.set(id, p);
    } else {
      this.panning.set(event.pointerId, at);
    }
    this.surface.setPointerCapture?.(event.pointerId);
    this.surface.dataset.panning = '';
    return true;
  }

  /** Every pointermove; true when it navigated. */
  move(event: PointerEvent): boolean {
    const at = { x: event.clientX, y: event.clientY };
    if (this.fingers.has(event.pointerId)) this.fingers.set(event.pointerId, at);
    const before = this.panning.get(event.pointerId);
    if (!before) return false;
    const pointers = [...this.panning.entries()];
    if (pointers.length >= 2) {
      const [a0, b0] = [pointers[0]![1], pointers[1]![1]];
      const [a, b] = [pointers[0]![0] === event.pointerId ? at : a0, pointers[1]![0] === event.pointerId ? at : b0];
      const rect = this.surface.getBoundingClientRect();
      const mid = { x: (a.x + b.x) / 2 - rect.left, y: (a.y + b.y) / 2 - rect.top };
      const mid0 = { x: (a0.x + b0.x) / 2 - rect.left, y: (a0.y + b0.y) / 2 - rect.top };
      const d = Math.hypot(a.x - b.x, a.y - b.y);
      const d0 = Math.hypot(a0.x - b0.x, a0.y - b0.y);
      this.view.panBy(mid.x - mid0.x, mid.y - mid0.y);
      if (d0 > 0 && d > 0) this.view.zoomAt(mid.x, mid.y, d / d0);
    } else {
      this.view.panBy(at.x - before.x, at.y - before.y);
    }
    this.panning.set(event.pointerId, at);
    if (at.x !== before.x || at.y !== before.y) this.view.movedByHand();
    return true;
  }

  /** Every pointerup or cancel; true when that pointer was navigating. */
  release(event: PointerEvent): boolean {
    this.fingers.delete(event.pointerId);
    if (event.pointerId === this.penDown) this.penDown = null;
    const was = this.panning.delete(event.pointerId);
    if (this.panning.size === 0) delete this.surface.dataset.panning;
    return was;
  }

  private wheel(event: WheelEvent): void {
    event.preventDefault();
    const unit = event.deltaMode === 1 ? 16 : event.deltaMode === 2 ? this.view.height : 1;
    const rect = this.surface.getBoundingClientRect();
    if (event.ctrlKey || event.metaKey) {
      // Trackpad pinches arrive as ctrl + small deltas; a mouse wheel notch is ~100.
      const delta = Math.max(-50, Math.min(50, event.deltaY * unit));
      this.view.zoomAt(event.clientX - rect.left, event.clientY - rect.top, Math.exp(-delta * 0.01));
    } else if (event.shiftKey && event.deltaX === 0) {
      this.view.panBy(-event.deltaY * unit, 0);
    } else {
      this.view.panBy(-event.deltaX * unit, -event.deltaY * unit);
    }
    this.view.movedByHand();
  }

  private key(event: KeyboardEvent, down: boolean): void {
    const target = event.target as HTMLElement | null;
    if (target?.closest('input, textarea, select, dialog')) return;
    if (event.code === 'Space') {
      if (this.options.spacePans === false) return;
      // Space would also press the focused toolbar button.
      event.preventDefault();
      if (!event.repeat) this.setSpace(down);
      return;
    }
    if (!down) return;
    const mod = event.ctrlKey || event.metaKey;
    if (mod && (event.key === '=' || event.key === '+')) this.view.zoomStep(1);
    else if (mod && event.key === '-') this.view.zoomStep(-1);
    else if (mod && event.key === '0') this.view.actualSize();
    else return;
    event.preventDefault();
    this.view.movedByHand();
  }

  private setSpace(held: boolean): void {
    this.spaceHeld = held;
    if (held) this.surface.dataset.space = '';
    else delete this.surface.dataset.space;
  }
}

/** Wires the zoom buttons (−, the zoom shown as a percentage, +, fit) of a page. */
export function zoomControls(root: HTMLElement, view: View, fit: () => void): void {
  const label = root.querySelector<HTMLButtonElement>('[data-zoom="reset"]')!;
  // Each is this page's own move (view.ts `movedByHand`): following someone stops.
  const byHand = (move: () => void) => () => {
    move();
    view.movedByHand();
  };
  root.querySelector('[data-zoom="out"]')!.addEventListener('click', byHand(() => view.zoomStep(-1)));
  root.querySelector('[data-zoom="in"]')!.addEventListener('click', byHand(() => view.zoomStep(1)));
  root.querySelector('[data-zoom="fit"]')!.addEventListener('click', byHand(fit));
  label.addEventListener('click', byHand(() => view.actualSize()));
  const show = () => (label.textContent = `${Math.round(view.zoom * 100)}%`);
  view.onChange(show);
  show();
}
