/**
 * Copy, cut and paste through the system clipboard (the page's copy, cut
 * and paste events, so ctrl/cmd + C, X, V and the browser's menu all work
 * without asking for clipboard permissions). What is copied goes out as
 * text/plain holding a JSON envelope that names itself, so pasting it on
 * this board or another adds copies with new ids; text/html holds the
 * plain text of the copied texts and notes, for other applications.
 * Pasting plain text from elsewhere makes a text element.
 */
import type { ElementSpec } from '../../server/board/element-rules.ts';
import { elementProblem } from '../../server/board/element-rules.ts';
import { apply, type Matrix, type Point2 } from '../../server/board/elements.ts';
import { LIMITS } from '../../server/protocol/messages.ts';
import type { EditorContext } from './editor-context.ts';
import { addOps, copiesOf } from './element-specs.ts';
import { newId } from './ids.ts';
import { deleteSelection, selectedIds, selectionSpecs } from './selection-actions.ts';
import { sizeForText } from './text-editor.ts';
import { unionOf } from './transform-math.ts';

/** What marks our clipboard text; its version lets a later page read what this one wrote. */
export const CLIPBOARD_TYPE = 'whiteboard/elements';
/** `centre`: the middle of what was copied as drawn (ink's points included), where a paste puts the pointer. */
export type ClipboardEnvelope = { type: typeof CLIPBOARD_TYPE; v: 1; elements: ElementSpec[]; centre?: Point2 };
export type Clipped = { elements: ElementSpec[]; centre: Point2 };

export function envelopeOf(elements: ElementSpec[], centre: Point2): string {
  return JSON.stringify({ type: CLIPBOARD_TYPE, v: 1, elements, centre } satisfies ClipboardEnvelope);
}

/** The elements of an envelope that the board would take, or null when the text is not one. */
export function readEnvelope(text: string): Clipped | null {
  if (!text.trimStart().startsWith('{')) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  const env = parsed as Partial<ClipboardEnvelope> | null;
  if (!env || env.type !== CLIPBOARD_TYPE || env.v !== 1 || !Array.isArray(env.elements)) return null;
  // Someone else's clipboard is input like any other: only what the board accepts.
  const elements = env.elements.filter((e) => typeof e === 'object' && e !== null && elementProblem(e) === null);
  const c = env.centre;
  const centre = Array.isArray(c) && c.length === 2 && c.every(Number.isFinite) ? c : centreOf(elements);
  return { elements, centre };
}

/** Centre of the elements' boxes and line ends (an envelope without its centre; ink counts by its origin only). */
function centreOf(specs: readonly ElementSpec[]): Point2 {
  if (specs.length === 0) return [0, 0];
  const points = specs.flatMap((s): Point2[] => {
    const m = s.m as Matrix;
    if (s.pts) return [apply(m, s.pts[0]!, s.pts[1]!), apply(m, s.pts[2]!, s.pts[3]!)];
    return [apply(m, 0, 0), apply(m, s.w ?? 0, s.h ?? 0)];
  });
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  return [(Math.min(...xs) + Math.max(...xs)) / 2, (Math.min(...ys) + Math.max(...ys)) / 2];
}

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

export type ClipboardHost = {
  /** Where a paste goes: the pointer on the board, else the view's centre. */
  pasteAt(): Point2;
  /** Whether the page handles clipboard events now (not while a text field is focused). */
  active(): boolean;
  /** Something is about to be pasted (and selected). */
  pasted(): void;
};

export function wireClipboard(ctx: EditorContext, host: ClipboardHost): void {
  const copy = (event: ClipboardEvent): boolean => {
    if (!host.active() || !event.clipboardData) return false;
    const specs = selectionSpecs(ctx);
    if (specs.length === 0) return false;
    event.preventDefault();
    const bounds = unionOf(selectedIds(ctx).map((id) => ctx.hit.boundsOf(id)).filter((b) => b !== null));
    const centre: Point2 = bounds ? [(bounds.minX + bounds.maxX) / 2, (bounds.minY + bounds.maxY) / 2] : centreOf(specs);
    event.clipboardData.setData('text/plain', envelopeOf(specs, centre));
    const texts = specs.map((s) => s.text ?? '').filter((t) => t.trim() !== '');
    if (texts.length > 0) event.clipboardData.setData('text/html', texts.map((t) => `<p>${escapeHtml(t).replace(/\n/g, '<br>')}</p>`).join(''));
    return true;
  };
  document.addEventListener('copy', (event) => void copy(event));
  document.addEventListener('cut', (event) => {
    if (copy(event) && ctx.canEdit()) deleteSelection(ctx);
  });
  document.addEventListener('paste', (event) => {
    if (!host.active() || !ctx.canEdit() || !event.clipboardData) return;
    const text = event.clipboardData.getData('text/plain');
    if (!text) return;
    event.preventDefault();
    host.pasted();
    const clipped = readEnvelope(text);
    if (clipped) pasteElements(ctx, clipped, host.pasteAt());
    else pasteText(ctx, text, host.pasteAt());
  });
}

/** Adds copies of elements (new ids), centred on a board point, and selects them. */
export function pasteElements(ctx: EditorContext, { elements, centre }: Clipped, at: Point2): void {
  if (elements.length === 0) return;
  const copies = copiesOf(elements, at[0] - centre[0], at[1] - centre[1], newId);
  for (const op of addOps(copies)) ctx.client.send(op);
  ctx.selection.set(copies.map((c) => c.id));
  ctx.redraw();
}

/** Plain text from elsewhere: a text element holding it, its first line's middle at the point. */
export function pasteText(ctx: EditorContext, raw: string, at: Point2): void {
  const text = raw.slice(0, LIMITS.maxTextLength);
  const fs = ctx.style.fs;
  const size = sizeForText({ type: 'text', w: 0, h: 0, fs }, text);
  const x = Math.round((at[0] - (size.w ?? 0) / 2) * 100) / 100;
  const y = Math.round((at[1] - (size.h ?? 0) / 2) * 100) / 100;
  const id = newId();
  ctx.client.send({ k: 'add', v: 1, els: [{ id, type: 'text', m: [1, 0, 0, 1, x, y], color: ctx.style.color, text, fs, w: size.w ?? 0, h: size.h ?? 0 }] });
  ctx.selection.set([id]);
  ctx.redraw();
}
