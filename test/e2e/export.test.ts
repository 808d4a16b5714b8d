/**
 * Exports in Chromium against the real server and its Content-Security-Policy:
 * PNG and SVG downloads from the board page and from the replay page, and a
 * timelapse of the replay as a WebM video.
 */
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { SaxesParser } from 'saxes';
import { beforeAll, describe, expect, it } from 'vitest';
import { useBrowserAndServer } from '../support/browser.ts';

const env = useBrowserAndServer({ width: 900, height: 700 });
const BOARD = 'e2e-export';
/** Room the whole-drawing PNG keeps around the drawing (web/src/export.ts). */
const PNG_MARGIN = 40;

type Rect = { minX: number; minY: number; maxX: number; maxY: number };
type Renderer = {
  contentBounds(): Rect | null;
  onFrame: ((ms: number) => void) | null;
  /** Set here, by settled(). */
  lastFrame?: number;
};
/** What the board and replay pages expose for tests (see main.ts and replay-main.ts). */
type Pages = {
  whiteboard?: {
    client: { unacknowledged: number; state: { strokes: Map<string, { id: string; ts: number }> } };
    view: { zoomAt(sx: number, sy: number, factor: number): void; panBy(dx: number, dy: number): void; visible(): Rect };
    renderer: Renderer;
  };
  replay?: { player: { time: number; playing: boolean } | null; renderer: Renderer };
};

/** Moves the board page's view by a drag of (dx, dy) CSS pixels. */
const panBy = (page: Page, dx: number, dy: number) => page.evaluate(([dx, dy]) => (window as unknown as Pages).whiteboard!.view.panBy(dx!, dy!), [dx, dy]);

async function drawLine(page: Page, from: [number, number], to: [number, number]): Promise<void> {
  await page.mouse.move(...from);
  await page.mouse.down();
  await page.mouse.move(...to, { steps: 15 });
  await page.mouse.up();
}

/** Chooses an entry of the page's export menu and returns the file it downloads. */
async function exported(page: Page, choice: 'png-whole' | 'png-view' | 'svg-whole' | 'svg-view'): Promise<{ name: string; bytes: Buffer }> {
  await page.click('#export summary');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click(`[data-export="${choice}"]`)]);
  expect(await download.failure()).toBeNull();
  return { name: download.suggestedFilename(), bytes: await readFile((await download.path())!) };
}

/** The `<path>` elements of an SVG document, parsed strictly (saxes throws on any XML error). */
function svgPaths(text: string): { root: Record<string, string>; paths: Record<string, string>[] } {
  const parser = new SaxesParser({ xmlns: true });
  let root: Record<string, string> | null = null;
  const paths: Record<string, string>[] = [];
  parser.on('error', (error) => {
    throw error;
  });
  parser.on('opentag', (tag) => {
    const attrs = Object.fromEntries(Object.entries(tag.attributes).map(([name, a]) => [name, a.value]));
    if (tag.local === 'svg') root = attrs;
    if (tag.local === 'path') paths.push(attrs);
  });
  parser.write(text).close();
  return { root: root!, paths };
}

type PngCheck = {
  width: number;
  height: number;
  canvasWidth: number;
  canvasHeight: number;
  /** Pixels clearly darker than white; those on the image's edge. */
  ink: number;
  edgeInk: number;
  /** Pixels equal to the canvas's within a small tolerance, of all, and of those inked in either. */
  same: number;
  total: number;
  inkSame: number;
  inkEither: number;
  /** Pixels solid ink in one and (nearly) white in the other: a shape that is not where it should be. */
  misplaced: number;
};

/**
 * Decodes a PNG in the page and compares it with the #board canvas as seen
 * (its pixels over the page's white): how many are equal within a small
 * tolerance, and how many are ink (clearly darker than white).
 */
