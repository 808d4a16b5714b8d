/**
 * A teacher's board in Chromium: the page that makes a board owns it; the
 * owner replaces a leaked edit link (its pages watch from then on, live),
 * pauses drawing for the class and resumes it, and takes back a vandal's
 * work in one click, leaving everyone else's.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { foldRecords } from '../../server/board/fold.ts';
import { visibleItems } from '../../server/board/state.ts';
import { readAll } from '../contract/board-log-contract.ts';
import { dragOnBoard, useBrowserAndServer } from '../support/browser.ts';

const env = useBrowserAndServer({ width: 1000, height: 700 });

type Whiteboard = { whiteboard: { client: { role: string; unacknowledged: number; send(op: unknown): void; state: { paused: boolean } } } };

const drag = (page: Page, from: [number, number], to: [number, number]) => dragOnBoard(page, from, to, 12);

const access = (page: Page) => page.evaluate(() => document.body.dataset.access);
/** Ids of everything drawn on the page, sorted. */
const drawnIds = (page: Page) =>
  page.evaluate(() => {
    const state = (window as unknown as { whiteboard: { client: { state: { strokes: Map<string, { id: string; undone: boolean; hiddenBy: number[] }>; shapes: Map<string, { id: string; undone: boolean; hiddenBy: number[] }> } } } }).whiteboard.client.state;
    return [...state.strokes.values(), ...state.shapes.values()].filter((i) => !i.undone && i.hiddenBy.length === 0).map((i) => i.id).sort();
  });
const settled = (page: Page) => page.waitForFunction(() => (window as unknown as Whiteboard).whiteboard.client.unacknowledged === 0);
const pathOf = (link: string) => {
  const url = new URL(link);
  return `${url.pathname}${url.hash}`;
};

