/**
 * The board page in headless Chromium on a board drawn as people draw it
 * (npm run seed: ~500k records of 2-4 points for a million points), against
 * an empty board in the same run: how long until the page is live and
 * inked, and frame times while drawing, panning and zooming; then, among
 * the board's elements (npm run seed --elements), frame times while
 * dragging 500 of them and while typing in a sticky note, and how many
 * records select all then a move makes (browser-elements.ts).
 *
 *   npx tsx scripts/bench/browser.ts [--points 1000000] [--elements 10000] [--rounds 3] [--seconds 4] [--smoke]
 *
 * Frame time is the interval between animation frames (what a user sees:
 * 16.7 ms when nothing is late) and, apart, the renderer's own work per frame.
 * The same panning and zooming with squared against blank paper under the
 * drawing: browser-paper.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { launchChromium } from '../../test/support/browser.ts';
import { freePort } from '../kafka-local.ts';
import { serverEntry } from './targets.ts';
import { startFlags } from '../start-command.ts';
import { EmbeddedLog } from '../../server/log/embedded-log.ts';
import { seedBoard } from '../seed/realistic-board.ts';
import { storeBoardState } from '../seed/store-state.ts';
import { DRAGGED, dragElements, elementsShown, NICKNAME, selectAllThenMove, typeInNote, type SelectAllFigures } from './browser-elements.ts';
import { openProbedPage, panWithWheel, record, zoomWithWheel, type Activity, type PageWindow } from './browser-probe.ts';

export type BrowserFigures = {
  board: string;
  points: number;
  /** Elements (shapes, arrows, text, notes) shown on the board once inked. */
  elements: number;
  /** Navigation start to the board being live (welcome folded, catch-up done), ms. */
  liveMs: number;
  /** Navigation start to the first settled ink on screen, and to all of it, ms. */
  firstInkMs: number;
  inkedMs: number;
  /** Per activity: animation frame intervals and renderer work per frame (p50, p95, max), ms; no dragging on a board without elements. */
  frames: Record<'drawing' | 'panning' | 'zooming' | 'typing', Activity> & { dragging?: Activity };
  /** Elements the drag moved (the targets of its first `xf`), and characters typed into the note. */
  dragged: number;
  typed: number;
  selectAll: SelectAllFigures;
  heapMB: number;
};

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** Opens the board in a fresh profile, waits until all of it is inked, then draws, pans, zooms, drags elements, types in a note and moves everything. */
async function measurePage(http: string, board: string, points: number, seconds: number): Promise<BrowserFigures> {
  const browser = await launchChromium();
  try {
    const page = await openProbedPage(browser, `${http}/b/${board}`, NICKNAME);
    await page.waitForFunction(() => (window as unknown as PageWindow).probe.live > 0, undefined, { timeout: 60_000 });
    if (points > 0) await page.waitForFunction(() => (window as unknown as PageWindow).whiteboard.renderer.inked.complete > 0, undefined, { timeout: 60_000 });
    const times = await page.evaluate(() => {
      const w = window as unknown as PageWindow;
      return { live: w.probe.live, first: w.whiteboard.renderer.inked.first, complete: w.whiteboard.renderer.inked.complete };
    });
    const elements = await elementsShown(page);
    const until = (start: number) => Date.now() - start < seconds * 1000;

    const drawing = await record(page, async () => {
      const start = Date.now();
      for (let stroke = 0; until(start); stroke++) {
        const y = 150 + (stroke % 10) * 50;
        await page.mouse.move(200, y);
        await page.mouse.down();
        for (let i = 1; i <= 40 && until(start); i++) await page.mouse.move(200 + i * 20, y + Math.sin(i / 3) * 15);
        await page.mouse.up();
      }
    });
    // Panning at 100%, where every tile newly in view has to be painted with full outlines.
    await page.click('[data-zoom="reset"]');
    await page.mouse.move(640, 400);
    const panning = await panWithWheel(page, seconds);
    // From the whole drawing in to 500% and back out, around the pointer.
    await page.click('[data-zoom="fit"]');
    const zooming = await zoomWithWheel(page, seconds);
    const drag = await dragElements(page, seconds);
    const typing = await typeInNote(page, seconds);
    const selectAll = await selectAllThenMove(page);
    const heapMB = await page.evaluate(() => ((performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0) / 2 ** 20);
    return {
      board,
      points,
      elements,
      liveMs: Math.round(times.live),
      firstInkMs: Math.round(times.first),
      inkedMs: Math.round(times.complete),
      frames: { drawing, panning, zooming, typing: typing.frames, ...(drag ? { dragging: drag.frames } : {}) },
      dragged: drag?.dragged ?? 0,
      typed: typing.typed,
      selectAll,
      heapMB: Math.round(heapMB),
    };
  } finally {
    await browser.close();
  }
}

function withoutKafka(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('KAFKA_')));
}

