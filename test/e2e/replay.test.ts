/**
 * A drawing made here, replayed at 4x in another page, ends identical to the board.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useBrowserAndServer } from '../support/browser.ts';

const env = useBrowserAndServer({ width: 800, height: 600 });
const newPage = env.open;

/** The canvas pixels (RGBA) of the top-left w×h board area. */
function pixels(page: Page, w: number, h: number): Promise<number[]> {
  return page.evaluate(
    ([w, h]) => Array.from(document.querySelector<HTMLCanvasElement>('#board')!.getContext('2d')!.getImageData(0, 0, w!, h!).data),
    [w, h],
  );
}

describe('replay in Chromium', () => {
  it('a drawing replayed at 4x ends identical to the board', { timeout: 120_000 }, async () => {
    const board = 'e2e-replay';
    const ann = await newPage(`/b/${board}`, 'Ann');
    await ann.waitForFunction(() => document.body.dataset.status === 'live');
    const line = async (from: [number, number], to: [number, number]) => {
      await ann.mouse.move(...from);
      await ann.mouse.down();
      await ann.mouse.move(...to, { steps: 15 });
      await ann.mouse.up();
    };
    // Page coordinates below the toolbar, inside the canvas.
    await line([60, 160], [300, 220]);
    await ann.click('[data-color="#e03131"]');
    await line([80, 300], [200, 420]);
    await ann.click('[data-width="16"]');
    await line([350, 180], [380, 400]);
    await ann.click('#undo');
    await line([400, 200], [500, 350]);
    // Everything acknowledged by the log.
    await ann.waitForFunction(() => (window as unknown as { whiteboard: { client: { unacknowledged: number } } }).whiteboard.client.unacknowledged === 0);
    await ann.waitForTimeout(100);

    // The replay page is another browser: it is shown the board with Ann's view (a first visit would fit the drawing).
    type Shown = { x: number; y: number; zoom: number };
    const annView = await ann.evaluate(() => {
      const { view } = (window as unknown as { whiteboard: { view: Shown } }).whiteboard;
      return { x: view.x, y: view.y, zoom: view.zoom };
    });
    const replay = await newPage(`/b/${board}/replay?speed=4`, 'Viewer', {}, { [`whiteboard.view.${board}`]: JSON.stringify(annView) });
    await replay.waitForFunction(() => document.body.dataset.replay === 'ended', undefined, { timeout: 60_000 });

    const [w, h] = [600, 420];
    const board1 = await pixels(ann, w, h);
    const replayed = await pixels(replay, w, h);
    // Three strokes are on the board (the undone one is not); real ink to compare.
    expect(await ann.evaluate(() => (window as unknown as { whiteboard: { client: { state: { strokes: Map<string, { undone: boolean }> } } } }).whiteboard.client.state.strokes.size)).toBe(4);
    expect(board1.filter((v, i) => i % 4 === 3 && v > 0).length).toBeGreaterThan(2_000);
    const differing = board1.filter((v, i) => v !== replayed[i]).length;
    expect(differing).toBe(0);
    if (process.env.SCREENSHOT_PATH) await replay.screenshot({ path: process.env.SCREENSHOT_PATH });

    // "Start a new board from here" opens a new board holding that drawing.
    await replay.click('#fork');
    await replay.waitForURL((url) => /^\/b\/[A-Za-z0-9_-]+$/.test(url.pathname) && url.pathname !== `/b/${board}`);
    await replay.waitForFunction(() => document.body.dataset.status === 'live');
    // Whoever forks owns the new board, and its address bar holds the edit link.
    await replay.waitForFunction(() => document.body.dataset.access === 'owner' && location.hash.startsWith('#edit='));
    await replay.evaluate((v) => (window as unknown as { whiteboard: { view: { set(x: number, y: number, zoom: number): void } } }).whiteboard.view.set(v.x, v.y, v.zoom), annView);
    await expect.poll(async () => (await pixels(replay, w, h)).filter((v, i) => v !== board1[i]).length).toBe(0);
  });
});
