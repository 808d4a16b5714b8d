/**
 * Elements on the board page's canvas, in Chromium: another person's
 * elements, sent over a WebSocket, are painted where they are, stacked
 * with ink as the log orders them (a filled rectangle hides the ink drawn
 * before it; ink drawn after it shows over it), and follow a move.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { ClientOp } from '../../server/protocol/messages.ts';
import { useBrowserAndServer } from '../support/browser.ts';
import { converged, webClient } from '../support/board-client.ts';

const env = useBrowserAndServer();

type Rgba = [number, number, number, number];

/** The canvas's pixels at board points (the view is at 100% with the origin at the canvas's top-left). */
function pixels(page: Page, points: [number, number][]): Promise<Rgba[]> {
  return page.evaluate((points) => {
    const canvas = document.querySelector<HTMLCanvasElement>('#board')!;
    const ratio = canvas.width / canvas.getBoundingClientRect().width;
    const ctx = canvas.getContext('2d')!;
    return points.map(([x, y]) => [...ctx.getImageData(Math.round(x * ratio), Math.round(y * ratio), 1, 1).data] as Rgba);
  }, points);
}

const RED: Rgba = [0xe0, 0x31, 0x31, 255];
const BLUE: Rgba = [0x19, 0x71, 0xc2, 255];
const NONE: Rgba = [0, 0, 0, 0];

/** Waits until every point shows its colour (tiles are painted by workers, a moment later), for at most `within` ms. */
async function expectColours(page: Page, expected: [[number, number], Rgba][], what: string, within = 10_000): Promise<void> {
  const deadline = Date.now() + within;
  let seen: Rgba[] = [];
  while (Date.now() < deadline) {
    seen = await pixels(page, expected.map(([p]) => p));
    if (seen.every((c, i) => c.every((v, k) => Math.abs(v - expected[i]![1][k]!) <= 2))) return;
    await page.waitForTimeout(50);
  }
  expect(seen, what).toEqual(expected.map(([, c]) => c));
}

