/**
 * What the browser benchmark (browser.ts) puts in the page to time it: a
 * probe that records animation frame intervals and when the board went
 * live, and `record`, which measures one activity's frames.
 */
import type { Browser, Page } from 'playwright-core';

export type Percentiles = { p50: number; p95: number; max: number };
/** Frames while doing something: intervals, the renderer's work, and the share of frames where part of the view waited for its tile (a scaled stand-in showed). */
export type Activity = { interval: Percentiles; work: Percentiles; frames: number; behindPercent: number };

/**
 * Runs in the page before its scripts: frame intervals and the time the
 * board went live. A string, since a bundler's helpers would not exist there.
 */
export const PROBE = `(() => {
  const probe = { live: 0, intervals: [], work: [], recording: false, last: 0 };
  window.probe = probe;
  new MutationObserver(() => {
    if (!probe.live && document.body && document.body.dataset.status === 'live') probe.live = performance.now();
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-status'] });
  requestAnimationFrame(function tick(now) {
    if (probe.recording && probe.last) probe.intervals.push(now - probe.last);
    probe.last = now;
    requestAnimationFrame(tick);
  });
})();`;

/** A page of a board in a fresh profile (1280x800), its nickname known and the probe in place, as the benchmarks open one. */
export async function openProbedPage(browser: Browser, url: string, nickname: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.addInitScript((name) => localStorage.setItem('whiteboard.name', name), nickname);
  await context.addInitScript({ content: PROBE });
  const page = await context.newPage();
  await page.goto(url);
  return page;
}

type Probe = { live: number; intervals: number[]; work: number[]; behind: number; recording: boolean; last: number };
export type PageWindow = { probe: Probe; whiteboard: { renderer: { inked: { first: number; complete: number }; onFrame: ((ms: number, behind: number) => void) | null } } };

function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { p50: round(at(0.5)), p95: round(at(0.95)), max: round(sorted.at(-1) ?? 0) };
}
const round = (v: number) => Math.round(v * 10) / 10;

/** Frame intervals and renderer work while `activity` runs. */
export async function record(page: Page, activity: () => Promise<void>): Promise<Activity> {
  await page.evaluate(() => {
    const w = window as unknown as PageWindow;
    w.probe.intervals = [];
    w.probe.work = [];
    w.probe.behind = 0;
    w.probe.last = 0;
    w.probe.recording = true;
    w.whiteboard.renderer.onFrame = (ms, behind) => {
      w.probe.work.push(ms);
      if (behind > 0) w.probe.behind++;
    };
  });
  await activity();
  const { intervals, work, behind } = await page.evaluate(() => {
    const w = window as unknown as PageWindow;
    w.probe.recording = false;
    w.whiteboard.renderer.onFrame = null;
    return { intervals: w.probe.intervals, work: w.probe.work, behind: w.probe.behind };
  });
  return { interval: percentiles(intervals), work: percentiles(work), frames: intervals.length, behindPercent: work.length ? Math.round((100 * behind) / work.length) : 0 };
}

/** Wheel panning back and forth for `seconds`, at whatever zoom the page shows (browser.ts pans at 100%). */
export function panWithWheel(page: Page, seconds: number): Promise<Activity> {
  return record(page, async () => {
    const start = Date.now();
    for (let i = 0; Date.now() - start < seconds * 1000; i++) await page.mouse.wheel(i % 40 < 20 ? 40 : -40, i % 60 < 30 ? 25 : -25);
  });
}

/** Ctrl + wheel in and out around the pointer for `seconds` (browser.ts starts from the whole drawing). */
export function zoomWithWheel(page: Page, seconds: number): Promise<Activity> {
  return record(page, async () => {
    const start = Date.now();
    await page.keyboard.down('Control');
    for (let i = 0; Date.now() - start < seconds * 1000; i++) await page.mouse.wheel(0, i % 30 < 15 ? -20 : 20);
    await page.keyboard.up('Control');
  });
}
