/**
 * The style panel: colour, fill, stroke width, solid or dashed, arrowheads
 * and text size. A choice becomes the style of what is drawn next and, if
 * something is selected, is set on the selection (one `set`, one undo
 * step); each element takes the properties its kind has. Also the
 * selection's buttons: delete, duplicate, bring to front, send to back,
 * lock.
 */
import type { Props } from '../../server/board/elements.ts';
import type { EditorContext } from './editor-context.ts';
import { deleteSelection, duplicateSelection, lockSelection, restack, restyle, selectedIds, setFontSize } from './selection-actions.ts';

export type StylePanelHost = {
  /** A style was chosen: the page may switch from a tool that draws nothing (eraser, hand) to the pen. */
  chosen(): void;
};

/** Buttons of one choice: `data-<name>` holds the value; the chosen one is marked active. */
function choice(name: string, apply: (value: string) => void): void {
  const buttons = [...document.querySelectorAll<HTMLElement>(`[data-${name}]`)];
  for (const button of buttons) {
    button.addEventListener('click', () => {
      for (const b of buttons) b.classList.toggle('active', b === button);
      apply(button.getAttribute(`data-${name}`)!);
    });
  }
}

export function wireStylePanel(ctx: EditorContext, host: StylePanelHost): void {
  const { style } = ctx;
  const set = (p: Props) => {
    restyle(ctx, p);
    host.chosen();
  };
  for (const swatch of document.querySelectorAll<HTMLElement>('[data-color], [data-fill]')) {
    const colour = swatch.dataset.color ?? swatch.dataset.fill;
    if (colour && colour !== 'none') swatch.style.background = colour;
  }
  choice('color', (color) => {
    style.color = color;
    set({ color });
  });
  choice('fill', (value) => {
    style.fill = value === 'none' ? null : value;
    set({ fill: style.fill });
  });
  choice('width', (value) => {
    style.sw = Number(value);
    set({ sw: style.sw });
  });
  choice('dash', (value) => {
    style.dash = value === '1' ? 1 : 0;
    set({ dash: style.dash });
  });
  choice('arrowheads', (value) => {
    style.ah = Number(value);
    set({ ah: style.ah });
  });
  choice('font-size', (value) => {
    style.fs = Number(value);
    setFontSize(ctx, style.fs);
    host.chosen();
  });
  ctx.selection.onChange(() => showStyleOf(ctx));
  const button = (id: string, run: () => void) => document.getElementById(id)?.addEventListener('click', run);
  button('delete-selection', () => deleteSelection(ctx));
  button('duplicate-selection', () => duplicateSelection(ctx));
  button('bring-front', () => restack(ctx, 'front'));
  button('send-back', () => restack(ctx, 'back'));
  button('lock-selection', () => lockSelection(ctx));
}

/** Marks the buttons of a value as chosen. */
function mark(name: string, value: string | null): void {
  if (value === null) return;
  for (const b of document.querySelectorAll<HTMLElement>(`[data-${name}]`)) b.classList.toggle('active', b.getAttribute(`data-${name}`) === value);
}

/**
 * The panel shows the style of what is selected (its topmost item), or
 * else the style new elements get.
 */
export function showStyleOf(ctx: EditorContext): void {
  const ids = selectedIds(ctx);
  const item = ids.length > 0 ? ctx.scene.itemOf(ids[ids.length - 1]!) : undefined;
  const { style } = ctx;
  const shape = item && 'type' in item ? item : undefined;
  const ink = item && !('type' in item) ? item : undefined;
  mark('color', item?.color ?? style.color);
  mark('width', String(ink ? ink.w : (shape?.sw ?? style.sw)));
  mark('fill', shape ? (shape.fill ?? 'none') : (style.fill ?? 'none'));
  mark('dash', String(shape?.dash ?? style.dash));
  mark('arrowheads', String(shape?.type === 'arrow' || shape?.type === 'line' ? shape.ah : style.ah));
  mark('font-size', String(shape?.type === 'text' || shape?.type === 'note' ? shape.fs : style.fs));
}
