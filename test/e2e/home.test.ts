/**
 * The home page and board names in Chromium: `/` lists the boards this
 * browser opened, newest first, with their names and pictures; Remove takes
 * one off the list for good (the board stays); New board opens a fresh
 * board. A board's name set on one page shows on the others live, and a
 * viewer sees it without being able to change it.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { readAll } from '../contract/board-log-contract.ts';
import { dragOnBoard, useBrowserAndServer } from '../support/browser.ts';

const env = useBrowserAndServer({ width: 900, height: 700 });

type PageWindow = { whiteboard: { client: { unacknowledged: number; state: { strokes: Map<string, unknown> } } } };
type Listed = { id: string; name: string; opened: number; changed: number; thumb: string };

async function live(page: Page): Promise<void> {
  await page.waitForFunction(() => document.body.dataset.status === 'live');
}

/** Draws a line between two points of the board (CSS pixels from the canvas's corner), then waits until the log has it. */
async function drawLine(page: Page, from: [number, number], to: [number, number]): Promise<void> {
  await dragOnBoard(page, from, to);
  await page.waitForFunction(() => (window as unknown as PageWindow).whiteboard.client.unacknowledged === 0);
}

/** Names the board as a user does: its name in the toolbar, then the prompt. */
async function rename(page: Page, name: string): Promise<void> {
  page.once('dialog', (dialog) => void dialog.accept(name));
  await page.click('#board-name');
}

/** What this browser keeps of its recent boards: an entry under a key of each board's own. */
function listed(page: Page): Promise<Listed[]> {
  return page.evaluate(() =>
    Object.keys(localStorage)
      .filter((key) => key.startsWith('whiteboard.recent.'))
      .map((key) => JSON.parse(localStorage.getItem(key)!) as Listed),
  );
}

/** The home page's boards, top to bottom: name (or id), link and changed time as shown. */
function shownBoards(home: Page): Promise<{ name: string; href: string; changed: string }[]> {
  return home.locator('#recent li').evaluateAll((items) =>
    items.map((li) => ({
      name: li.querySelector('.name')!.textContent ?? '',
      href: li.querySelector('a')!.getAttribute('href') ?? '',
      changed: li.querySelector('.changed')!.textContent ?? '',
    })),
  );
}

