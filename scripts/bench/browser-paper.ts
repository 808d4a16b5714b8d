/**
 * The board's paper under a million points: the canvas benchmark's panning
 * and zooming (browser.ts) on the same seeded board, with squared paper
 * against blank paper in one page, in alternating rounds (blank first in
 * even rounds, squares first in odd ones), so a noisy machine weighs on
 * both alike. The paper is set as an editor sets it, by a `board`
 * operation through the page's connection.
 *
 *   npx tsx scripts/bench/browser-paper.ts [--points 1000000] [--rounds 4] [--seconds 4]
 *
 * Frame interval is what a user sees (16.7 ms when nothing is late); the
 * renderer's work per frame is apart. Prints medians over the rounds and
 * the ratio squares ÷ blank.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import type { Paper } from '../../server/board/board-settings.ts';
import { EmbeddedLog } from '../../server/log/embedded-log.ts';
import { launchChromium } from '../../test/support/browser.ts';
import { seedBoard } from '../seed/realistic-board.ts';
import { storeBoardState } from '../seed/store-state.ts';
import { startServer } from './browser.ts';
import { openProbedPage, panWithWheel, zoomWithWheel, type Activity, type PageWindow } from './browser-probe.ts';

const PAPERS_COMPARED = ['blank', 'squares'] as const satisfies readonly Paper[];
type Compared = (typeof PAPERS_COMPARED)[number];
type Moves = { panning: Activity; zooming: Activity };
export type PaperFigures = Record<Compared, Moves[]>;

type PaperWindow = PageWindow & {
  whiteboard: { client: { send(op: { k: 'board'; v: 1; paper: Paper }): number; state: { settings: { paper: Paper } } } };
};

/** Sets the board's paper from the page and waits until the page shows it. */
async function setPaper(page: Page, paper: Paper): Promise<void> {
  await page.evaluate((p) => {
    const { client } = (window as unknown as PaperWindow).whiteboard;
    if (client.state.settings.paper !== p) client.send({ k: 'board', v: 1, paper: p });
  }, paper);
  await page.waitForFunction((p) => (window as unknown as PaperWindow).whiteboard.client.state.settings.paper === p, paper, { timeout: 10_000 });
}

/** Panning at 100% and zooming from the whole drawing in and back, as browser.ts does, `seconds` each. */
async function moves(page: Page, seconds: number): Promise<Moves> {
  await page.click('[data-zoom="reset"]');
  await page.mouse.move(640, 400);
  // At 100% the paper's canvas shows squared paper, and blank paper has none on screen.
  await page.waitForFunction(
    () => document.querySelector<HTMLCanvasElement>('canvas.paper')?.hidden === ((window as unknown as PaperWindow).whiteboard.client.state.settings.paper === 'blank'),
    undefined,
    { timeout: 10_000 },
  );
  const panning = await panWithWheel(page, seconds);
  await page.click('[data-zoom="fit"]');
  const zooming = await zoomWithWheel(page, seconds);
  return { panning, zooming };
}

/** Seeds a board of `points` points, serves it, and measures one page `rounds` times on each paper. */
export async function paperBenchmark(options: { points: number; rounds: number; seconds: number }): Promise<PaperFigures> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-paper-'));
  try {
    const log = new EmbeddedLog(dir);
    await seedBoard(log, 'seeded', { points: options.points, seed: 1 });
    await storeBoardState(log, 'seeded');
    await log.close();
    const server = await startServer(dir);
    const browser = await launchChromium();
    try {
      const page = await openProbedPage(browser, `${server.http}/b/seeded`, 'Bench');
      await page.waitForFunction(() => (window as unknown as PageWindow).probe.live > 0, undefined, { timeout: 60_000 });
      await page.waitForFunction(() => (window as unknown as PageWindow).whiteboard.renderer.inked.complete > 0, undefined, { timeout: 60_000 });
      const figures: PaperFigures = { blank: [], squares: [] };
      for (let round = 0; round < options.rounds; round++) {
        const order = round % 2 === 0 ? PAPERS_COMPARED : [...PAPERS_COMPARED].reverse();
        for (const paper of order) {
          await setPaper(page, paper);
          figures[paper].push(await moves(page, options.seconds));
        }
      }
      await setPaper(page, 'blank');
      return figures;
    } finally {
      await browser.close();
      server.child.kill('SIGTERM');
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const fixed = (v: number) => (Math.round(v * 10) / 10).toFixed(1);

export function paperTable(figures: PaperFigures, seconds: number): string {
  const rows = ['| figure | blank paper | squared paper | squares ÷ blank | goal |', '| --- | ---: | ---: | ---: | --- |'];
  const figure = (name: string, of: (m: Moves) => number, goal = '') => {
    const [blank, squares] = [median(figures.blank.map(of)), median(figures.squares.map(of))];
    rows.push(`| ${name} | ${fixed(blank)} | ${fixed(squares)} | ${blank > 0 ? (squares / blank).toFixed(2) : '–'} | ${goal} |`);
  };
  for (const activity of ['panning', 'zooming'] as const) {
    figure(`${activity}: frame interval p50 / ms`, (m) => m[activity].interval.p50);
    figure(`${activity}: frame interval p95 / ms`, (m) => m[activity].interval.p95, '<= 20');
    figure(`${activity}: frame interval max / ms`, (m) => m[activity].interval.max);
    figure(`${activity}: renderer work p95 / ms`, (m) => m[activity].work.p95);
    figure(`${activity}: frames in ${seconds} s`, (m) => m[activity].frames);
  }
  return rows.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      points: { type: 'string', default: '1000000' },
      rounds: { type: 'string', default: '4' },
      seconds: { type: 'string', default: '4' },
    },
  });
  const options = { points: Number(values.points), rounds: Number(values.rounds), seconds: Number(values.seconds) };
  const figures = await paperBenchmark(options);
  console.log(
    `Board page in headless Chromium, 1280x800, a seeded board of ${options.points.toLocaleString('en')} points: squared vs blank paper, ` +
      `${options.seconds} s of each activity per round, alternating, medians of ${options.rounds} rounds`,
  );
  console.log(paperTable(figures, options.seconds));
  // Every round, for the noise: panning and zooming frame p95 per paper.
  for (const paper of PAPERS_COMPARED) {
    console.log(`${paper}: panning p95 ${figures[paper].map((m) => m.panning.interval.p95).join(', ')}; zooming p95 ${figures[paper].map((m) => m.zooming.interval.p95).join(', ')}`);
  }
}
