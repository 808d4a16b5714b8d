/**
 * Driving the board page's editing tools in Chromium as a user does (real
 * pointer and keyboard events), and reading what the page's client holds
 * through `window.whiteboard` to check the outcome.
 */
import type { Page } from 'playwright-core';
import type { Shape } from '../../server/board/elements.ts';

/** What a test reads of the page (main.ts puts it on window.whiteboard). */
type InkSeen = { id: string; color: string; undone: boolean; hiddenBy: number[]; m?: number[] };
export type PageBoard = {
  client: {
    state: { shapes: Map<string, Shape>; strokes: Map<string, InkSeen>; pos: number };
    unacknowledged: number;
    role: string;
  };
  selection: { list(): string[] };
  view: { zoom: number; x: number; y: number; toScreen(x: number, y: number): { x: number; y: number }; set(x: number, y: number, zoom: number): void };
  textEditor: { editing: string | null };
  /** The lines the page draws a text or note in. */
  textLines(id: string): string[];
  tool(): string;
};
type Env = { open(path: string, nickname: string): Promise<Page> };

/** Opens a board page and waits until it is live. */
export async function openLive(env: Env, path: string, nickname: string): Promise<Page> {
  const page = await env.open(path, nickname);
  await page.waitForFunction(() => document.body.dataset.status === 'live');
  return page;
}

/** A first page on a new board (its editor) and a second with the edit link, both showing the board at 100% from (0, 0). */
export async function twoEditorsOn(env: Env, board: string): Promise<[Page, Page]> {
  const ann = await openLive(env, `/b/${board}`, 'Ann');
  await ann.waitForFunction(() => location.hash.startsWith('#edit='));
  const url = new URL(ann.url());
  const bob = await openLive(env, url.pathname + url.hash, 'Bob');
  // The same view on both, so canvas points name the same board points.
  for (const page of [ann, bob]) await setView(page, 0, 0, 1);
  return [ann, bob];
}

export function setView(page: Page, x: number, y: number, zoom: number): Promise<void> {
  return page.evaluate(([vx, vy, z]) => (window as unknown as { whiteboard: PageBoard }).whiteboard.view.set(vx!, vy!, z!), [x, y, zoom]);
}

export const selectionOf = (page: Page) => page.evaluate(() => (window as unknown as { whiteboard: PageBoard }).whiteboard.selection.list());
export const toolOf = (page: Page) => page.evaluate(() => (window as unknown as { whiteboard: PageBoard }).whiteboard.tool());
export const linesOnPage = (page: Page, id: string) => page.evaluate((textId) => (window as unknown as { whiteboard: PageBoard }).whiteboard.textLines(textId), id);

/** The ink the page's client holds, in log order. */
export function strokesOf(page: Page): Promise<InkSeen[]> {
  return page.evaluate(() => [...(window as unknown as { whiteboard: PageBoard }).whiteboard.client.state.strokes.values()]);
}

/** A line's ends on the board as a page holds it (elements.ts's lineEnds, run in the page on its state). */
export function endsOf(page: Page, id: string): Promise<[[number, number], [number, number]]> {
  return page.evaluate((lineId) => {
    const { shapes } = (window as unknown as { whiteboard: PageBoard }).whiteboard.client.state;
    const line = shapes.get(lineId)!;
    const pts = line.pts!;
    const at = (m: number[], x: number, y: number): [number, number] => [m[0]! * x + m[2]! * y + m[4]!, m[1]! * x + m[3]! * y + m[5]!];
    const end = (b: Shape['sb'], x: number, y: number) => {
      const target = b ? shapes.get(b.id) : undefined;
      return b && target ? at(target.m, b.u * target.w, b.v * target.h) : at(line.m, x, y);
    };
    return [end(line.sb, pts[0]!, pts[1]!), end(line.eb, pts[2]!, pts[3]!)] as [[number, number], [number, number]];
  }, id);
}

type XY = [number, number];

/** Top-left of the canvas on the page: board drags are given in canvas pixels, the toolbar's height aside. */
async function canvasOrigin(page: Page): Promise<XY> {
  return page.evaluate(() => {
    const r = document.querySelector('#board')!.getBoundingClientRect();
    return [r.left, r.top] as [number, number];
  });
}

/** A drag between two canvas points, in steps (shift held if asked). */
export async function drag(page: Page, from: XY, to: XY, options: { shift?: boolean; steps?: number } = {}): Promise<void> {
  const [ox, oy] = await canvasOrigin(page);
  if (options.shift) await page.keyboard.down('Shift');
  await page.mouse.move(from[0] + ox, from[1] + oy);
  await page.mouse.down();
  await page.mouse.move(to[0] + ox, to[1] + oy, { steps: options.steps ?? 12 });
  await page.mouse.up();
  if (options.shift) await page.keyboard.up('Shift');
}

export async function click(page: Page, at: XY, options: { shift?: boolean; double?: boolean } = {}): Promise<void> {
  const [ox, oy] = await canvasOrigin(page);
  if (options.shift) await page.keyboard.down('Shift');
  if (options.double) await page.mouse.dblclick(at[0] + ox, at[1] + oy);
  else await page.mouse.click(at[0] + ox, at[1] + oy);
  if (options.shift) await page.keyboard.up('Shift');
}

/** The visible shapes the page's client holds, in log order. */
export function shapesOf(page: Page): Promise<Shape[]> {
  return page.evaluate(() => {
    const { client } = (window as unknown as { whiteboard: PageBoard }).whiteboard;
    return [...client.state.shapes.values()].filter((s) => !s.undone && s.hiddenBy.length === 0);
  });
}

/** Until everything the page sent is in the log, and the `readers` have folded the log that far. */
export async function settled(page: Page, ...readers: Page[]): Promise<void> {
  await page.waitForFunction(() => (window as unknown as { whiteboard: PageBoard }).whiteboard.client.unacknowledged === 0);
  const pos = await page.evaluate(() => (window as unknown as { whiteboard: PageBoard }).whiteboard.client.state.pos);
  for (const reader of readers) await reader.waitForFunction((at) => (window as unknown as { whiteboard: PageBoard }).whiteboard.client.state.pos >= at, pos);
}

/** Where a board point is on the canvas (canvas pixels). */
export function canvasPointOf(page: Page, x: number, y: number): Promise<XY> {
  return page.evaluate(([wx, wy]) => {
    const p = (window as unknown as { whiteboard: PageBoard }).whiteboard.view.toScreen(wx!, wy!);
    return [p.x, p.y] as [number, number];
  }, [x, y]);
}

/** Canvas pixels (in a box given in canvas pixels) that are not white or transparent and close to `rgb`. */
export function pixelsLike(page: Page, box: { x: number; y: number; w: number; h: number }, rgb: [number, number, number], tolerance = 60): Promise<number> {
  return page.evaluate(
    ({ b, c, t }) => {
      const canvas = document.querySelector<HTMLCanvasElement>('#board')!;
      const ratio = canvas.width / canvas.getBoundingClientRect().width;
      const data = canvas.getContext('2d')!.getImageData(b.x * ratio, b.y * ratio, b.w * ratio, b.h * ratio).data;
      let n = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3]! < 128) continue;
        if (Math.abs(data[i]! - c[0]) + Math.abs(data[i + 1]! - c[1]) + Math.abs(data[i + 2]! - c[2]) <= t) n++;
      }
      return n;
    },
    { b: box, c: rgb, t: tolerance },
  );
}
