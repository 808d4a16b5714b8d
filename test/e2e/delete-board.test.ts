/**
 * Deleting a board in Chromium: the owner deletes it from the Owner dialog,
 * after a second step that names it and says until when it can be
 * restored; another page on it shows the notice and draws no more; the
 * owner's page offers Restore; once restored, both pages draw again.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { readAll } from '../contract/board-log-contract.ts';
import { dragOnBoard, useBrowserAndServer } from '../support/browser.ts';

const env = useBrowserAndServer({ width: 1000, height: 700 });

type Whiteboard = { whiteboard: { client: { unacknowledged: number; status: string } } };
const settled = (page: Page) => page.waitForFunction(() => (window as unknown as Whiteboard).whiteboard.client.unacknowledged === 0);
const status = (page: Page) => page.evaluate(() => document.body.dataset.status);

describe('deleting a board in Chromium', () => {
  it('the owner deletes with confirmation, another page shows the notice, the owner restores, both draw again', { timeout: 120_000 }, async () => {
    const board = 'e2e-delete';
    const teacher = await env.open(`/b/${board}`, 'Teacher');
    await teacher.waitForFunction(() => document.body.dataset.access === 'owner' && location.hash.startsWith('#edit='));
    const student = await env.open(new URL(teacher.url()).pathname + new URL(teacher.url()).hash, 'Student');
    await student.waitForFunction(() => document.body.dataset.status === 'live' && document.body.dataset.access === 'editor');
    await dragOnBoard(student, [200, 200], [300, 260]);
    await settled(student);

    // The first step asks; nothing is deleted until the second.
    await teacher.click('#owner-tools');
    await teacher.click('#delete-board');
    await expect.poll(() => teacher.isVisible('#delete-confirm')).toBe(true);
    const question = await teacher.textContent('#delete-question');
    expect(question).toContain(board);
    expect(question).toMatch(/restore it .* for 7 days/);
    await teacher.click('#delete-cancel');
    expect(await teacher.isVisible('#delete-confirm')).toBe(false);
    expect(await status(student)).toBe('live');
    await teacher.click('#delete-board');
    await teacher.click('#delete-confirm');

    // Everyone is told; the student cannot draw, the owner can restore.
    for (const page of [teacher, student]) await page.waitForFunction(() => document.body.dataset.status === 'deleted');
    expect(await student.textContent('#deleted-text')).toBe('This board was deleted by its owner');
    expect(await student.isVisible('#restore-board')).toBe(false);
    expect(await student.isVisible('[data-tool="pen"]')).toBe(false);
    const records = (await readAll(env.server.log, board)).length;
    await dragOnBoard(student, [400, 300], [500, 360]);
    expect(await student.evaluate(() => (window as unknown as Whiteboard).whiteboard.client.unacknowledged)).toBe(0);
    expect(await teacher.textContent('#deleted-text')).toBe('This board was deleted by its owner');
    expect(await teacher.isVisible('#restore-board')).toBe(true);
    expect(await teacher.textContent('#deleted-until')).toMatch(/^You can restore it until /);
    expect((await fetch(`${env.server.http}/api/boards/${board}/replay`)).status).toBe(410);

    await teacher.click('#restore-board');
    for (const page of [teacher, student]) await page.waitForFunction(() => document.body.dataset.status === 'live', undefined, { timeout: 30_000 });
    expect(await student.isVisible('#deleted-notice')).toBe(false);
    expect(await student.isVisible('[data-tool="pen"]')).toBe(true);
    await dragOnBoard(student, [400, 300], [500, 360]);
    await dragOnBoard(teacher, [100, 400], [200, 450]);
    await settled(student);
    await settled(teacher);
    // Nothing drawn while it was deleted was kept; both strokes drawn after are in.
    expect((await readAll(env.server.log, board)).length).toBeGreaterThan(records + 2);
  });
});