export async function startServer(dataDir: string): Promise<{ http: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, [...startFlags(), serverEntry()], {
    cwd: repoRoot,
    // The embedded log in dataDir, whatever KAFKA_* the benchmark itself was given.
    env: { ...withoutKafka(process.env), HOST: '127.0.0.1', PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'warn', METRICS_PORT: '0', MAX_CONNECTIONS_PER_IP: '100000', API_REQUESTS_PER_MINUTE: '100000' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const http = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    const ok = await fetch(`${http}/readyz`).then((r) => r.ok, () => false);
    if (ok) return { http, child };
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error('the server did not get ready');
}

/** Seeds a board, serves it, and measures the page `rounds` times (medians) beside an empty board. */
export async function browserBenchmark(options: { points: number; elements: number; rounds: number; seconds: number }): Promise<{ seeded: BrowserFigures[]; empty: BrowserFigures[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-browser-'));
  try {
    const log = new EmbeddedLog(dir);
    await seedBoard(log, 'seeded', { points: options.points, elements: options.elements, seed: 1 });
    // As npm run seed leaves it: the board's state stored, as the server keeps it for a board drawn on.
    await storeBoardState(log, 'seeded');
    await log.close();
    const server = await startServer(dir);
    try {
      const seeded: BrowserFigures[] = [];
      const empty: BrowserFigures[] = [];
      for (let round = 0; round < options.rounds; round++) {
        // A new board each round: the empty one should stay empty of the last round's drawing.
        empty.push(await measurePage(server.http, `empty${round}`, 0, options.seconds));
        seeded.push(await measurePage(server.http, 'seeded', options.points, options.seconds));
      }
      return { seeded, empty };
    } finally {
      server.child.kill('SIGTERM');
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

/** The activities as the table names them. */
const ACTIVITIES = [
  ['drawing', 'drawing'],
  ['panning', 'panning'],
  ['zooming', 'zooming'],
  ['dragging', `dragging ${DRAGGED} elements`],
  ['typing', 'typing in a note'],
] as const;

export function browserTable(result: { seeded: BrowserFigures[]; empty: BrowserFigures[] }): string {
  const rows: string[] = ['| figure | empty board | seeded board | goal |', '| --- | --- | --- | --- |'];
  // A figure no round has (no elements to drag on the empty board) shows as a dash.
  const of = (runs: BrowserFigures[], f: (b: BrowserFigures) => number | undefined) => {
    const values = runs.map(f).filter((v) => v !== undefined);
    return values.length > 0 ? String(median(values)) : '–';
  };
  const row = (name: string, f: (b: BrowserFigures) => number | undefined, goal: string) => {
    rows.push(`| ${name} | ${of(result.empty, f)} | ${of(result.seeded, f)} | ${goal} |`);
  };
  row('elements on the board', (b) => b.elements, '');
  row('live (welcome folded), ms after navigation', (b) => b.liveMs, '');
  row('first ink, ms after navigation', (b) => b.firstInkMs, '');
  row('all ink on screen, ms after navigation', (b) => b.inkedMs, '<= 1500');
  for (const [activity, name] of ACTIVITIES) {
    row(`${name}: frame interval p50 / ms`, (b) => b.frames[activity]?.interval.p50, '');
    row(`${name}: frame interval p95 / ms`, (b) => b.frames[activity]?.interval.p95, '<= 20');
    row(`${name}: renderer work p95 / ms`, (b) => b.frames[activity]?.work.p95, '');
    row(`${name}: frame interval max / ms`, (b) => b.frames[activity]?.interval.max, '');
    row(`${name}: frames showing a stand-in for a tile not yet painted, %`, (b) => b.frames[activity]?.behindPercent, '');
  }
  row('elements the drag moved', (b) => (b.frames.dragging ? b.dragged : undefined), String(DRAGGED));
  row('characters typed in the note', (b) => b.typed, '');
  row('select all: items selected', (b) => b.selectAll.selected, '');
  row('select all, then a move: records the log gained', (b) => b.selectAll.records, '1');
  row('select all, then a move: ms until the move is in the log', (b) => b.selectAll.ms, '');
  row('JS heap after, MB', (b) => b.heapMB, 'bounded');
  return rows.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      points: { type: 'string', default: '1000000' },
      elements: { type: 'string', default: '10000' },
      rounds: { type: 'string', default: '3' },
      seconds: { type: 'string', default: '4' },
      smoke: { type: 'boolean', default: false },
    },
  });
  const options = values.smoke ? { points: 20_000, elements: 100, rounds: 1, seconds: 1 } : { points: Number(values.points), elements: Number(values.elements), rounds: Number(values.rounds), seconds: Number(values.seconds) };
  const result = await browserBenchmark(options);
  console.log(`Board page in headless Chromium, 1280x800, a seeded board of ${options.points.toLocaleString('en')} points and ${options.elements.toLocaleString('en')} element operations vs an empty board (medians of ${options.rounds})`);
  console.log(browserTable(result));
  console.log(JSON.stringify(result.seeded.map((s) => ({ live: s.liveMs, first: s.firstInkMs, inked: s.inkedMs, heap: s.heapMB, dragged: s.dragged, typed: s.typed, selectAll: s.selectAll, frames: Object.fromEntries(Object.entries(s.frames).map(([name, a]) => [name, a.frames])) }))));
}
