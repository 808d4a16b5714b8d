/**
 * Editing the text of a text element or sticky note in place: a textarea
 * laid over the element, in the board font at the element's size, placed
 * by the view and the element's own matrix (so it zooms and turns with
 * it). The board does not paint the element meanwhile; the textarea shows
 * it. Every change goes out as `set` {text, w, h}, the first naming the
 * element and the rest continuing it (`c: 1`), at most one per frame: one
 * undo step for the whole edit. A text element's box grows with its text
 * up to MAX_TEXT_WIDTH, then its lines wrap; its width and height come from
 * layoutText, so every page breaks the lines alike.
 */
import { multiply, type Matrix, type Props, type Shape } from '../../server/board/elements.ts';
import { LIMITS } from '../../server/protocol/messages.ts';
import { layoutText, LINE_HEIGHT } from '../../server/text/layout.ts';
import type { EditorContext } from './editor-context.ts';
import { fontCss } from './fonts.ts';
import { LiveProps } from './live-changes.ts';
import { MAX_TEXT_WIDTH, NOTE_FILL, NOTE_PADDING } from './style.ts';

/** The size a text or note takes for its text: what each change sends. */
export function sizeForText(shape: Pick<Shape, 'type' | 'w' | 'h' | 'fs'>, text: string): Pick<Props, 'w' | 'h'> {
  if (shape.type === 'note') {
    const lines = layoutText(text, shape.fs, Math.max(0, shape.w - 2 * NOTE_PADDING));
    return { h: Math.max(shape.h, round(lines.height + 2 * NOTE_PADDING)) };
  }
  const unwrapped = layoutText(text, shape.fs, null).width;
  // Whole units up: a width of exactly the text's could round below it.
  const w = Math.min(MAX_TEXT_WIDTH, Math.ceil(unwrapped));
  return { w, h: round(layoutText(text, shape.fs, w).height) };
}

const round = (v: number) => Math.round(v * 100) / 100;

export class TextEditor {
  private area: HTMLTextAreaElement | null = null;
  private id = '';
  private live: LiveProps | null = null;
  private size: Pick<Props, 'w' | 'h'> = {};
  private unlistenView: (() => void) | null = null;

  constructor(
    private readonly ctx: EditorContext,
    private readonly stage: HTMLElement,
  ) {}

  /** The element being edited, if any. */
  get editing(): string | null {
    return this.area ? this.id : null;
  }

  open(id: string): void {
    this.close();
    const shape = this.ctx.scene.shapeOf(id);
    if (!shape || (shape.type !== 'text' && shape.type !== 'note') || !this.ctx.canEdit()) return;
    const area = document.createElement('textarea');
    area.className = `text-editor ${shape.type}`;
    area.value = shape.text;
    area.maxLength = LIMITS.maxTextLength;
    area.spellcheck = false;
    area.setAttribute('aria-label', shape.type === 'note' ? 'Sticky note text' : 'Text');
    this.area = area;
    this.id = id;
    this.live = new LiveProps(this.ctx, [id]);
    this.size = { w: shape.w, h: shape.h };
    this.ctx.scene.hidden = id;
    area.addEventListener('input', () => this.changed());
    area.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' || (event.key === 'Enter' && (event.ctrlKey || event.metaKey))) {
        event.preventDefault();
        this.close();
      }
    });
    // Focus gone elsewhere on the page ends the editing; the window losing focus (another app) does not.
    area.addEventListener('blur', () => {
      if (document.hasFocus()) this.close();
    });
    this.unlistenView = this.ctx.view.onChange(() => this.place());
    this.stage.append(area);
    this.place();
    area.focus();
    area.setSelectionRange(area.value.length, area.value.length);
    this.ctx.redraw();
  }

  /** Ends editing: what was typed is sent; a text element left empty is erased. */
  close(): void {
    const area = this.area;
    if (!area) return;
    this.area = null;
    this.unlistenView?.();
    this.unlistenView = null;
    this.live?.flush();
    const shape = this.ctx.scene.shapeOf(this.id);
    if (shape && shape.type === 'text' && area.value.trim() === '') this.ctx.client.send({ k: 'erase', ids: [this.id] });
    this.ctx.scene.hidden = null;
    area.remove();
    this.ctx.redraw();
  }

  /** Someone else erased the element (or undid its making): nothing left to edit. */
  check(): void {
    if (this.area && !this.ctx.scene.shapeOf(this.id)) {
      this.live = null;
      this.close();
    } else if (this.area) {
      this.place();
    }
  }

  private changed(): void {
    const area = this.area;
    const shape = this.ctx.scene.shapeOf(this.id);
    if (!area || !shape) return;
    this.size = sizeForText(shape, area.value);
    this.live!.update({ text: area.value, ...this.size });
    this.place();
  }

  /** Puts the textarea over the element, as the view shows it now. */
  private place(): void {
    const area = this.area;
    const shape = this.ctx.scene.shapeOf(this.id);
    if (!area || !shape) return;
    const { view } = this.ctx;
    const screen: Matrix = [view.zoom, 0, 0, view.zoom, -view.x * view.zoom, -view.y * view.zoom];
    const m = multiply(screen, shape.m);
    const note = shape.type === 'note';
    const w = this.size.w ?? shape.w;
    const h = Math.max(this.size.h ?? shape.h, shape.fs * LINE_HEIGHT);
    const style = area.style;
    style.transform = `matrix(${m.join(',')})`;
    style.font = fontCss(shape.fs);
    style.lineHeight = String(LINE_HEIGHT);
    style.color = shape.color;
    // A new text has no width yet: room for the caret and the next letter.
    style.width = `${note ? w : Math.max(w, shape.fs) + 2}px`;
    style.height = `${h}px`;
    style.padding = note ? `${NOTE_PADDING}px` : '0';
    style.background = note ? (shape.fill ?? NOTE_FILL) : 'transparent';
  }
}
