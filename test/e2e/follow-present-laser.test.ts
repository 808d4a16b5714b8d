/**
 * Following, presenting and the laser pointer in Chromium. A click on the
 * owner's name makes an editor's page show what the owner's shows, until
 * the editor moves by itself; the owner presents and every page follows
 * (Escape leaves, a newcomer starts at the presenter's view, Stop frees
 * everyone); the laser's trail shows on the other pages and fades within
 * about a second, and nothing of it reaches the log; a viewer can neither
 * present nor point.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { readAll } from '../contract/board-log-contract.ts';
import { useBrowserAndServer } from '../support/browser.ts';

const env = useBrowserAndServer({ width: 1000, height: 700 });

type LaserSeen = { cid: string; x: number | null; y: number | null };
type Board = {
  whiteboard: {
    view: { x: number; y: number; zoom: number; width: number; height: number };
    client: {
      cid: string;
      role: string;
      signal(message: unknown): void;
      on(event: 'laser', listener: (cid: string, x: number | null, y: number | null) => void): void;
    };
  };
  lasersSeen?: LaserSeen[];
  viewsSent?: number;
};

const pathOf = (link: string) => {
  const url = new URL(link);
  return `${url.pathname}${url.hash}`;
};

/** The owner makes a board; returns its page and the edit link's path. */
async function ownerBoard(board: string, name = 'Olga') {
  const owner = await env.open(`/b/${board}`, name);
  owner.on('dialog', (dialog) => void dialog.accept());
  await owner.waitForFunction(() => document.body.dataset.access === 'owner' && location.hash.startsWith('#edit='));
  return { owner, edit: pathOf(owner.url()) };
}

async function live(page: Page): Promise<Page> {
  await page.waitForFunction(() => document.body.dataset.status === 'live');
  return page;
}

type ViewState = { x: number; y: number; zoom: number; width: number; height: number };
const viewOf = (page: Page): Promise<ViewState> =>
  page.evaluate(() => {
    const { x, y, zoom, width, height } = (window as unknown as Board).whiteboard.view;
    return { x, y, zoom, width, height };
  });

/**
 * How far `follower`'s screen is from showing `leader`'s view fitted whole
 * and centred in it (the pages' boards differ in size): the larger of the
 * zoom's error in percent and the corner's in the follower's screen pixels.
 */
async function offBy(leader: Page, follower: Page): Promise<number> {
  const [l, f] = await Promise.all([viewOf(leader), viewOf(follower)]);
  const [w, h] = [l.width / l.zoom, l.height / l.zoom];
  const zoom = Math.min(f.width / w, f.height / h);
  const x = l.x + w / 2 - f.width / 2 / zoom;
  const y = l.y + h / 2 - f.height / 2 / zoom;
  return Math.max(Math.abs(f.zoom / zoom - 1) * 100, Math.abs(f.x - x) * f.zoom, Math.abs(f.y - y) * f.zoom);
}

/** Counts the views the page sends from now on. */
const countViewsSent = (page: Page) =>
  page.evaluate(() => {
    const w = window as unknown as Board;
    const client = w.whiteboard.client;
    const signal = client.signal.bind(client);
    w.viewsSent = 0;
    client.signal = (message) => {
      if ((message as { t: string }).t === 'view') w.viewsSent!++;
      signal(message);
    };
  });
const viewsSent = (page: Page) => page.evaluate(() => (window as unknown as Board).viewsSent!);

const follows = (leader: Page, follower: Page) => expect.poll(() => offBy(leader, follower)).toBeLessThan(0.5);

/** Scrolls the board under (x, y) of the page's board: a pan of (dx, dy) screen pixels the other way. */
async function scroll(page: Page, dx: number, dy: number): Promise<void> {
  const box = await page.evaluate(() => document.querySelector('#board')!.getBoundingClientRect().toJSON() as DOMRect);
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.wheel(dx, dy);
}

/** Drags between two board points with the mouse; `hold` keeps the button down at the end. */
async function drag(page: Page, from: [number, number], to: [number, number], hold = false): Promise<void> {
  const top = await page.evaluate(() => document.querySelector('#board')!.getBoundingClientRect().top);
  await page.mouse.move(from[0], from[1] + top);
  await page.mouse.down();
  await page.mouse.move(to[0], to[1] + top, { steps: 15 });
  if (!hold) await page.mouse.up();
}

