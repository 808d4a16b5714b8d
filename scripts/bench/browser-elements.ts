/**
 * The element activities of the browser benchmark (browser.ts), on a page
 * already open and inked: dragging a selection of elements with the select
 * tool, typing in a sticky note, and select all then a move.
 */
import type { Page } from 'playwright-core';
import { record, type Activity } from './browser-probe.ts';

/** The benchmark pages' nickname: what they make themselves (notes typed in) is told apart by it. */
export const NICKNAME = 'Bench';
/** How many elements the drag moves (the goal names 500), or all there are on a smaller board. */
export const DRAGGED = 500;
/** A character every 80 ms: a quick typist. */
const KEY_MS = 80;
const WORDS = 'Plants turn light, water and air into sugar. ';

export type DragFigures = { frames: Activity; dragged: number };
/** Select all, then one arrow key: items selected, records the log gained for the move, ms from the keys to the move being in the log. */
export type SelectAllFigures = { selected: number; records: number; ms: number };

type Rect = { minX: number; minY: number; maxX: number; maxY: number };
/** What these activities read of the page (web/src/main.ts puts it on window). */
type Whiteboard = {
  client: {
    cid: string;
    unacknowledged: number;
    state: { pos: number; shapes: Map<string, { id: string; name: string; text?: string }>; actions: Map<number, { kind: string; cid?: string; targets: string[] }> };
  };
  scene: { itemOf(id: string): unknown };
  renderer: { itemsAt(point: { x: number; y: number }, radius: number): string[]; boundsOf(id: string): Rect | null };
  view: { zoom: number; visible(): Rect; toScreen(x: number, y: number): { x: number; y: number } };
  selection: { size: number; set(ids: Iterable<string>): void };
  textEditor: { editing: string | null };
};
type PageWindow = { whiteboard: Whiteboard };

const settled = (page: Page) => page.waitForFunction(() => (window as unknown as PageWindow).whiteboard.client.unacknowledged === 0, undefined, { timeout: 60_000 });
const logPosition = (page: Page) => page.evaluate(() => (window as unknown as PageWindow).whiteboard.client.state.pos);

/** The board's own elements shown now: not the notes earlier rounds typed in. */
export function elementsShown(page: Page): Promise<number> {
  return page.evaluate((bench) => {
    const { client, scene } = (window as unknown as PageWindow).whiteboard;
    return [...client.state.shapes.values()].filter((s) => s.name !== bench && scene.itemOf(s.id) !== undefined).length;
  }, NICKNAME);
}

/**
 * The whole board in view, the DRAGGED elements of the board's own nearest
 * its middle selected, then a drag of them with the mouse through the select tool for
 * `seconds`. Null on a board without elements.
 *
 * The selection is made through the page's Selection (window.whiteboard.
 * selection), not a marquee: a marquee takes the ink inside it too, and on
 * a board covered in ink no rectangle holds 500 elements and nothing else.
 * The drag itself is real mouse input: the select tool turns it into one
 * `xf` naming the 500 and then one `xf` `c: 1` per frame, as for a user.
 */