function checkPng(page: Page, png: Buffer, tolerance = 6): Promise<PngCheck> {
  return page.evaluate(async ([base64, TOLERANCE]) => {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const bitmap = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
    const image = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ictx = image.getContext('2d')!;
    ictx.drawImage(bitmap, 0, 0);
    const png = ictx.getImageData(0, 0, bitmap.width, bitmap.height).data;
    const board = document.querySelector<HTMLCanvasElement>('#board')!;
    const screen = board.getContext('2d')!.getImageData(0, 0, board.width, board.height).data;
    let ink = 0;
    let edgeInk = 0;
    let same = 0;
    let inkSame = 0;
    let inkEither = 0;
    let misplaced = 0;
    const sizesMatch = bitmap.width === board.width && bitmap.height === board.height;
    for (let i = 0; i < png.length; i += 4) {
      const dark = Math.min(png[i]!, png[i + 1]!, png[i + 2]!) < 200;
      if (dark) ink++;
      const px = (i / 4) % bitmap.width;
      const py = Math.floor(i / 4 / bitmap.width);
      if (dark && (px === 0 || py === 0 || px === bitmap.width - 1 || py === bitmap.height - 1)) edgeInk++;
      if (!sizesMatch) continue;
      const a = screen[i + 3]! / 255;
      const seen = [0, 1, 2].map((c) => screen[i + c]! * a + 255 * (1 - a));
      const close = png[i + 3] === 255 && seen.every((v, c) => Math.abs(v - png[i + c]!) <= TOLERANCE);
      if (close) same++;
      const [pngMin, seenMin] = [Math.min(png[i]!, png[i + 1]!, png[i + 2]!), Math.min(...seen)];
      if ((pngMin < 128 && seenMin > 230) || (seenMin < 128 && pngMin > 230)) misplaced++;
      if (dark || seenMin < 200) {
        inkEither++;
        if (close) inkSame++;
      }
    }
    return { width: bitmap.width, height: bitmap.height, canvasWidth: board.width, canvasHeight: board.height, ink, edgeInk, same, total: png.length / 4, inkSame, inkEither, misplaced };
  }, [png.toString('base64'), tolerance] as const);
}

/** The board's strokes, oldest first, as the page holds them. */
const strokesOf = (page: Page) =>
  page.evaluate(() => [...(window as unknown as Pages).whiteboard!.client.state.strokes.values()].map((s) => ({ id: s.id, ts: s.ts })));

/**
 * Waits until the canvas has caught up: the renderer paints tiles over
 * several frames, and stops asking for frames once the screen is complete.
 * On the board page, every stroke is saved first.
 */
async function settled(page: Page): Promise<void> {
  await page.waitForFunction(() => ((window as unknown as Pages).whiteboard?.client.unacknowledged ?? 0) === 0);
  await page.evaluate(() => {
    const { whiteboard, replay } = window as unknown as Pages;
    const renderer = (whiteboard ?? replay)!.renderer;
    renderer.onFrame = () => (renderer.lastFrame = performance.now());
    renderer.lastFrame = performance.now();
  });
  await page.waitForFunction(() => {
    const { whiteboard, replay } = window as unknown as Pages;
    return performance.now() - (whiteboard ?? replay)!.renderer.lastFrame! > 250;
  });
}

