/**
 * The board's paper in Chromium: an editor picks Squared; another editor's
 * page and a viewer's show the grid under the drawing (read from the
 * pixels on screen), the viewer with no picker; the replay shows the paper
 * of the moment it plays; the exports carry it unless "Include background"
 * is unticked; and undo brings blank paper back to every page.
 */
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { SaxesParser } from 'saxes';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { useBrowserAndServer } from '../support/browser.ts';

const env = useBrowserAndServer({ width: 900, height: 700 });
const BOARD = 'e2e-paper';
/** Every page opens on the same view: world (0, 0) at the board's corner, 100%. */
const SAVED_VIEW = { [`whiteboard.view.${BOARD}`]: JSON.stringify({ x: 0, y: 0, zoom: 1 }) };
/** The grid's period in world units (server/board/board-settings.ts). */
const SPACING = 24;
/** Where the grid is read, in board (canvas CSS) pixels: below the stroke, clear of the toasts and the zoom buttons. */
const BOX = { x: 30, y: 200, width: 380, height: 200 };

type View = { x: number; y: number; zoom: number };
type Pages = {
  whiteboard?: { client: { unacknowledged: number; role: string; send(op: unknown): void; state: { settings: { paper: string }; actions: Map<number, { kind: string; ts: number }> } }; view: View };
  replay?: { player: { time: number; paper: string } | null; view: View };
};
type Raw = { data: Buffer; width: number; channels: number };
/** How dark the grid shows, 0 (white) to 255: on its vertical lines, on its horizontal lines, and in the middle of its cells. */
type Grid = { vertical: number; horizontal: number; between: number };

/**
 * Reads the grid from the part `box` (image pixels) of an image whose
 * top-left pixel is world point `origin`, at `zoom` image pixels per world
 * unit: at each line, the darkest of the three pixels across it (the paper
 * is placed to a whole pixel), averaged.
 */
function gridIn({ data, width, channels }: Raw, box: typeof BOX, origin: { x: number; y: number }, zoom: number): Grid {
  const dark = (x: number, y: number) => {
    const i = (y * width + x) * channels;
    return 255 - (data[i]! + data[i + 1]! + data[i + 2]!) / 3;
  };
  /** Image pixels of the grid lines (`offset` 0) or of the cells' middles (half a period) within [start, start + size), image `origin` being world `from`. */
  const along = (from: number, start: number, size: number, offset: number) => {
    const at: number[] = [];
    for (let k = Math.floor((from - offset) / SPACING); ; k++) {
      const px = Math.round((k * SPACING + offset - from) * zoom);
      if (px >= start + size - 2) return at;
      if (px >= start + 2) at.push(px);
    }
  };
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const [columns, rows] = [along(origin.x, box.x, box.width, 0), along(origin.y, box.y, box.height, 0)];
  const [midColumns, midRows] = [along(origin.x, box.x, box.width, SPACING / 2), along(origin.y, box.y, box.height, SPACING / 2)];
  expect(columns.length * rows.length).toBeGreaterThan(20);
  return {
    vertical: mean(columns.flatMap((x) => midRows.map((y) => Math.max(dark(x - 1, y), dark(x, y), dark(x + 1, y))))),
    horizontal: mean(rows.flatMap((y) => midColumns.map((x) => Math.max(dark(x, y - 1), dark(x, y), dark(x, y + 1))))),
    between: mean(midColumns.flatMap((x) => midRows.map((y) => dark(x, y)))),
  };
}

/** The grid as the page shows it in BOX: a screenshot of that part of the board, so whatever is under the canvas counts. */
async function gridOnScreen(page: Page): Promise<Grid> {
  const { left, top, view } = await page.evaluate(() => {
    const { whiteboard, replay } = window as unknown as Pages;
    const { x, y, zoom } = (whiteboard ?? replay)!.view;
    const box = document.querySelector('#board')!.getBoundingClientRect();
    return { left: box.left, top: box.top, view: { x, y, zoom } };
  });
  const png = await page.screenshot({ clip: { x: left + BOX.x, y: top + BOX.y, width: BOX.width, height: BOX.height } });
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  const origin = { x: view.x + BOX.x / view.zoom, y: view.y + BOX.y / view.zoom };
  return gridIn({ data, width: info.width, channels: info.channels }, { x: 0, y: 0, width: info.width, height: info.height }, origin, view.zoom);
}