/** The teacher makes a board and reads its three links from the share dialog. */
async function teacherBoard(board: string) {
  const teacher = await env.open(`/b/${board}`, 'Teacher');
  teacher.on('dialog', (dialog) => void dialog.accept());
  await teacher.waitForFunction(() => document.body.dataset.access === 'owner' && location.hash.startsWith('#edit='));
  await teacher.click('#share');
  const links = { owner: await teacher.inputValue('#owner-link'), edit: await teacher.inputValue('#edit-link'), view: await teacher.inputValue('#view-link') };
  expect(await teacher.isVisible('#owner-link')).toBe(true);
  await teacher.click('#share-dialog form button');
  expect(links.owner).toMatch(/#owner=/);
  // The address bar holds the edit link, never the owner link.
  expect(teacher.url()).toBe(links.edit);
  return { teacher, links };
}

describe('an owner in Chromium', () => {
  it('replaces the edit link (its pages watch at once), pauses drawing (an editor is refused with the reason) and resumes', { timeout: 120_000 }, async () => {
    const board = 'e2e-owner-links';
    const { teacher, links } = await teacherBoard(board);
    const [ann, bob, viewer] = await Promise.all([env.open(pathOf(links.edit), 'Ann'), env.open(pathOf(links.edit), 'Bob'), env.open(pathOf(links.view), 'Vic')]);
    for (const page of [ann, bob, viewer]) await page.waitForFunction(() => document.body.dataset.status === 'live');
    expect([await access(ann), await access(bob), await access(viewer)]).toEqual(['editor', 'editor', 'viewer']);
    // Only the owner sees the owner's controls and link.
    for (const page of [ann, viewer]) {
      expect(await page.isVisible('#owner-tools')).toBe(false);
      await page.click('#share');
      expect(await page.isVisible('#owner-link')).toBe(false);
      await page.click('#share-dialog form button');
    }

    // The edit link leaked: the teacher replaces it. Ann's and Bob's pages watch from now on, and say why.
    await teacher.click('#owner-tools');
    await teacher.click('#replace-edit-link');
    await teacher.click('#owner-dialog form button');
    await ann.waitForFunction(() => document.body.dataset.access === 'viewer');
    await bob.waitForFunction(() => document.body.dataset.access === 'viewer');
    await expect.poll(() => ann.textContent('#toast')).toMatch(/replaced the edit link/);
    expect(await ann.isVisible('[data-tool="pen"]')).toBe(false);
    await teacher.click('#share');
    const newEdit = await teacher.inputValue('#edit-link');
    await teacher.click('#share-dialog form button');
    expect(newEdit).not.toBe(links.edit);
    expect(teacher.url()).toBe(newEdit);

    const cleo = await env.open(pathOf(newEdit), 'Cleo');
    await cleo.waitForFunction(() => document.body.dataset.access === 'editor');

    // Pause: Cleo's tools go, a banner says why, and an operation forced anyway is refused with the reason.
    await teacher.click('#owner-tools');
    await teacher.click('#pause-drawing');
    await teacher.click('#owner-dialog form button');
    await cleo.waitForFunction(() => document.body.dataset.access === 'paused');
    expect(await cleo.textContent('#paused-banner')).toMatch(/owner paused drawing/);
    expect(await cleo.isVisible('[data-tool="pen"]')).toBe(false);
    const before = (await readAll(env.server.log, board)).length;
    // A stroke's start, as the pen would send it.
    await cleo.evaluate(() => (window as unknown as Whiteboard).whiteboard.client.send({ k: 'begin', id: 'while-paused', color: '#1e1e1e', w: 4, p: 'AA' }));
    await expect.poll(() => cleo.textContent('#toast')).toMatch(/paused drawing/);
    expect((await readAll(env.server.log, board)).length).toBe(before);
    // The teacher still draws.
    await drag(teacher, [100, 100], [300, 100]);
    await expect.poll(() => drawnIds(cleo)).toHaveLength(1);

    // Resume: Cleo draws again, and everyone sees it.
    await teacher.click('#resume-drawing');
    await cleo.waitForFunction(() => document.body.dataset.access === 'editor');
    await drag(cleo, [100, 200], [300, 200]);
    await expect.poll(() => drawnIds(viewer)).toHaveLength(2);
    await expect.poll(() => drawnIds(ann)).toHaveLength(2);
  });

  it("takes back a vandal's work in one click: the board is the log without the vandal; undo brings the vandal's work back", { timeout: 120_000 }, async () => {
    const board = 'e2e-owner-vandal';
    const { teacher, links } = await teacherBoard(board);
    const [ann, vandal] = await Promise.all([env.open(pathOf(links.edit), 'Ann'), env.open(pathOf(links.edit), 'Vandal')]);
    for (const page of [ann, vandal]) await page.waitForFunction(() => document.body.dataset.access === 'editor');
    await drag(ann, [100, 100], [400, 100]);
    await drag(ann, [100, 160], [400, 160]);
    await settled(ann);
    await expect.poll(() => drawnIds(vandal)).toHaveLength(2);

    // The vandal clears the board and scribbles; Ann goes on drawing over it.
    await vandal.click('#clear');
    for (let i = 0; i < 3; i++) await drag(vandal, [80, 80 + i * 40], [500, 120 + i * 40]);
    await settled(vandal);
    await expect.poll(() => drawnIds(ann)).toHaveLength(3);
    await drag(ann, [150, 400], [450, 400]);
    await settled(ann);
    await expect.poll(() => drawnIds(teacher)).toHaveLength(4);
    const vandalised = await drawnIds(teacher);

    // The owner's list names the vandal with what they did; one click takes it back, over the last minute.
    await teacher.click('#owner-tools');
    await teacher.selectOption('#revert-range', '0');
    const row = teacher.locator('#revert-people li', { hasText: 'Vandal' });
    expect(await row.textContent()).toMatch(/3 items.*1 erase/);
    await row.locator('button').click();

    const records = await readAll(env.server.log, board);
    const vandalUser = records.find((r) => r.op.k === 'clear')!.user;
    const withoutVandal = visibleItems(foldRecords(records.filter((r) => r.user !== vandalUser && r.op.k !== 'revert')))
      .map((i) => i.id)
      .sort();
    expect(withoutVandal).toHaveLength(3);
    for (const page of [teacher, ann, vandal]) await expect.poll(() => drawnIds(page)).toEqual(withoutVandal);

    // The teacher's undo brings the vandal's work back, exactly.
    await teacher.click('#undo');
    for (const page of [teacher, ann]) await expect.poll(() => drawnIds(page)).toEqual(vandalised);
  });
});
