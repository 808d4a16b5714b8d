/**
 * The infinite canvas in Chromium: strokes live in world coordinates, so
 * pages with different views agree on where a stroke is; ctrl + wheel
 * zooms the board and never the page; a stroke drawn zoomed in keeps its
 * detail; a phone-sized touch page draws with one finger and pans with two.
 */
import type { CDPSession, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { decodePoints, type Point } from '../../server/protocol/points.ts';
import { useBrowserAndServer } from '../support/browser.ts';

const env = useBrowserAndServer();

type ViewState = { x: number; y: number; zoom: number };
type StrokeInfo = { id: string; chunks: string[]; pr: boolean; q?: number; ended: boolean };

async function openBoard(path: string, nickname: string, options = {}): Promise<Page> {
  const page = await env.open(path, nickname, options);
  await page.waitForFunction(() => document.body.dataset.status === 'live');
  return page;
}

function viewOf(page: Page): Promise<ViewState> {
  return page.evaluate(() => {
    const { view } = (window as unknown as { whiteboard: { view: ViewState } }).whiteboard;
    return { x: view.x, y: view.y, zoom: view.zoom };
  });
}

function strokesOf(page: Page): Promise<StrokeInfo[]> {
  return page.evaluate(() => {
    const { client } = (window as unknown as { whiteboard: { client: { state: { strokes: Map<string, StrokeInfo> } } } }).whiteboard;
    return [...client.state.strokes.values()].map((s) => ({ id: s.id, chunks: s.chunks, pr: s.pr, q: s.q, ended: s.ended }));
  });
}

/** Screen position (page CSS pixels) of a world point on `page`. */
async function screenOf(page: Page, world: Point): Promise<Point> {
  return page.evaluate((w) => {
    const { view } = (window as unknown as { whiteboard: { view: { toScreen(x: number, y: number): Point } } }).whiteboard;
    const rect = document.querySelector('#board')!.getBoundingClientRect();
    const at = view.toScreen(w.x, w.y);
    return { x: at.x + rect.left, y: at.y + rect.top };
  }, world);
}

/** Inked canvas pixels in a square of `size` CSS pixels around a page point. */
function inkAround(page: Page, at: Point, size = 8): Promise<number> {
  return page.evaluate(
    ({ at, size }) => {
      const canvas = document.querySelector<HTMLCanvasElement>('#board')!;
      const rect = canvas.getBoundingClientRect();
      const ratio = canvas.width / rect.width;
      const data = canvas.getContext('2d')!.getImageData((at.x - rect.left - size / 2) * ratio, (at.y - rect.top - size / 2) * ratio, size * ratio, size * ratio).data;
      let inked = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) inked++;
      return inked;
    },
    { at, size },
  );
}

async function drawLine(page: Page, from: Point, to: Point): Promise<void> {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(to.x, to.y, { steps: 20 });
  await page.mouse.up();
}