/** What the grid looks like: squared (both sets of lines clearly grey, the cells white), lined, blank, or the figures. */
function seen({ vertical, horizontal, between }: Grid): string {
  const line = (v: number) => v > 15;
  const white = (v: number) => v < 2;
  if (white(between) && line(vertical) && line(horizontal)) return 'squared';
  if (white(between) && white(vertical) && line(horizontal)) return 'lined';
  if (white(between) && white(vertical) && white(horizontal)) return 'blank';
  return `unclear: vertical ${vertical.toFixed(1)}, horizontal ${horizontal.toFixed(1)}, between ${between.toFixed(1)}`;
}
const shows = async (page: Page) => seen(await gridOnScreen(page));

/** Opens the export menu, ticks or unticks "Include background", chooses an entry, and returns the file downloaded. */
async function exported(page: Page, choice: 'png-view' | 'svg-whole', background: boolean): Promise<Buffer> {
  await page.click('#export summary');
  await page.setChecked('[data-export-paper]', background);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click(`[data-export="${choice}"]`)]);
  expect(await download.failure()).toBeNull();
  return readFile((await download.path())!);
}

/** The elements of an SVG document by name, parsed strictly (saxes throws on any XML error). */
function svgElements(text: string): { name: string; attrs: Record<string, string> }[] {
  const parser = new SaxesParser({ xmlns: true });
  const elements: { name: string; attrs: Record<string, string> }[] = [];
  parser.on('error', (error) => {
    throw error;
  });
  parser.on('opentag', (tag) => elements.push({ name: tag.local, attrs: Object.fromEntries(Object.entries(tag.attributes).map(([n, a]) => [n, a.value])) }));
  parser.write(text).close();
  return elements;
}

const paperOf = (page: Page) => page.evaluate(() => (window as unknown as Pages).whiteboard!.client.state.settings.paper);
const saved = (page: Page) => page.waitForFunction(() => (window as unknown as Pages).whiteboard!.client.unacknowledged === 0);

/** The replay at about `t`: played at a quarter of the speed and paused as soon as it plays, or ended there (nothing came after). */
async function replayAt(t: number): Promise<Page> {
  const replay = await env.open(`/b/${BOARD}/replay?t=${t}&speed=0.25`, 'Replayer', {}, SAVED_VIEW);
  await replay.waitForFunction(() => ['playing', 'ended'].includes(document.body.dataset.replay!), undefined, { timeout: 30_000 });
  // Paused within the page's own turn: a replay that ends between a look from here and a
  // click would take the click as "play again" and never pause.
  await replay.evaluate(() => {
    if (document.body.dataset.replay === 'playing') document.querySelector<HTMLButtonElement>('#play')!.click();
  });
  await replay.waitForFunction(() => ['paused', 'ended'].includes(document.body.dataset.replay!));
  return replay;
}