describe('export in Chromium', () => {
  let ann: Page;
  /** The three strokes, in drawing order; a pause of three seconds before the last. */
  let strokes: { id: string; ts: number }[] = [];

  beforeAll(async () => {
    ann = await env.open(`/b/${BOARD}`, 'Ann');
    await ann.waitForFunction(() => document.body.dataset.status === 'live');
    await drawLine(ann, [60, 160], [300, 220]);
    await ann.click('[data-color="#e03131"]');
    await drawLine(ann, [80, 300], [200, 460]);
    await settled(ann);
    await ann.waitForTimeout(3_000);
    await ann.click('[data-width="16"]');
    await drawLine(ann, [420, 180], [700, 520]);
    await settled(ann);
    strokes = await strokesOf(ann);
    expect(strokes).toHaveLength(3);
  }, 60_000);

  it('PNG of the current view is the canvas as shown, on white, to the pixel at 100%', async () => {
    const { name, bytes } = await exported(ann, 'png-view');
    expect(name).toMatch(new RegExp(`^${BOARD}-\\d{8}T\\d{6}\\.\\d{3}Z\\.png$`));
    expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const check = await checkPng(ann, bytes);
    expect([check.width, check.height]).toEqual([check.canvasWidth, check.canvasHeight]);
    expect(check.ink).toBeGreaterThan(3_000);
    expect(check.same / check.total).toBeGreaterThanOrEqual(0.99);
    expect(check.inkSame / check.inkEither).toBeGreaterThanOrEqual(0.99);
    expect(check.misplaced).toBe(0);
  });

  it('PNG of the current view at the screen density (2), the view corner between pixels: the canvas to the pixel', async () => {
    const page = await env.open(`/b/${BOARD}`, 'Dee', { deviceScaleFactor: 2 });
    await page.waitForFunction(() => document.body.dataset.status === 'live');
    await panBy(page, 0.3, 0.7);
    await settled(page);
    const check = await checkPng(page, (await exported(page, 'png-view')).bytes);
    expect([check.width, check.height]).toEqual([1800, check.canvasHeight]);
    expect(check.ink).toBeGreaterThan(4 * 3_000);
    expect(check.inkSame / check.inkEither).toBeGreaterThanOrEqual(0.99);
    expect(check.misplaced).toBe(0);
    await page.context().close();
  });

  it('PNG of the current view zoomed in and panned: the canvas up to the smoothing of its scaled tiles', async () => {
    // At 125% the screen shows tiles painted at 200%, scaled down; the export paints at 125% itself.
    await ann.click('[data-zoom="in"]');
    await panBy(ann, -37.3, 21.7);
    await settled(ann);
    const check = await checkPng(ann, (await exported(ann, 'png-view')).bytes);
    expect([check.width, check.height]).toEqual([check.canvasWidth, check.canvasHeight]);
    expect(check.ink).toBeGreaterThan(3_000);
    expect(check.same / check.total).toBeGreaterThanOrEqual(0.99);
    expect(check.misplaced).toBe(0);
    await ann.click('[data-zoom="reset"]');
  });

  it('PNG of the whole drawing: its bounds plus a margin at 100%, ink inside, white edges', async () => {
    // Most of the drawing out of sight: the whole drawing does not depend on the view.
    await panBy(ann, 500, 300);
    const bounds = (await ann.evaluate(() => (window as unknown as Pages).whiteboard!.renderer.contentBounds()))!;
    const check = await checkPng(ann, (await exported(ann, 'png-whole')).bytes);
    expect(check.width).toBe(Math.ceil(bounds.maxX + PNG_MARGIN) - Math.floor(bounds.minX - PNG_MARGIN));
    expect(check.height).toBe(Math.ceil(bounds.maxY + PNG_MARGIN) - Math.floor(bounds.minY - PNG_MARGIN));
    expect(check.ink).toBeGreaterThan(3_000);
    expect(check.edgeInk).toBe(0);
    await panBy(ann, -500, -300);
  });

  it('PNG of a drawing wider than 8192 units: scaled down to 8192 pixels', async () => {
    const page = await env.open('/b/e2e-export-wide', 'Eve');
    await page.waitForFunction(() => document.body.dataset.status === 'live');
    // At 5%, a line across the screen spans about 14,000 units.
    await page.evaluate(() => (window as unknown as Pages).whiteboard!.view.zoomAt(0, 0, 0.05));
    await drawLine(page, [100, 300], [800, 320]);
    await settled(page);
    const bounds = (await page.evaluate(() => (window as unknown as Pages).whiteboard!.renderer.contentBounds()))!;
    const [w, h] = [Math.ceil(bounds.maxX + PNG_MARGIN) - Math.floor(bounds.minX - PNG_MARGIN), Math.ceil(bounds.maxY + PNG_MARGIN) - Math.floor(bounds.minY - PNG_MARGIN)];
    expect(w).toBeGreaterThan(12_000);
    const check = await checkPng(page, (await exported(page, 'png-whole')).bytes);
    expect(check.width).toBe(8192);
    expect(check.height).toBe(Math.round((h * 8192) / w));
    expect(check.ink).toBeGreaterThan(5_000);
    expect(check.edgeInk).toBe(0);
    await page.context().close();
  });

  it('SVG of the whole drawing holds one path per stroke, by id; of the view, those on screen', async () => {
    const whole = await exported(ann, 'svg-whole');
    expect(whole.name).toMatch(new RegExp(`^${BOARD}-\\d{8}T\\d{6}\\.\\d{3}Z\\.svg$`));
    const { root, paths } = svgPaths(whole.bytes.toString('utf8'));
    expect(paths.map((p) => p['data-id'])).toEqual(strokes.map((s) => s.id));
    expect(paths.map((p) => p.fill)).toEqual(['#1e1e1e', '#e03131', '#e03131']);
    expect(root.viewBox!.split(' ').map(Number).every(Number.isFinite)).toBe(true);

    // The view moved right so that the first two strokes (x < 300) are off screen.
    await panBy(ann, -380, 0);
    const visible = await ann.evaluate(() => (window as unknown as Pages).whiteboard!.view.visible());
    const view = svgPaths((await exported(ann, 'svg-view')).bytes.toString('utf8'));
    expect(view.paths.map((p) => p['data-id'])).toEqual([strokes[2]!.id]);
    const [x, y, width, height] = view.root.viewBox!.split(' ').map(Number);
    expect(x).toBeCloseTo(visible.minX, 2);
    expect(y).toBeCloseTo(visible.minY, 2);
    expect(width).toBeCloseTo(visible.maxX - visible.minX, 2);
    expect(height).toBeCloseTo(visible.maxY - visible.minY, 2);
    await panBy(ann, 380, 0);
  });

  it('from the replay at a moment in the middle, the SVG holds only the strokes drawn by then', async () => {
    // In the pause before the third stroke; played slowly, so it is paused well before that stroke.
    const middle = strokes[2]!.ts - 1_000;
    const replay = await env.open(`/b/${BOARD}/replay?t=${middle}&speed=0.25`, 'Viewer');
    await replay.waitForFunction(() => document.body.dataset.replay === 'playing');
    await replay.click('#play');
    await replay.waitForFunction(() => document.body.dataset.replay === 'paused');
    const time = await replay.evaluate(() => (window as unknown as Pages).replay!.player!.time);
    expect(time).toBeLessThan(strokes[2]!.ts);

    const { name, bytes } = await exported(replay, 'svg-whole');
    expect(name).toBe(`${BOARD}-${new Date(Math.round(time)).toISOString().replace(/[-:]/g, '')}.svg`);
    expect(svgPaths(bytes.toString('utf8')).paths.map((p) => p['data-id'])).toEqual([strokes[0]!.id, strokes[1]!.id]);
    // The PNG of the view shows the same moment as the canvas.
    await settled(replay);
    const check = await checkPng(replay, (await exported(replay, 'png-view')).bytes);
    expect(check.ink).toBeGreaterThan(1_000);
    expect(check.same / check.total).toBeGreaterThanOrEqual(0.99);
    expect(check.misplaced).toBe(0);
  });

  it('a timelapse records the replay from the start into a WebM; Stop ends it early and still saves', { timeout: 90_000 }, async () => {
    const replay = await env.open(`/b/${BOARD}/replay?speed=4`, 'Viewer');
    await replay.waitForFunction(() => document.body.dataset.replay === 'ended', undefined, { timeout: 30_000 });
    expect(await replay.isVisible('#record-stop')).toBe(false);
    // Recording plays the history again from the start, to the end, then saves.
    const [download] = await Promise.all([replay.waitForEvent('download', { timeout: 60_000 }), replay.click('#record')]);
    expect(download.suggestedFilename()).toMatch(new RegExp(`^${BOARD}-\\d{8}T\\d{6}\\.\\d{3}Z\\.webm$`));
    const video = await readFile((await download.path())!);
    expect([...video.subarray(0, 4)]).toEqual([0x1a, 0x45, 0xdf, 0xa3]);
    expect(video.length).toBeGreaterThan(4_000);
    expect(await replay.isVisible('#record')).toBe(true);

    // The last frame is the finished drawing on white.
    const last = await lastFrame(replay, video);
    expect(last.white).toBeGreaterThan(0.8);
    expect(last.ink).toBeGreaterThan(1_000);

    // Stop, long before the end at a quarter of the speed.
    await replay.selectOption('#speed', '0.25');
    await replay.click('#record');
    // The history plays again once the recorder has begun (on a busy machine, seconds later).
    await replay.waitForFunction(() => (window as unknown as Pages).replay!.player?.playing === true);
    await replay.waitForTimeout(1_500);
    const [stopped] = await Promise.all([replay.waitForEvent('download'), replay.click('#record-stop')]);
    const early = await readFile((await stopped.path())!);
    expect([...early.subarray(0, 4)]).toEqual([0x1a, 0x45, 0xdf, 0xa3]);
    expect(early.length).toBeGreaterThan(1_000);
    expect(await replay.evaluate(() => (window as unknown as Pages).replay!.player?.playing)).toBe(true);
  });

  it('every page passed the Content-Security-Policy', () => {
    expect(env.cspViolations).toEqual([]);
  });
});

/** Plays a WebM in the page to its end and reads its last frame: the share of white pixels and of ink. */
function lastFrame(page: Page, webm: Buffer): Promise<{ white: number; ink: number }> {
  return page.evaluate(async (base64) => {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const video = document.createElement('video');
    video.muted = true;
    video.src = URL.createObjectURL(new Blob([bytes], { type: 'video/webm' }));
    await new Promise<void>((done, fail) => {
      video.onended = () => done();
      video.onerror = () => fail(new Error(`video: ${video.error?.message}`));
      video.playbackRate = 4;
      void video.play();
    });
    const canvas = new OffscreenCanvas(video.videoWidth, video.videoHeight);
    const ctx = canvas.getContext('2d')!;
    ctx.drawImage(video, 0, 0);
    const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let white = 0;
    let ink = 0;
    for (let i = 0; i < data.length; i += 4) {
      const min = Math.min(data[i]!, data[i + 1]!, data[i + 2]!);
      if (min > 240) white++;
      else if (min < 160) ink++;
    }
    return { white: white / (data.length / 4), ink };
  }, webm.toString('base64'));
}

