/**
 * Elements in the board's history: the replay page shows shapes appear and
 * move as they did, and ends on the board as it is; `export.svg?at=` of a
 * moment holds exactly the elements of that moment, where they were then.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { Matrix, Shape } from '../../server/board/elements.ts';
import type { ClientOp } from '../../server/protocol/messages.ts';
import { converged, webClient } from '../support/board-client.ts';
import { useBrowserAndServer } from '../support/browser.ts';

const env = useBrowserAndServer({ width: 800, height: 600 });
const at = (x: number, y: number): Matrix => [1, 0, 0, 1, x, y];
const op = (o: object) => o as ClientOp;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Each element's id, type and where its outline starts on the board, in an SVG export, in document order. */
async function svgAt(board: string, ts: number): Promise<{ id: string; type: string; start: string }[]> {
  const res = await fetch(`${env.server.http}/api/boards/${board}/export.svg?at=${ts}`);
  expect(res.status).toBe(200);
  const svg = await res.text();
  return [...svg.matchAll(/<g data-id="([^"]+)"[^>]*data-type="([^"]+)">(.*?)<\/g>/g)].map(([, id, type, body]) => ({ id: id!, type: type!, start: /d="M([-\d.]+ [-\d.]+)/.exec(body!)?.[1] ?? '' }));
}

type ReplayWindow = { replay: { player: { state: { shapes: Map<string, Shape> } } | null } };
const replayShape = (page: Page, id: string) =>
  page.evaluate((id) => {
    const shape = (window as unknown as ReplayWindow).replay.player?.state.shapes.get(id);
    return shape ? { m: shape.m, color: shape.color } : null;
  }, id);

describe('elements in the history, in Chromium', () => {
  it('the replay shows shapes appear and move; the SVG of a moment holds exactly that moment', { timeout: 120_000 }, async () => {
    const board = 'e2e-element-history';
    const ann = webClient(env.server.ws, board, 'ann', 'Ann');
    const bob = webClient(env.server.ws, board, 'bob', 'Bob');
    try {
      await Promise.all([ann.live(), bob.live()]);
      ann.send(op({ k: 'add', v: 1, els: [
        { id: 'box', type: 'rect', m: at(100, 100), w: 160, h: 100, color: '#1e1e1e', sw: 3, fill: '#ffec99' },
        { id: 'note', type: 'note', m: at(420, 100), w: 200, h: 200, color: '#1e1e1e', fill: '#a5d8ff', text: 'Ideas for Friday' },
      ] }));
      await converged([ann, bob]);
      const added = ann.state.ts;
      await pause(1_500);

      // Bob drags the box down, a frame at a time.
      bob.send(op({ k: 'xf', v: 1, ids: ['box'], m: at(0, 20) }));
      for (let i = 0; i < 9; i++) {
        // Slower than a hand, so the replay shows each step for a few frames.
        await pause(80);
        bob.send(op({ k: 'xf', v: 1, c: 1, m: at(0, 20) }));
      }
      await converged([ann, bob]);
      const moved = ann.state.ts;
      await pause(1_500);

      ann.send(op({ k: 'set', v: 1, ids: ['box'], p: { color: '#e03131' } }));
      ann.send(op({ k: 'add', v: 1, els: [{ id: 'arrow', type: 'arrow', m: at(0, 0), pts: [260, 350, 420, 200], color: '#1e1e1e', sw: 2, sb: { id: 'box', u: 1, v: 0.5 }, eb: { id: 'note', u: 0, v: 0.5 } }] }));
      await converged([ann, bob]);

      // The SVG of each moment: what was there then, where it was then.
      expect(await svgAt(board, added)).toEqual([
        { id: 'box', type: 'rect', start: '100 100' },
        { id: 'note', type: 'note', start: '420 100' },
      ]);
      const atMove = await svgAt(board, moved);
      expect(atMove.map((e) => e.id)).toEqual(['box', 'note']);
      expect(atMove[0]!.start).toBe('100 300');
      expect((await svgAt(board, Date.now())).map((e) => e.id)).toEqual(['box', 'note', 'arrow']);

      // The replay at 1x: the box appears where it was made, is seen on its way down, and ends as the board is.
      const replay = await env.open(`/b/${board}/replay?speed=1`, 'Viewer');
      // Sampled in the page every frame from before its scripts run (so the replay is loaded again), so a busy machine cannot make the test miss a moment.
      await replay.context().addInitScript({
        content: `(() => {
          const seen = [];
          window.seenBoxY = seen;
          const sample = () => {
            const box = window.replay?.player?.state.shapes.get('box');
            if (box) seen.push(box.m[5]);
            requestAnimationFrame(sample);
          };
          requestAnimationFrame(sample);
        })();`,
      });
      await replay.reload();
      await replay.waitForFunction(() => document.body.dataset.replay === 'ended', undefined, { timeout: 60_000 });
      const seen = new Set(await replay.evaluate(() => (window as unknown as { seenBoxY: number[] }).seenBoxY));
      expect(seen.has(100)).toBe(true);
      expect([...seen].some((y) => y > 100 && y < 300), `the box seen moving: ${[...seen].join(', ')}`).toBe(true);
      expect(await replayShape(replay, 'box')).toEqual({ m: at(100, 300), color: '#e03131' });
      const shapes = await replay.evaluate(() => [...(window as unknown as ReplayWindow).replay.player!.state.shapes.values()]);
      expect(shapes).toEqual([...ann.state.shapes.values()]);
    } finally {
      ann.close();
      bob.close();
    }
  });
});