export async function dragElements(page: Page, seconds: number): Promise<DragFigures | null> {
  await page.click('[data-zoom="fit"]');
  await page.keyboard.press('v');
  const origin = (await page.locator('#board').boundingBox())!;
  const grab = await page.evaluate(({ count, bench }) => {
    const { client, scene, renderer, view, selection } = (window as unknown as PageWindow).whiteboard;
    const shown = view.visible();
    const [cx, cy] = [(shown.minX + shown.maxX) / 2, (shown.minY + shown.maxY) / 2];
    const inView = [...client.state.shapes.values()]
      .filter((s) => s.name !== bench && scene.itemOf(s.id) !== undefined)
      .map((s) => ({ id: s.id, b: renderer.boundsOf(s.id) }))
      .filter((e): e is { id: string; b: Rect } => e.b !== null && e.b.minX >= shown.minX && e.b.minY >= shown.minY && e.b.maxX <= shown.maxX && e.b.maxY <= shown.maxY)
      .map((e) => ({ ...e, d: Math.hypot((e.b.minX + e.b.maxX) / 2 - cx, (e.b.minY + e.b.maxY) / 2 - cy) }));
    // No named functions in here: the page has no __name helper for tsx to wrap them in.
    const chosen = inView.sort((a, b) => a.d - b.d).slice(0, count);
    if (chosen.length === 0) return null;
    const ids = new Set(chosen.map((e) => e.id));
    selection.set(ids);
    // A point where the topmost item is one of them (ink drawn later lies over many): the press picks that.
    for (const { b } of chosen) {
      for (let u = 0.5; u < 1; u += 0.1) {
        for (const [x, y] of [[b.minX + u * (b.maxX - b.minX), b.minY + u * (b.maxY - b.minY)], [b.maxX - u * (b.maxX - b.minX), b.minY + u * (b.maxY - b.minY)]] as const) {
          const top = renderer.itemsAt({ x, y }, 6 / view.zoom)[0];
          if (top !== undefined && ids.has(top)) return { at: view.toScreen(x, y), selected: ids.size };
        }
      }
    }
    return null;
  }, { count: DRAGGED, bench: NICKNAME });
  if (!grab) return null;
  const [x, y] = [origin.x + grab.at.x, origin.y + grab.at.y];
  const frames = await record(page, async () => {
    const start = Date.now();
    await page.mouse.move(x, y);
    await page.mouse.down();
    for (let i = 1; Date.now() - start < seconds * 1000; i++) await page.mouse.move(x + 150 * Math.sin(i / 15), y + 80 * Math.sin(i / 11));
    await page.mouse.up();
  });
  await settled(page);
  // What the drag moved, as the log folded it: the targets of this page's last `xf`.
  const dragged = await page.evaluate(() => {
    const { client } = (window as unknown as PageWindow).whiteboard;
    const mine = [...client.state.actions.values()].filter((a) => a.kind === 'xf' && a.cid === client.cid);
    return mine.at(-1)?.targets.length ?? 0;
  });
  await page.keyboard.press('Escape');
  return { frames, dragged };
}

/** At 100%, a new sticky note in the middle of the view, typed in at a human pace for `seconds`; the characters it then holds. */
export async function typeInNote(page: Page, seconds: number): Promise<{ frames: Activity; typed: number }> {
  await page.click('[data-zoom="reset"]');
  await page.keyboard.press('n');
  const board = (await page.locator('#board').boundingBox())!;
  await page.mouse.click(board.x + board.width / 2, board.y + board.height / 2);
  await page.waitForFunction(() => (window as unknown as PageWindow).whiteboard.textEditor.editing !== null);
  const note = await page.evaluate(() => (window as unknown as PageWindow).whiteboard.textEditor.editing!);
  const frames = await record(page, async () => {
    const start = Date.now();
    for (let i = 0; Date.now() - start < seconds * 1000; i++) {
      await page.keyboard.type(WORDS[i % WORDS.length]!);
      const next = start + (i + 1) * KEY_MS - Date.now();
      if (next > 0) await page.waitForTimeout(next);
    }
  });
  await page.keyboard.press('Escape');
  await settled(page);
  const typed = await page.evaluate((id) => (window as unknown as PageWindow).whiteboard.client.state.shapes.get(id)?.text?.length ?? 0, note);
  return { frames, typed };
}

/**
 * Ctrl+A, then the right arrow: how many records the log gains for the
 * move (one `xf` with `all: 1` is the goal, however many items), and how
 * long until it is in the log. Undone after, so that the next round opens
 * the board with its ink where it was drawn.
 */
export async function selectAllThenMove(page: Page): Promise<SelectAllFigures> {
  await settled(page);
  const before = await logPosition(page);
  const start = Date.now();
  await page.keyboard.press('Control+a');
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction((from) => {
    const { client } = (window as unknown as PageWindow).whiteboard;
    return client.state.pos > from && client.unacknowledged === 0;
  }, before, { timeout: 60_000 });
  const ms = Date.now() - start;
  const selected = await page.evaluate(() => (window as unknown as PageWindow).whiteboard.selection.size);
  // Anything more the move sent would be in the log by now.
  await page.waitForTimeout(500);
  await settled(page);
  const records = (await logPosition(page)) - before;
  await page.keyboard.press('Control+z');
  await settled(page);
  await page.keyboard.press('Escape');
  return { selected, records, ms };
}
