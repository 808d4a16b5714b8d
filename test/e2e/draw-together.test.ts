/**
 * Two real browser pages on one board: what one draws appears as pixels on
 * the other's canvas, and undo takes back only the undoer's own stroke.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useBrowserAndServer } from '../support/browser.ts';

const env = useBrowserAndServer();

async function openBoard(board: string, nickname: string): Promise<Page> {
  const page = await env.open(board.startsWith('/') ? board : `/b/${board}`, nickname);
  await page.waitForFunction(() => document.body.dataset.status === 'live');
  return page;
}

/** Inked (non-transparent) canvas pixels inside a rectangle given in CSS pixels of the page. */
function inkIn(page: Page, box: { x: number; y: number; w: number; h: number }): Promise<number> {
  return page.evaluate((b) => {
    const canvas = document.querySelector<HTMLCanvasElement>('#board')!;
    const rect = canvas.getBoundingClientRect();
    const ratio = canvas.width / rect.width;
    const data = canvas
      .getContext('2d')!
      .getImageData((b.x - rect.left) * ratio, (b.y - rect.top) * ratio, b.w * ratio, b.h * ratio).data;
    let inked = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) inked++;
    return inked;
  }, box);
}

type Box = { x: number; y: number; w: number; h: number };
type ViewWindow = { whiteboard: { view: { toWorld(x: number, y: number): { x: number; y: number }; toScreen(x: number, y: number): { x: number; y: number } } } };

/** The box of `from`'s page (page pixels) that shows the same place of the board on `to`'s page. */
async function sameWorldPlace(from: Page, to: Page, box: Box): Promise<Box> {
  const corners = await from.evaluate((b) => {
    const { view } = (window as unknown as ViewWindow).whiteboard;
    const top = document.querySelector('#board')!.getBoundingClientRect().top;
    return [view.toWorld(b.x, b.y - top), view.toWorld(b.x + b.w, b.y + b.h - top)];
  }, box);
  return to.evaluate((c) => {
    const { view } = (window as unknown as ViewWindow).whiteboard;
    const top = document.querySelector('#board')!.getBoundingClientRect().top;
    const [a, b] = [view.toScreen(c[0]!.x, c[0]!.y), view.toScreen(c[1]!.x, c[1]!.y)];
    return { x: a.x, y: a.y + top, w: b.x - a.x, h: b.y - a.y };
  }, corners);
}

async function drawLine(page: Page, from: [number, number], to: [number, number]): Promise<void> {
  await page.mouse.move(...from);
  await page.mouse.down();
  await page.mouse.move(...to, { steps: 20 });
  await page.mouse.up();
}

const ANN_BOX = { x: 90, y: 190, w: 320, h: 40 };
const BOB_BOX = { x: 90, y: 440, w: 320, h: 40 };

describe('drawing together in Chromium', () => {
  it('a stroke drawn on one page appears on the other; undo removes only your own; the eraser removes whole strokes', { timeout: 120_000 }, async () => {
    const ann = await openBoard('e2e-together', 'Ann');
    // The first page on a new board claims it; its address bar holds the edit link, to share as before.
    await ann.waitForFunction(() => location.hash.startsWith('#edit='));
    const editPath = new URL(ann.url()).pathname + new URL(ann.url()).hash;
    const bob = await openBoard(editPath, 'Bob');
    expect(await inkIn(bob, ANN_BOX)).toBe(0);

    await drawLine(ann, [100, 210], [400, 210]);
    await expect.poll(() => inkIn(bob, ANN_BOX)).toBeGreaterThan(300);
    await drawLine(bob, [100, 460], [400, 460]);
    await expect.poll(() => inkIn(ann, BOB_BOX)).toBeGreaterThan(300);

    // Both see each other in the people list.
    await expect.poll(() => ann.locator('#people li').allTextContents()).toEqual(expect.arrayContaining(['Ann (you)', 'Bob']));

    await ann.click('#undo');
    for (const page of [ann, bob]) {
      await expect.poll(() => inkIn(page, ANN_BOX)).toBe(0);
      expect(await inkIn(page, BOB_BOX)).toBeGreaterThan(300);
    }

    // Bob's eraser swipe removes his whole stroke everywhere; his undo brings it back.
    await bob.click('[data-tool="eraser"]');
    await drawLine(bob, [250, 420], [250, 500]);
    for (const page of [ann, bob]) await expect.poll(() => inkIn(page, BOB_BOX)).toBe(0);
    await bob.keyboard.press('Control+z');
    for (const page of [ann, bob]) await expect.poll(() => inkIn(page, BOB_BOX)).toBeGreaterThan(300);

    // A late joiner (or a reload) sees the board as it is, at once: a first visit fits the drawing, so the boxes are where the late view puts them.
    const late = await openBoard(editPath, 'Cat');
    await expect.poll(async () => inkIn(late, await sameWorldPlace(ann, late, BOB_BOX)), { timeout: 2_000 }).toBeGreaterThan(100);
    expect(await inkIn(late, await sameWorldPlace(ann, late, ANN_BOX))).toBe(0);
    if (process.env.SCREENSHOT_PATH) await ann.screenshot({ path: process.env.SCREENSHOT_PATH });
  });
});