describe('the home page in Chromium', () => {
  it('a browser that opened no board is welcomed, with a New board button', async () => {
    const home = await env.open('/', 'Newcomer');
    expect(await home.isVisible('#welcome')).toBe(true);
    expect(await home.isVisible('#recent-section')).toBe(false);
    expect(await home.getAttribute('#welcome a.button', 'href')).toBe('/new');
    expect(await home.isVisible('#new-board')).toBe(true);
    expect(env.cspViolations).toEqual([]);
  });

  it('lists the boards this browser opened, newest first, with their names and pictures; Remove and New board work', { timeout: 120_000 }, async () => {
    const sketch = 'e2e-home-sketch';
    const plan = 'e2e-home-plan';
    const page = await env.open(`/b/${sketch}`, 'Ann');
    await live(page);
    expect(await page.textContent('#board-name')).toBe('Untitled board');
    expect(await page.title()).toBe(`${sketch} — Whiteboard`);
    await drawLine(page, [150, 150], [600, 400]);
    // Painted before another tab hides this one: a hidden tab paints no frames, and its picture is taken as last shown.
    await page.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))));

    // A second board in the same browser: drawn on and named.
    const other = await page.context().newPage();
    await other.goto(`${env.server.http}/b/${plan}`);
    await live(other);
    await drawLine(other, [150, 400], [600, 150]);
    await rename(other, '  Project plan  ');
    await expect.poll(() => other.textContent('#board-name')).toBe('Project plan');
    expect(await other.title()).toBe('Project plan — Whiteboard');
    await expect.poll(async () => (await listed(other)).find((b) => b.id === plan)?.name).toBe('Project plan');

    // Leaving a board keeps its picture as last shown.
    await page.goto('about:blank');
    await other.goto(`${env.server.http}/`);
    const home = other;
    expect(await home.title()).toBe('Whiteboard');
    expect(await home.isVisible('#welcome')).toBe(false);
    expect(await shownBoards(home)).toEqual([
      { name: 'Project plan', href: `/b/${plan}`, changed: 'changed just now' },
      { name: sketch, href: `/b/${sketch}`, changed: 'changed just now' },
    ]);
    const pictures = await home.locator('#recent li img.thumb').evaluateAll((images) => images.map((img) => (img as HTMLImageElement).src));
    expect(pictures).toHaveLength(2);
    for (const src of pictures) expect(src).toMatch(/^data:image\/(jpeg|png);base64,[A-Za-z0-9+/=]{200,}$/);
    // Each picture shows its board's line: dark pixels on white.
    await home.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('#recent img')].every((img) => img.complete && img.naturalWidth > 0));
    const inked = await home.evaluate(() =>
      [...document.querySelectorAll<HTMLImageElement>('#recent img')].map((img) => {
        const canvas = document.createElement('canvas');
        canvas.width = img.naturalWidth;
        canvas.height = img.naturalHeight;
        const ctx = canvas.getContext('2d')!;
        ctx.drawImage(img, 0, 0);
        const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
        let dark = 0;
        for (let i = 0; i < data.length; i += 4) if (data[i]! < 180) dark++;
        return { width: img.naturalWidth, height: img.naturalHeight, dark };
      }),
    );
    for (const picture of inked) {
      expect(picture).toMatchObject({ width: 240, height: 160 });
      expect(picture.dark).toBeGreaterThan(30);
    }

    // Remove takes the board off the list, and only off the list.
    const logged = (await readAll(env.server.log, sketch)).length;
    await home.click(`#recent li[data-board="${sketch}"] .remove`);
    expect((await shownBoards(home)).map((b) => b.name)).toEqual(['Project plan']);
    await home.reload();
    expect((await shownBoards(home)).map((b) => b.name)).toEqual(['Project plan']);
    expect((await readAll(env.server.log, sketch)).length).toBe(logged);

    // New board opens a fresh board, which the list then holds first.
    await home.click('#new-board');
    await home.waitForURL(/\/b\/[A-Za-z0-9_-]{12}(#.*)?$/);
    await live(home);
    const fresh = new URL(home.url()).pathname.split('/')[2]!;
    expect([sketch, plan]).not.toContain(fresh);
    expect(await home.textContent('#board-name')).toBe('Untitled board');
    expect(await home.evaluate(() => (window as unknown as PageWindow).whiteboard.client.state.strokes.size)).toBe(0);
    await home.goto(`${env.server.http}/`);
    expect((await shownBoards(home)).map((b) => b.name)).toEqual([fresh, 'Project plan']);
    expect(env.cspViolations).toEqual([]);
  });

  it("a board page writes only its own board's entry: another tab's save, not yet seen here, is never put back as it was", { timeout: 60_000 }, async () => {
    // Tabs may run in separate processes, each reading its own copy of localStorage that another tab's write reaches a moment later.
    const board = 'e2e-home-own-entry';
    const page = await env.open(`/b/${board}`, 'Ann');
    await live(page);
    await page.evaluate(() => {
      const writes: string[] = [];
      Object.assign(window, { storageWrites: writes });
      const [set, remove] = [Storage.prototype.setItem, Storage.prototype.removeItem];
      Storage.prototype.setItem = function (this: Storage, key: string, value: string) {
        if (this === localStorage) writes.push(key);
        set.call(this, key, value);
      };
      Storage.prototype.removeItem = function (this: Storage, key: string) {
        if (this === localStorage) writes.push(key);
        remove.call(this, key);
      };
    });
    const writes = () => page.evaluate(() => (window as unknown as { storageWrites: string[] }).storageWrites);
    // A new name is saved at once, a drawing a moment later (its picture), and everything once more as the page is left.
    await rename(page, 'Mine');
    await drawLine(page, [150, 150], [600, 400]);
    await expect.poll(async () => (await listed(page)).find((b) => b.id === board)?.name).toBe('Mine');
    await expect.poll(async () => (await writes()).filter((key) => key.startsWith('whiteboard.recent')).length, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    await page.evaluate(() => window.dispatchEvent(new PageTransitionEvent('pagehide')));
    // (The page also keeps where its view was, under a key of its board's.)
    const written = (await writes()).filter((key) => key.startsWith('whiteboard.recent'));
    expect(written.length).toBeGreaterThanOrEqual(3);
    expect(new Set(written)).toEqual(new Set([`whiteboard.recent.${board}`]));
  });

  it('a list kept by an earlier version, under one key, is still shown, each board then under a key of its own', async () => {
    const home = await env.open('/', 'Returning');
    const kept = [
      { id: 'e2e-home-kept-a', name: 'Kept A', opened: 2_000, changed: 0, thumb: '' },
      { id: 'e2e-home-kept-b', name: '', opened: 1_000, changed: 0, thumb: '' },
      { id: 'e2e-home-mangled', opened: 'yesterday' },
    ];
    await home.evaluate((list) => localStorage.setItem('whiteboard.recent', JSON.stringify(list)), kept);
    await home.reload();
    expect((await shownBoards(home)).map((b) => b.name)).toEqual(['Kept A', 'e2e-home-kept-b']);
    expect(await home.evaluate(() => localStorage.getItem('whiteboard.recent'))).toBeNull();
    expect((await listed(home)).map((b) => b.id).sort()).toEqual(['e2e-home-kept-a', 'e2e-home-kept-b']);
  });

  it("an editor's new name shows live on the other pages and can be undone; a viewer cannot rename", { timeout: 120_000 }, async () => {
    const board = 'e2e-home-names';
    const editor = await env.open(`/b/${board}`, 'Teacher');
    await editor.waitForFunction(() => document.body.dataset.status === 'live' && location.hash.startsWith('#edit='));
    const viewer = await env.open(`/b/${board}`, 'Student');
    await live(viewer);
    expect(await viewer.evaluate(() => document.body.dataset.access)).toBe('viewer');

    // The viewer sees the name and cannot change it: the control is disabled, and a forced click asks nothing.
    expect(await viewer.textContent('#board-name')).toBe('Untitled board');
    expect(await viewer.isDisabled('#board-name')).toBe(true);
    expect(await editor.isEnabled('#board-name')).toBe(true);
    let asked = false;
    viewer.on('dialog', (dialog) => {
      asked = true;
      void dialog.dismiss();
    });
    await viewer.click('#board-name', { force: true });

    await rename(editor, 'Class notes');
    await expect.poll(() => viewer.textContent('#board-name')).toBe('Class notes');
    await expect.poll(() => viewer.title()).toBe('Class notes — Whiteboard');
    expect(await editor.textContent('#board-name')).toBe('Class notes');
    expect(asked).toBe(false);
    expect(await viewer.isDisabled('#board-name')).toBe(true);

    // Renaming is an action like any other: the editor's undo takes it back, for everyone.
    await editor.click('#undo');
    await expect.poll(() => viewer.textContent('#board-name')).toBe('Untitled board');
    await expect.poll(() => viewer.title()).toBe(`${board} — Whiteboard`);
    expect(await editor.textContent('#board-name')).toBe('Untitled board');
    expect(env.cspViolations).toEqual([]);
  });
});