describe('paper in Chromium', () => {
  it('an editor picks Squared: every page shows it, viewers cannot change it, the replay and exports have it, undo takes it back', { timeout: 180_000 }, async () => {
    const teacher = await env.open(`/b/${BOARD}`, 'Teacher', {}, SAVED_VIEW);
    await teacher.waitForFunction(() => document.body.dataset.status === 'live' && location.hash.startsWith('#edit='));
    const top = await teacher.evaluate(() => document.querySelector('#board')!.getBoundingClientRect().top);
    await teacher.mouse.move(60, top + 60);
    await teacher.mouse.down();
    await teacher.mouse.move(420, top + 120, { steps: 15 });
    await teacher.mouse.up();
    await saved(teacher);
    // Blank to begin with: the page is white under the drawing.
    expect(await teacher.inputValue('#paper')).toBe('blank');
    expect(await shows(teacher)).toBe('blank');
    // The replay's "before" is a moment clearly between the stroke and the paper.
    await teacher.waitForTimeout(1_500);

    await teacher.selectOption('#paper', 'squares');
    await expect.poll(() => paperOf(teacher)).toBe('squares');
    await expect.poll(() => shows(teacher)).toBe('squared');
    const chosenAt = await teacher.evaluate(() => [...(window as unknown as Pages).whiteboard!.client.state.actions.values()].find((a) => a.kind === 'board')!.ts);

    // Another editor (the edit link) and a viewer (the view-only link), each in a profile of their own.
    const editor = await env.open(new URL(teacher.url()).pathname + new URL(teacher.url()).hash, 'Ann', {}, SAVED_VIEW);
    const viewer = await env.open(`/b/${BOARD}`, 'Vic', {}, SAVED_VIEW);
    for (const page of [editor, viewer]) await page.waitForFunction(() => document.body.dataset.status === 'live');
    expect(await editor.evaluate(() => document.body.dataset.access)).toBe('editor');
    expect(await viewer.evaluate(() => document.body.dataset.access)).toBe('viewer');
    await expect.poll(() => shows(editor)).toBe('squared');
    expect(await editor.inputValue('#paper')).toBe('squares');
    expect(await editor.isVisible('#paper')).toBe(true);
    await expect.poll(() => shows(viewer)).toBe('squared');
    expect(await viewer.isVisible('#paper')).toBe(false);
    // Even forced from the console, a viewer's choice is refused, and the paper stays.
    await viewer.evaluate(() => (window as unknown as Pages).whiteboard!.client.send({ k: 'board', v: 1, paper: 'dots' }));
    await expect.poll(() => viewer.textContent('#toast')).toMatch(/view-only link/);
    expect([await paperOf(viewer), await paperOf(teacher)]).toEqual(['squares', 'squares']);

    // Exports: the SVG has the pattern with the box ticked (the default) and not without; the PNG has the grid's pixels.
    const svgWith = svgElements((await exported(teacher, 'svg-whole', true)).toString('utf8'));
    expect(svgWith.find((e) => e.name === 'pattern')?.attrs).toMatchObject({ id: 'paper', 'data-paper': 'squares' });
    expect(svgWith.some((e) => e.name === 'rect' && e.attrs.fill === 'url(#paper)')).toBe(true);
    const svgWithout = svgElements((await exported(teacher, 'svg-whole', false)).toString('utf8'));
    expect(svgWithout.some((e) => e.name === 'pattern' || e.attrs.fill === 'url(#paper)')).toBe(false);
    expect(svgWithout.filter((e) => e.name === 'path')).toHaveLength(1);
    for (const background of [true, false]) {
      const { data, info } = await sharp(await exported(teacher, 'png-view', background)).raw().toBuffer({ resolveWithObject: true });
      // The view's PNG starts at the view's corner, world (0, 0), at 100%; read below the stroke, as on screen.
      expect(seen(gridIn({ data, width: info.width, channels: info.channels }, BOX, { x: 0, y: 0 }, 1)), `PNG, background ${background}`).toBe(background ? 'squared' : 'blank');
    }
    expect(await teacher.isChecked('[data-export-paper]')).toBe(false);

    // The replay shows the paper of its moment: squared after it was chosen, blank before.
    const after = await replayAt(chosenAt + 200);
    expect(await after.evaluate(() => (window as unknown as Pages).replay!.player!.paper)).toBe('squares');
    await expect.poll(() => shows(after)).toBe('squared');
    const before = await replayAt(chosenAt - 700);
    expect(await before.evaluate(() => (window as unknown as Pages).replay!.player!.time)).toBeLessThan(chosenAt);
    expect(await before.evaluate(() => (window as unknown as Pages).replay!.player!.paper)).toBe('blank');
    expect(await shows(before)).toBe('blank');

    // Undo is the teacher's last action: blank again, on every page.
    await teacher.click('#undo');
    for (const page of [teacher, editor, viewer]) {
      await expect.poll(() => paperOf(page)).toBe('blank');
      await expect.poll(() => shows(page)).toBe('blank');
    }
    expect(await editor.inputValue('#paper')).toBe('blank');
    expect(env.cspViolations).toEqual([]);
  });
});
