/**
 * Two Chromium pages speak protocol 4's binary frames: they converge on
 * the same board, a mouse move while drawing costs a few bytes each way
 * with no cursor frame beside it, and the watcher sees the drawer's pointer
 * at the tip of the stroke being drawn.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { measureDrawingBytes } from '../../scripts/bench/browser-wire.ts';
import { useBrowserAndServer } from '../support/browser.ts';

const env = useBrowserAndServer({ width: 1000, height: 700 });

async function openBoard(path: string, nickname: string): Promise<Page> {
  const page = await env.open(path, nickname);
  await page.waitForFunction(() => document.body.dataset.status === 'live');
  return page;
}

type BoardWindow = { whiteboard: { client: { state: { pos: number; strokes: Map<string, { n: number; ended: boolean }> } } } };
const boardOf = (page: Page) =>
  page.evaluate(() => {
    const { state } = (window as unknown as BoardWindow).whiteboard.client;
    return { pos: state.pos, strokes: [...state.strokes.entries()].map(([id, s]) => [id, s.n, s.ended]) };
  });

describe('binary frames between Chromium pages', () => {
  it('a mouse move while drawing costs at most 30 bytes up and 45 down, no cursor frame goes with it, and both pages converge', { timeout: 120_000 }, async () => {
    const ann = await openBoard('/b/e2e-wire', 'Ann');
    await ann.waitForFunction(() => location.hash.startsWith('#edit='));
    const bob = await openBoard(new URL(ann.url()).pathname + new URL(ann.url()).hash, 'Bob');

    const figures = await measureDrawingBytes(ann, bob, { moves: 90, x: 150, y: 300 });
    expect(figures.upPerMove).toBeGreaterThan(0);
    expect(figures.upPerMove).toBeLessThanOrEqual(30);
    expect(figures.downPerMove).toBeGreaterThan(0);
    expect(figures.downPerMove).toBeLessThanOrEqual(45);
    // Operations and records travel in binary, and no cursor frame goes with them: the stroke's tip is the cursor.
    expect(figures.frames.upText).toBe(0);
    expect(figures.frames.upBinary).toBeGreaterThan(10);
    expect(figures.frames.upCursor).toBe(0);

    // Bob draws too, then both hold the same board.
    await bob.mouse.move(150, 500);
    await bob.mouse.down();
    await bob.mouse.move(450, 520, { steps: 15 });
    await bob.mouse.up();
    // Both strokes ended on Ann's page: her board is final, and Bob's must come to the same.
    await expect.poll(async () => (await boardOf(ann)).strokes.filter(([, , ended]) => ended).length).toBe(2);
    const final = JSON.stringify(await boardOf(ann));
    await expect.poll(async () => JSON.stringify(await boardOf(bob))).toBe(final);
  });

  it('while someone draws, the others see their pointer at the tip of the stroke', { timeout: 60_000 }, async () => {
    const ann = await openBoard('/b/e2e-tip', 'Ann');
    await ann.waitForFunction(() => location.hash.startsWith('#edit='));
    const bob = await openBoard(new URL(ann.url()).pathname + new URL(ann.url()).hash, 'Bob');
    const cursorOnBob = () =>
      bob.evaluate(() => {
        const el = document.querySelector<HTMLElement>('#cursors .cursor');
        return el ? el.getBoundingClientRect().left : null;
      });
    await ann.mouse.move(200, 300);
    await ann.mouse.down();
    for (let i = 1; i <= 30; i++) {
      await ann.mouse.move(200 + i * 10, 300);
      await ann.waitForTimeout(16);
    }
    // Ann's pointer is 300 px right of where she began; no cursor frame said so, her stroke did.
    await expect.poll(cursorOnBob).toBeGreaterThan(450);
    await ann.mouse.up();
  });
});