const banner = (page: Page) => page.evaluate(() => (document.querySelector<HTMLElement>('#follow-banner')!.hidden ? '' : document.querySelector('#follow-banner')!.textContent!.trim()));

/** Pixels of the laser's layer that show something. */
const laserPixels = (page: Page) =>
  page.evaluate(() => {
    const canvas = document.querySelector<HTMLCanvasElement>('#laser')!;
    if (canvas.width === 0 || canvas.height === 0) return 0;
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let lit = 0;
    for (let i = 0; i < data.length; i += 4) if (data[i + 3]! > 24 && data[i]! > 150) lit++;
    return lit;
  });

describe('following, presenting and the laser in Chromium', () => {
  it("an editor follows the owner's view by clicking the owner's name, fitted to its own screen, until it moves by itself", { timeout: 120_000 }, async () => {
    const { owner, edit } = await ownerBoard('e2e-follow');
    // A smaller screen: the owner's view is fitted into it, whole and centred.
    const ed = await live(await env.open(edit, 'Ed', { viewport: { width: 760, height: 560 } }));
    await expect.poll(() => ed.locator('#people li').allTextContents()).toEqual(expect.arrayContaining(['Olga', 'Ed (you)']));
    // Nobody follows the owner: its page keeps its view to itself.
    await countViewsSent(owner);
    await scroll(owner, 300, 200);
    expect(await offBy(owner, ed)).toBeGreaterThan(50);
    expect(await viewsSent(owner)).toBe(0);

    await ed.locator('#people li', { hasText: 'Olga' }).click();
    await expect.poll(() => banner(ed)).toMatch(/^Following Olga — Esc to stop/);
    await follows(owner, ed);
    await expect.poll(() => ed.locator('#people li.followed').allTextContents()).toEqual(['Olga']);

    // The owner pans and zooms (wheel, the zoom buttons, the keyboard): the editor's view tracks each.
    await scroll(owner, -500, 150);
    await follows(owner, ed);
    await owner.click('[data-zoom="in"]');
    await owner.click('[data-zoom="in"]');
    await follows(owner, ed);
    await owner.keyboard.press('Control+Minus');
    await scroll(owner, 120, -80);
    await follows(owner, ed);
    expect((await viewOf(ed)).zoom).not.toBeCloseTo(1, 2);
    // A quick run of scrolls: about ten views a second go out, the last one included.
    const [sentBefore, started] = [await viewsSent(owner), Date.now()];
    for (let i = 0; i < 25; i++) await owner.mouse.wheel(7, 3);
    const scrolling = Date.now() - started;
    await follows(owner, ed);
    expect(await viewsSent(owner) - sentBefore).toBeLessThanOrEqual(Math.ceil(scrolling / 100) + 2);

    // The editor scrolls by itself: it stops following, and stays where it went as the owner moves on.
    await scroll(ed, 50, 50);
    await expect.poll(() => banner(ed)).toBe('');
    await expect.poll(() => ed.locator('#people li.followed').count()).toBe(0);
    // Nobody follows the owner any more: its views stay home again.
    await expect.poll(() => owner.evaluate(() => (window as unknown as { whiteboard: { client: { people: { follows?: string }[] } } }).whiteboard.client.people.some((p) => p.follows))).toBe(false);
    const sent = await viewsSent(owner);
    const own = await viewOf(ed);
    await scroll(owner, 400, 400);
    await owner.click('[data-zoom="out"]');
    await owner.waitForTimeout(800);
    expect(await viewOf(ed)).toEqual(own);
    expect(await offBy(owner, ed)).toBeGreaterThan(50);
    expect(await viewsSent(owner)).toBe(sent);
  });

  it('the owner presents: every page follows, Escape leaves, a newcomer starts at the presenter’s view, Stop frees everyone', { timeout: 120_000 }, async () => {
    const { owner, edit } = await ownerBoard('e2e-present');
    const [ann, bob, vic] = await Promise.all([
      env.open(edit, 'Ann'),
      env.open(edit, 'Bob', { viewport: { width: 800, height: 620 } }),
      env.open('/b/e2e-present', 'Vic', { viewport: { width: 1100, height: 560 } }),
    ]);
    for (const page of [ann, bob, vic]) await live(page);
    expect(await owner.isVisible('#present')).toBe(true);
    for (const page of [ann, bob, vic]) expect(await page.isVisible('#present')).toBe(false);
    await scroll(owner, 600, 350);
    await owner.click('[data-zoom="in"]');

    await owner.click('#present');
    await expect.poll(() => banner(owner)).toBe('You are presenting — Stop');
    expect(await owner.getAttribute('#present', 'aria-label')).toBe('Stop presenting');
    for (const page of [ann, bob, vic]) {
      await expect.poll(() => banner(page)).toBe('Olga is presenting — Leave');
      await follows(owner, page);
    }
    await expect.poll(() => ann.locator('#people li').allTextContents()).toContain('Olga · presenting');

    // The presenter moves: everyone's view moves with it.
    await scroll(owner, -250, 100);
    await owner.click('[data-zoom="in"]');
    for (const page of [ann, bob, vic]) await follows(owner, page);

    // Ann leaves with Escape and stays where she is; the others keep following.
    await ann.keyboard.press('Escape');
    await expect.poll(() => banner(ann)).toBe('Olga is presenting — Follow again');
    const annView = await viewOf(ann);
    await scroll(owner, 300, -200);
    await follows(owner, bob);
    await follows(owner, vic);
    await ann.waitForTimeout(500);
    expect(await viewOf(ann)).toEqual(annView);

    // Someone joining during the presentation starts at the presenter's view.
    const cleo = await live(await env.open(edit, 'Cleo', { viewport: { width: 900, height: 650 } }));
    await expect.poll(() => banner(cleo)).toBe('Olga is presenting — Leave');
    await follows(owner, cleo);

    // Ann follows again; Bob scrolls by himself and leaves.
    await ann.click('#follow-action');
    await expect.poll(() => banner(ann)).toBe('Olga is presenting — Leave');
    await follows(owner, ann);
    await scroll(bob, 0, 120);
    await expect.poll(() => banner(bob)).toBe('Olga is presenting — Follow again');

    // The presenter points with the laser: the followers see it.
    await owner.keyboard.press('k');
    await drag(owner, [300, 300], [500, 360], true);
    await expect.poll(() => laserPixels(cleo)).toBeGreaterThan(100);
    await owner.mouse.up();

    // Stop: every banner goes, and nobody follows any more.
    await owner.click('#follow-action');
    for (const page of [owner, ann, bob, vic, cleo]) await expect.poll(() => banner(page)).toBe('');
    expect(await owner.getAttribute('#present', 'aria-label')).toBe('Present');
    const cleoView = await viewOf(cleo);
    await scroll(owner, 200, 200);
    await owner.waitForTimeout(500);
    expect(await viewOf(cleo)).toEqual(cleoView);
  });

  it('the laser: its trail shows on every page and fades within about a second, from a finger too, also while drawing is paused; the log holds none of it', { timeout: 120_000 }, async () => {
    const board = 'e2e-laser';
    const { owner, edit } = await ownerBoard(board);
    const ed = await live(await env.open(edit, 'Ed'));
    const before = (await readAll(env.server.log, board)).length;

    await owner.keyboard.press('k');
    expect(await owner.evaluate(() => document.querySelector('[data-tool="laser"]')!.classList.contains('active'))).toBe(true);
    // Held down at the end of the drag: the trail and a dot where the pointer rests, on both pages.
    await drag(owner, [150, 150], [450, 260], true);
    await expect.poll(() => laserPixels(ed)).toBeGreaterThan(150);
    expect(await laserPixels(owner)).toBeGreaterThan(150);
    await owner.mouse.up();
    const up = Date.now();
    // It fades, then it is gone.
    expect(await laserPixels(ed)).toBeGreaterThan(0);
    await expect.poll(() => laserPixels(ed), { timeout: 3_000, interval: 50 }).toBe(0);
    // A second's fade, and a margin for a busy machine's frames and polls.
    expect(Date.now() - up).toBeLessThan(2_500);
    await expect.poll(() => laserPixels(owner), { timeout: 1_000 }).toBe(0);

    // On a phone, one finger points.
    const phone = await live(await env.open(edit, 'Pat', { viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true }));
    await phone.tap('[data-tool="laser"]');
    const cdp = await phone.context().newCDPSession(phone);
    const finger = (type: 'touchStart' | 'touchMove' | 'touchEnd', at: [number, number][]) =>
      cdp.send('Input.dispatchTouchEvent', { type, touchPoints: at.map(([x, y], id) => ({ x, y, id })) });
    await finger('touchStart', [[100, 300]]);
    for (let i = 1; i <= 12; i++) await finger('touchMove', [[100 + 15 * i, 300 + 5 * i]]);
    await expect.poll(() => laserPixels(owner)).toBeGreaterThan(150);
    await finger('touchEnd', []);
    await expect.poll(() => laserPixels(owner), { timeout: 2_500 }).toBe(0);
    // The finger pointed: the phone's view did not move.
    expect(await phone.evaluate(() => [(window as unknown as Board).whiteboard.view.x, (window as unknown as Board).whiteboard.view.y])).toEqual([0, 0]);

    // Drawing paused: the editor's pen goes, its laser stays and still points.
    await owner.click('#owner-tools');
    await owner.click('#pause-drawing');
    await owner.click('#owner-dialog form button');
    await ed.waitForFunction(() => document.body.dataset.access === 'paused');
    expect(await ed.isVisible('[data-tool="pen"]')).toBe(false);
    expect(await ed.isVisible('[data-tool="laser"]')).toBe(true);
    await ed.click('[data-tool="laser"]');
    await drag(ed, [200, 400], [600, 420], true);
    await expect.poll(() => laserPixels(owner)).toBeGreaterThan(150);
    await ed.mouse.up();
    await expect.poll(() => laserPixels(owner), { timeout: 2_500 }).toBe(0);

    // The log: the pause, and nothing of either laser.
    const records = await readAll(env.server.log, board);
    expect(records.slice(before).map((r) => r.op.k)).toEqual(['pause']);
  });

  it('a viewer has no Present button and no laser; a laser or present sent by hand reaches nobody', { timeout: 120_000 }, async () => {
    const board = 'e2e-laser-viewer';
    const { owner, edit } = await ownerBoard(board);
    const [ed, vic] = await Promise.all([env.open(edit, 'Ed'), env.open(`/b/${board}`, 'Vic')]);
    for (const page of [ed, vic]) await live(page);
    expect(await vic.evaluate(() => document.body.dataset.access)).toBe('viewer');
    expect(await vic.isVisible('#present')).toBe(false);
    expect(await vic.isVisible('[data-tool="laser"]')).toBe(false);
    await expect.poll(() => owner.locator('#people li').allTextContents()).toContain('Vic · watching');

    // Everyone but Vic notes the laser points they are sent.
    for (const page of [owner, ed]) {
      await page.evaluate(() => {
        const w = window as unknown as Board;
        const seen: LaserSeen[] = (w.lasersSeen = []);
        w.whiteboard.client.on('laser', (cid, x, y) => seen.push({ cid, x, y }));
      });
    }
    const vicCid = await vic.evaluate(() => (window as unknown as Board).whiteboard.client.cid);
    const edCid = await ed.evaluate(() => (window as unknown as Board).whiteboard.client.cid);
    await vic.evaluate(() => {
      const { client } = (window as unknown as Board).whiteboard;
      for (let i = 0; i < 10; i++) client.signal({ t: 'laser', x: 100 + 10 * i, y: 100 });
      client.signal({ t: 'laser', x: null, y: null });
      client.signal({ t: 'present', on: true });
    });
    await expect.poll(() => vic.textContent('#toast')).toMatch(/only the owner/);
    // After Vic's, a point of Ed's: when it has arrived, Vic's would have too.
    await ed.evaluate(() => (window as unknown as Board).whiteboard.client.signal({ t: 'laser', x: 5, y: 5 }));
    await expect.poll(() => owner.evaluate(() => (window as unknown as Board).lasersSeen!.length)).toBe(1);
    expect(await owner.evaluate(() => (window as unknown as Board).lasersSeen)).toEqual([{ cid: edCid, x: 5, y: 5 }]);
    expect(await ed.evaluate(() => (window as unknown as Board).lasersSeen)).toEqual([]);
    expect(vicCid).not.toBe(edCid);
    for (const page of [owner, ed, vic]) expect(await banner(page)).toBe('');
    expect(await laserPixels(ed)).toBe(0);
  });
});
