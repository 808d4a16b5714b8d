/**
 * Edit and view-only links in Chromium: the first page on a new board
 * holds its edit link; a page opened with the view-only link watches live,
 * has no drawing tools, and nothing it does reaches the board.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { dragOnBoard, useBrowserAndServer } from '../support/browser.ts';
import { readAll } from '../contract/board-log-contract.ts';

const env = useBrowserAndServer({ width: 900, height: 700 });

/** Inked canvas pixels in a rectangle given in board (canvas CSS) pixels: the pages' toolbars differ in height. */
function inkIn(page: Page, box: { x: number; y: number; w: number; h: number }): Promise<number> {
  return page.evaluate((b) => {
    const canvas = document.querySelector<HTMLCanvasElement>('#board')!;
    const ratio = canvas.width / canvas.getBoundingClientRect().width;
    const data = canvas.getContext('2d')!.getImageData(b.x * ratio, b.y * ratio, b.w * ratio, b.h * ratio).data;
    let inked = 0;
    for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) inked++;
    return inked;
  }, box);
}

const drag = dragOnBoard;

const EDITOR_BOX = { x: 90, y: 90, w: 320, h: 40 };
const VIEWER_BOX = { x: 90, y: 290, w: 320, h: 40 };

describe('view-only links in Chromium', () => {
  it('a viewer sees the editor draw live, has no tools, and its drags add nothing on either page', { timeout: 120_000 }, async () => {
    const board = 'e2e-view-only';
    const editor = await env.open(`/b/${board}`, 'Teacher');
    await editor.waitForFunction(() => document.body.dataset.status === 'live' && location.hash.startsWith('#edit='));
    expect(await editor.evaluate(() => document.body.dataset.access)).toBe('owner');

    // The share dialog offers both links; the edit link is the page's own address.
    await editor.click('#share');
    const editLink = await editor.inputValue('#edit-link');
    const viewLink = await editor.inputValue('#view-link');
    expect(editLink).toBe(editor.url());
    expect(viewLink).toBe(`${env.server.http}/b/${board}`);
    await editor.click('#share-dialog form button');

    const viewer = await env.open(new URL(viewLink).pathname, 'Student');
    await viewer.waitForFunction(() => document.body.dataset.status === 'live');
    expect(await viewer.evaluate(() => document.body.dataset.access)).toBe('viewer');
    expect(await viewer.isVisible('[data-tool="pen"]')).toBe(false);
    expect(await viewer.isVisible('#undo')).toBe(false);
    expect(await viewer.isVisible('#view-only')).toBe(true);
    expect(viewer.url()).toBe(viewLink); // no edit key appears for a viewer
    await expect.poll(() => editor.locator('#people li').allTextContents()).toEqual(expect.arrayContaining(['Teacher (you)', 'Student · watching']));

    // The teacher draws: the student sees it live.
    await drag(editor, [100, 110], [400, 110]);
    await expect.poll(() => inkIn(viewer, EDITOR_BOX)).toBeGreaterThan(300);

    // The student drags across the board: nothing on either page, nothing in the log.
    await editor.waitForFunction(() => (window as unknown as { whiteboard: { client: { unacknowledged: number } } }).whiteboard.client.unacknowledged === 0);
    const before = (await readAll(env.server.log, board)).length;
    await drag(viewer, [100, 310], [400, 310]);
    await viewer.waitForTimeout(300);
    expect(await inkIn(viewer, VIEWER_BOX)).toBe(0);
    expect(await inkIn(editor, VIEWER_BOX)).toBe(0);

    // Even an operation forced from the console is refused, with a reason.
    await viewer.evaluate(() => (window as unknown as { whiteboard: { client: { send(op: unknown): void } } }).whiteboard.client.send({ k: 'clear' }));
    await expect.poll(() => viewer.textContent('#toast')).toMatch(/view-only link/);
    expect((await readAll(env.server.log, board)).length).toBe(before);
    expect(await inkIn(editor, EDITOR_BOX)).toBeGreaterThan(300);

    // The viewer can open the board's history.
    await viewer.click('#history');
    await viewer.waitForFunction(() => document.body.dataset.replay === 'ended' || document.body.dataset.replay === 'playing', undefined, { timeout: 30_000 });
    expect(env.cspViolations).toEqual([]);
    // The CSP holds: an inline script is refused, and the refusal is seen.
    await viewer.evaluate(() => document.head.append(Object.assign(document.createElement('script'), { textContent: 'window.inlineRan = true' })));
    await expect.poll(() => env.cspViolations.length).toBe(1);
    expect(await viewer.evaluate(() => 'inlineRan' in window)).toBe(false);
  });
});