describe('elements on the board canvas', () => {
  it('a filled rectangle covers the ink drawn before it, ink drawn after it shows above, and it follows a move', { timeout: 60_000 }, async () => {
    const page = await env.open('/b/e2e-element-render', 'Ann');
    await page.waitForFunction(() => document.body.dataset.status === 'live' && location.hash.startsWith('#edit='));
    const key = decodeURIComponent(new URL(page.url()).hash.slice('#edit='.length));
    const bob = webClient(env.server.ws, 'e2e-element-render', 'bob', 'Bob', key);
    await bob.live();

    // Ink, then a rectangle over its middle, then ink across the rectangle.
    bob.stroke([{ x: 100, y: 150 }, { x: 200, y: 150 }, { x: 300, y: 150 }]);
    bob.send({ k: 'add', v: 1, els: [{ id: 'box', type: 'rect', m: [1, 0, 0, 1, 150, 100], w: 100, h: 100, color: '#1e1e1e', sw: 2, fill: '#1971c2' }] } as ClientOp);
    bob.stroke([{ x: 200, y: 120 }, { x: 200, y: 180 }]);
    await converged([bob]);

    await expectColours(
      page,
      [
        [[120, 150], RED], // the first stroke, left of the box
        [[180, 150], BLUE], // under the box
        [[200, 140], RED], // the later stroke, over the box
        [[230, 180], BLUE], // the box alone
        [[400, 400], NONE], // nothing
      ],
      'the box over the first stroke, under the second',
    );

    // Moved 300 units right: the first stroke shows where it was, the box where it went.
    bob.send({ k: 'xf', v: 1, ids: ['box'], m: [1, 0, 0, 1, 300, 0] } as ClientOp);
    await converged([bob]);
    await expectColours(page, [[[180, 150], RED], [[480, 150], BLUE], [[530, 180], BLUE]], 'the box moved');
    // Once it has settled into the tiles (a second after the move), it still shows there.
    await page.waitForTimeout(1_500);
    await expectColours(page, [[[180, 150], RED], [[480, 150], BLUE], [[200, 140], RED]], 'the box settled');
    bob.close();
  });

  it('a note shows its text, painted in the tile workers once they have the board font; the renderer finds what is where', { timeout: 60_000 }, async () => {
    const page = await env.open('/b/e2e-element-text', 'Ann');
    await page.waitForFunction(() => document.body.dataset.status === 'live' && location.hash.startsWith('#edit='));
    const key = decodeURIComponent(new URL(page.url()).hash.slice('#edit='.length));
    const bob = webClient(env.server.ws, 'e2e-element-text', 'bob', 'Bob', key);
    await bob.live();
    bob.send({ k: 'add', v: 1, els: [{ id: 'note', type: 'note', m: [1, 0, 0, 1, 100, 100], w: 200, h: 150, color: '#1e1e1e', fill: '#ffec99', text: 'WWWW WWWW WWWW', fs: 40 }] } as ClientOp);
    await converged([bob]);
    // The note's colour where there is no text, and dark glyphs on its first line (40 units tall, 12 in from its corner).
    await expectColours(page, [[[290, 240], [0xff, 0xec, 0x99, 255]]], 'the note');
    const dark = async () =>
      (await pixels(page, Array.from({ length: 60 }, (_, i): [number, number] => [115 + i * 2, 135]))).filter(([r, g, b]) => r + g + b < 200).length;
    await expect.poll(dark, { timeout: 10_000 }).toBeGreaterThan(10);
    const found = await page.evaluate(() => {
      const { renderer } = (window as unknown as { whiteboard: { renderer: { itemsAt(p: { x: number; y: number }, r: number): string[]; placementOf(id: string): unknown } } }).whiteboard;
      return { at: renderer.itemsAt({ x: 150, y: 150 }, 2), none: renderer.itemsAt({ x: 400, y: 400 }, 2), placement: renderer.placementOf('note') };
    });
    expect(found.at).toEqual(['note']);
    expect(found.none).toEqual([]);
    // Three lines of 40 × 1.25 and the padding above and below: the note grows past its 150 to hold them.
    expect(found.placement).toEqual({ m: [1, 0, 0, 1, 100, 100], w: 200, h: 3 * 50 + 24 });
    bob.close();
  });

  it('a selection being dragged is painted once and moved as a picture, yet shows a recolour and a line stretching to a box left behind', { timeout: 60_000 }, async () => {
    const page = await env.open('/b/e2e-element-drag', 'Ann');
    await page.waitForFunction(() => document.body.dataset.status === 'live' && location.hash.startsWith('#edit='));
    const key = decodeURIComponent(new URL(page.url()).hash.slice('#edit='.length));
    const bob = webClient(env.server.ws, 'e2e-element-drag', 'bob', 'Bob', key);
    await bob.live();
    // 40 boxes in 5 rows; one more box far below, left in place, with a line from the first box to it.
    const box = (id: string, x: number, y: number) => ({ id, type: 'rect', m: [1, 0, 0, 1, x, y], w: 20, h: 20, color: '#1971c2', sw: 2, fill: '#1971c2' });
    const ids = Array.from({ length: 40 }, (_, k) => `b${k}`);
    bob.send({ k: 'add', v: 1, els: [...ids.map((id, k) => box(id, 100 + 40 * (k % 8), 100 + 40 * Math.floor(k / 8))), box('anchor', 100, 400)] } as ClientOp);
    bob.send({ k: 'add', v: 1, els: [{ id: 'line', type: 'line', m: [1, 0, 0, 1, 0, 0], pts: [0, 0, 0, 0], color: '#e03131', sw: 4, sb: { id: 'b0', u: 0.5, v: 1 }, eb: { id: 'anchor', u: 0.5, v: 0 } }] } as ClientOp);
    await converged([bob]);
    await expectColours(page, [[[110, 110], BLUE], [[110, 300], RED]], 'the boxes and the line, settled');
    const pictures = () => page.evaluate(() => (window as unknown as { whiteboard: { renderer: { moving: { painted: number } } } }).whiteboard.renderer.moving.painted);
    const before = await pictures();

    // Bob drags the 40 boxes right, 7 units a frame for 10 frames, as a drag sends them.
    bob.send({ k: 'xf', v: 1, ids, m: [1, 0, 0, 1, 7, 0] } as ClientOp);
    for (let frame = 1; frame < 10; frame++) {
      await page.waitForTimeout(20);
      bob.send({ k: 'xf', v: 1, c: 1, m: [1, 0, 0, 1, 7, 0] } as ClientOp);
    }
    await converged([bob]);
    // Checked before the boxes settle into the tiles (a second after their last change): this is the picture.
    const LIVE_MS = 600;
    // Moved 70 right, while still live: where box 0 was is empty, where it went is blue; the line stretched from there to the anchor.
    await expectColours(page, [[[110, 110], NONE], [[180, 110], BLUE], [[420, 270], BLUE], [[145, 260], RED]], 'the boxes moved, the line stretched', LIVE_MS);
    const moving = await pictures();
    expect(moving - before, 'pictures painted for ten frames of the drag').toBeLessThanOrEqual(2);
    expect(moving - before, 'the drag was painted as a picture').toBeGreaterThanOrEqual(1);

    // Someone recolours one of the boxes in the middle of the drag: it shows, and so does the next move.
    bob.send({ k: 'set', v: 1, ids: ['b9'], p: { fill: '#e03131', color: '#e03131' } } as ClientOp);
    bob.send({ k: 'xf', v: 1, ids, m: [1, 0, 0, 1, 0, 10] } as ClientOp);
    await converged([bob]);
    await expectColours(page, [[[220, 160], RED], [[260, 160], BLUE], [[180, 120], BLUE], [[180, 105], NONE]], 'the recoloured box, all moved down', LIVE_MS);
    bob.close();
  });

  it('a change repaints only around it on a tile, and the tile then shows what a page painting it whole shows', { timeout: 60_000 }, async () => {
    const page = await env.open('/b/e2e-element-partial', 'Ann');
    await page.waitForFunction(() => document.body.dataset.status === 'live' && location.hash.startsWith('#edit='));
    const key = decodeURIComponent(new URL(page.url()).hash.slice('#edit='.length));
    const bob = webClient(env.server.ws, 'e2e-element-partial', 'bob', 'Bob', key);
    await bob.live();
    // Ink across the view, boxes and a note over it, and an arrow between two boxes.
    for (let y = 60; y < 500; y += 40) bob.stroke(Array.from({ length: 12 }, (_, k) => ({ x: 20 + k * 60, y: y + (k % 2) * 25 })));
    const box = (id: string, x: number, y: number, fill: string) => ({ id, type: 'rect', m: [1, 0, 0, 1, x, y], w: 80, h: 60, color: '#1e1e1e', sw: 2, fill });
    bob.send({ k: 'add', v: 1, els: [box('box-a', 100, 100, '#1971c2'), box('box-b', 400, 260, '#e03131'), { id: 'note', type: 'note', m: [1, 0, 0, 1, 250, 120], w: 150, h: 150, color: '#1e1e1e', fill: '#ffec99', text: 'partly painted again' }] } as ClientOp);
    bob.send({ k: 'add', v: 1, els: [{ id: 'arrow', type: 'arrow', m: [1, 0, 0, 1, 0, 0], pts: [0, 0, 0, 0], color: '#1e1e1e', sw: 2, ah: 2, sb: { id: 'box-a', u: 1, v: 0.5 }, eb: { id: 'box-b', u: 0, v: 0.5 } }] } as ClientOp);
    await converged([bob]);
    expect(bob.refusals).toEqual([]);
    await page.waitForFunction(() => (window as unknown as { whiteboard: { client: { state: { shapes: Map<string, unknown> } } } }).whiteboard.client.state.shapes.size === 4);
    const renderer = () => page.evaluate(() => {
      const { renderer } = (window as unknown as { whiteboard: { renderer: { workers: { partial: number }; settledOnScreen(): boolean } } }).whiteboard;
      return { partial: renderer.workers.partial, settled: renderer.settledOnScreen() };
    });
    await page.waitForFunction(() => (window as unknown as { whiteboard: { renderer: { settledOnScreen(): boolean } } }).whiteboard.renderer.settledOnScreen());

    // Bob moves a box (its arrow follows), fills another with green, and takes that back, one at a time: each repaints only its part of the tiles.
    const steps: ClientOp[] = [{ k: 'xf', v: 1, ids: ['box-a'], m: [1, 0, 0, 1, 30, 140] } as ClientOp, { k: 'set', v: 1, ids: ['box-b'], p: { fill: '#2f9e44' } } as ClientOp, { k: 'undo' } as ClientOp];
    const partial = (await renderer()).partial;
    for (const op of steps) {
      bob.send(op);
      await converged([bob]);
      await page.waitForTimeout(1_600); // a changed element settles back into the tiles a second after its last change
      await page.waitForFunction(() => (window as unknown as { whiteboard: { renderer: { settledOnScreen(): boolean } } }).whiteboard.renderer.settledOnScreen());
    }
    // Each step is one or two repaints of the tiles under it; one whole repaint may happen when both workers are busy, not all of them.
    expect((await renderer()).partial - partial, 'tiles repainted only where they changed').toBeGreaterThanOrEqual(2);

    // A fresh page on the same view paints every tile whole: the two canvases agree.
    type Viewing = { whiteboard: { view: { x: number; y: number; zoom: number; set(x: number, y: number, zoom: number): void } } };
    const view = await page.evaluate(() => {
      const { x, y, zoom } = (window as unknown as Viewing).whiteboard.view;
      return { x, y, zoom };
    });
    const fresh = await env.open('/b/e2e-element-partial', 'Cat');
    await fresh.waitForFunction(() => document.body.dataset.status === 'live');
    await fresh.evaluate(({ x, y, zoom }) => (window as unknown as Viewing).whiteboard.view.set(x, y, zoom), view);
    await fresh.waitForTimeout(100);
    await fresh.waitForFunction(() => (window as unknown as { whiteboard: { renderer: { settledOnScreen(): boolean } } }).whiteboard.renderer.settledOnScreen());
    // Compared in the fresh page, the first canvas's pixels handed over as base64.
    const mine = await page.evaluate(() => {
      const canvas = document.querySelector<HTMLCanvasElement>('#board')!;
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let text = '';
      for (let i = 0; i < data.length; i += 0x8000) text += String.fromCharCode(...data.subarray(i, i + 0x8000));
      return { width: canvas.width, pixels: btoa(text) };
    });
    const differing = await fresh.evaluate(({ width, pixels }) => {
      const canvas = document.querySelector<HTMLCanvasElement>('#board')!;
      if (canvas.width !== width) return -1;
      const theirs = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      const text = atob(pixels);
      let count = 0;
      for (let i = 0; i < theirs.length; i += 4) {
        for (let k = 0; k < 4; k++) {
          if (Math.abs(text.charCodeAt(i + k) - theirs[i + k]!) > 2) {
            count++;
            break;
          }
        }
      }
      return count;
    }, mine);
    expect(differing, 'pixels that differ from a whole repaint').toBe(0);
    bob.close();
  });
});