describe('the infinite canvas in Chromium', () => {
  it('a stroke drawn after panning and zooming lands at the same world place on a page with another view', { timeout: 120_000 }, async () => {
    const ann = await openBoard('/b/e2e-canvas-world', 'Ann');
    await ann.waitForFunction(() => location.hash.startsWith('#edit='));
    const bob = await openBoard(new URL(ann.url()).pathname + new URL(ann.url()).hash, 'Bob');

    // Ann scrolls the board and zooms in with ctrl + wheel (a trackpad pinch arrives the same way).
    await ann.mouse.move(450, 350);
    await ann.mouse.wheel(300, 200);
    await ann.keyboard.down('Control');
    await ann.mouse.wheel(0, -50);
    await ann.mouse.wheel(0, -30);
    await ann.keyboard.up('Control');
    const annView = await viewOf(ann);
    expect(annView.zoom).toBeGreaterThan(1.5);
    expect(annView.x).not.toBe(0);
    // The page itself did not zoom or scroll.
    expect(await ann.evaluate(() => [window.visualViewport?.scale, window.scrollX, window.scrollY])).toEqual([1, 0, 0]);
    expect(await ann.locator('[data-zoom="reset"]').textContent()).toBe(`${Math.round(annView.zoom * 100)}%`);

    // Bob zooms out with the buttons: another view of the same board.
    await bob.click('[data-zoom="out"]');
    await bob.click('[data-zoom="out"]');
    const bobView = await viewOf(bob);
    expect(bobView.zoom).toBeLessThan(1);

    // Where Ann's line starts and ends on the board (world units).
    const from = { x: 200, y: 300 };
    const to = { x: 600, y: 320 };
    const worldFrom = await ann.evaluate((p) => (window as unknown as { whiteboard: { view: { toWorld(x: number, y: number): Point } } }).whiteboard.view.toWorld(p.x, p.y - document.querySelector('#board')!.getBoundingClientRect().top), from);
    const worldTo = await ann.evaluate((p) => (window as unknown as { whiteboard: { view: { toWorld(x: number, y: number): Point } } }).whiteboard.view.toWorld(p.x, p.y - document.querySelector('#board')!.getBoundingClientRect().top), to);
    await drawLine(ann, from, to);

    await expect.poll(async () => (await strokesOf(bob)).filter((s) => s.ended).length).toBe(1);
    const [stroke] = await strokesOf(bob);
    // Drawn at ~2x, the stroke keeps half units.
    expect(stroke!.q).toBeGreaterThanOrEqual(1);
    const points = stroke!.chunks.flatMap((c) => decodePoints(c, stroke!.pr, stroke!.q));
    const unit = 2 ** -(stroke!.q ?? 0);
    expect(Math.abs(points[0]!.x - worldFrom.x)).toBeLessThanOrEqual(unit);
    expect(Math.abs(points[0]!.y - worldFrom.y)).toBeLessThanOrEqual(unit);
    expect(Math.abs(points.at(-1)!.x - worldTo.x)).toBeLessThanOrEqual(unit);
    expect(points.some((p) => !Number.isInteger(p.x) || !Number.isInteger(p.y))).toBe(true);

    // Bob sees ink where that world point is in his view, and Ann where it is in hers.
    const middle = { x: (worldFrom.x + worldTo.x) / 2, y: (worldFrom.y + worldTo.y) / 2 };
    await expect.poll(async () => inkAround(bob, await screenOf(bob, middle))).toBeGreaterThan(0);
    expect(await inkAround(ann, await screenOf(ann, middle))).toBeGreaterThan(0);
    // … and nothing far from it.
    expect(await inkAround(bob, await screenOf(bob, { x: middle.x, y: middle.y + 150 }))).toBe(0);

    // Clicking Ann in Bob's people list follows her view (follow.ts): Bob's screen is centred where hers is.
    await bob.locator('#people li', { hasText: 'Ann' }).click();
    const centreOf = (page: Page) =>
      page.evaluate(() => {
        const { view } = (window as unknown as { whiteboard: { view: { x: number; y: number; zoom: number; width: number; height: number } } }).whiteboard;
        return { x: view.x + view.width / 2 / view.zoom, y: view.y + view.height / 2 / view.zoom };
      });
    await expect
      .poll(async () => {
        const [a, b] = [await centreOf(ann), await centreOf(bob)];
        return Math.abs(a.x - b.x) < 1 && Math.abs(a.y - b.y) < 1;
      })
      .toBe(true);

    // The view is remembered: a reload shows the same place at the same zoom.
    const before = await viewOf(ann);
    await ann.reload();
    await ann.waitForFunction(() => document.body.dataset.status === 'live');
    const after = await viewOf(ann);
    expect(after.zoom).toBeCloseTo(before.zoom, 5);
    expect(after.x).toBeCloseTo(before.x, 3);

    // A first visit (a new browser) shows the drawing: fit to its content.
    const cat = await openBoard(new URL(ann.url()).pathname, 'Cat');
    await expect.poll(async () => inkAround(cat, await screenOf(cat, middle))).toBeGreaterThan(0);
    const catView = await viewOf(cat);
    const catMiddle = await screenOf(cat, middle);
    expect(Math.abs(catMiddle.x - 450)).toBeLessThan(60);
    expect(catView.zoom).toBeLessThanOrEqual(1);
  });

  it('the hand tool and space + drag move the board without drawing', { timeout: 60_000 }, async () => {
    const page = await openBoard('/b/e2e-canvas-hand', 'Hal');
    const start = await viewOf(page);
    await page.click('[data-tool="hand"]');
    await drawLine(page, { x: 400, y: 400 }, { x: 300, y: 350 });
    const afterHand = await viewOf(page);
    expect(afterHand.x - start.x).toBeCloseTo(100, 0);
    expect(afterHand.y - start.y).toBeCloseTo(50, 0);

    await page.click('[data-tool="pen"]');
    await page.keyboard.down('Space');
    await drawLine(page, { x: 400, y: 400 }, { x: 450, y: 420 });
    await page.keyboard.up('Space');
    const afterSpace = await viewOf(page);
    expect(afterSpace.x - afterHand.x).toBeCloseTo(-50, 0);
    expect(await page.evaluate(() => document.querySelector('[data-tool="pen"]')!.classList.contains('active'))).toBe(true);
    await page.waitForTimeout(200);
    expect(await strokesOf(page)).toEqual([]);

    // With the pen again, a drag draws.
    await drawLine(page, { x: 400, y: 400 }, { x: 500, y: 420 });
    await expect.poll(async () => (await strokesOf(page)).length).toBe(1);
  });

  it('on a 390x844 touch screen the board fills the page; one finger draws, two fingers pan and zoom', { timeout: 120_000 }, async () => {
    const phone = await openBoard('/b/e2e-canvas-phone', 'Pat', { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });
    const layout = await phone.evaluate(() => {
      const board = document.querySelector('#board')!.getBoundingClientRect();
      const toolbar = document.querySelector('#toolbar')!.getBoundingClientRect();
      return { board: board.toJSON() as DOMRect, toolbar: toolbar.toJSON() as DOMRect };
    });
    // The drawing area is the whole screen; the collapsed toolbar is one slim row over it.
    expect(layout.board.width).toBe(390);
    expect(layout.board.height).toBe(844);
    expect(layout.toolbar.height).toBeLessThanOrEqual(56);
    expect(await phone.locator('[data-color]').first().isVisible()).toBe(false);
    await phone.click('#toolbar-toggle');
    expect(await phone.locator('[data-color]').first().isVisible()).toBe(true);
    await phone.click('#toolbar-toggle');

    const cdp = await phone.context().newCDPSession(phone);
    const touch = (type: 'touchStart' | 'touchMove' | 'touchEnd', points: Point[]) =>
      cdp.send('Input.dispatchTouchEvent', { type, touchPoints: points.map((p, id) => ({ x: p.x, y: p.y, id })) });

    // One finger draws a line.
    await touchDrag(cdp, touch, [{ x: 80, y: 300 }], [{ x: 300, y: 340 }]);
    await expect.poll(async () => (await strokesOf(phone)).filter((s) => s.ended).length).toBe(1);

    // Two fingers move the view (and spread to zoom) without drawing.
    const before = await viewOf(phone);
    await touchDrag(cdp, touch, [{ x: 100, y: 500 }, { x: 200, y: 500 }], [{ x: 140, y: 600 }, { x: 280, y: 600 }]);
    const after = await viewOf(phone);
    expect(after.zoom).toBeGreaterThan(before.zoom * 1.2);
    expect(after.y).not.toBe(before.y);
    await phone.waitForTimeout(300);
    expect((await strokesOf(phone)).length).toBe(1);
    expect(await phone.evaluate(() => [window.visualViewport?.scale, window.scrollY])).toEqual([1, 0]);

    // Once a pen has drawn, the pen draws and a finger only moves the board (a resting palm draws nothing).
    const pen = async (type: 'mousePressed' | 'mouseMoved' | 'mouseReleased', p: Point) =>
      cdp.send('Input.dispatchMouseEvent', { type, x: p.x, y: p.y, button: 'left', buttons: type === 'mouseReleased' ? 0 : 1, clickCount: 1, pointerType: 'pen', force: 0.6 });
    await pen('mousePressed', { x: 60, y: 200 });
    for (let i = 1; i <= 10; i++) await pen('mouseMoved', { x: 60 + i * 15, y: 200 + i * 3 });
    await pen('mouseReleased', { x: 210, y: 230 });
    await expect.poll(async () => (await strokesOf(phone)).filter((s) => s.ended).length).toBe(2);
    expect((await strokesOf(phone)).some((s) => s.pr)).toBe(true);
    const beforeFinger = await viewOf(phone);
    await touchDrag(cdp, touch, [{ x: 200, y: 500 }], [{ x: 120, y: 420 }]);
    const afterFinger = await viewOf(phone);
    expect(afterFinger.x).not.toBe(beforeFinger.x);
    await phone.waitForTimeout(300);
    expect((await strokesOf(phone)).length).toBe(2);
  });
});

/** Fingers down at `from`, moved in steps to `to`, lifted. */
async function touchDrag(cdp: CDPSession, touch: (type: 'touchStart' | 'touchMove' | 'touchEnd', points: Point[]) => Promise<unknown>, from: Point[], to: Point[]): Promise<void> {
  await touch('touchStart', from);
  const steps = 12;
  for (let i = 1; i <= steps; i++) {
    await touch('touchMove', from.map((p, k) => ({ x: p.x + ((to[k]!.x - p.x) * i) / steps, y: p.y + ((to[k]!.y - p.y) * i) / steps })));
    await new Promise((resolve) => setTimeout(resolve, 16));
  }
  await touch('touchEnd', []);
  void cdp;
}
