/**
 * Editing elements in Chromium, two pages on one board, driven by real
 * pointer and keyboard events: every kind drawn on one page reaches the
 * other; a move and a recolour at once both stand; arrows stuck to shapes
 * follow them; undo is per person; text wraps alike at any zoom; copy and
 * paste work between boards; a view-only page selects nothing; select all
 * then move is one record.
 */
import { describe, expect, it } from 'vitest';
import { wrapText } from '../../server/text/layout.ts';
import { readAll } from '../contract/board-log-contract.ts';
import { useBrowserAndServer } from '../support/browser.ts';
import { canvasPointOf, click, drag, endsOf, linesOnPage, openLive, pixelsLike, selectionOf, setView, settled, shapesOf, strokesOf, toolOf, twoEditorsOn } from '../support/element-pages.ts';

const env = useBrowserAndServer({ width: 1000, height: 760 });

const openBoard = (path: string, nickname: string) => openLive(env, path, nickname);
const twoEditors = (board: string) => twoEditorsOn(env, board);

describe('editing elements in Chromium', () => {
  it('each kind drawn on one page appears on the other', { timeout: 120_000 }, async () => {
    const [ann, bob] = await twoEditors('e2e-el-kinds');
    await ann.keyboard.press('r');
    await drag(ann, [100, 100], [220, 180]);
    await ann.keyboard.press('o');
    await drag(ann, [300, 100], [400, 180]);
    await ann.keyboard.press('d');
    await drag(ann, [500, 100], [600, 180], { shift: true });
    await ann.keyboard.press('l');
    await drag(ann, [100, 300], [300, 320]);
    await ann.keyboard.press('a');
    await drag(ann, [160, 140], [350, 140]);
    await ann.keyboard.press('t');
    await click(ann, [100, 450]);
    await ann.keyboard.type('Hello board');
    await ann.keyboard.press('Escape');
    await ann.keyboard.press('n');
    await click(ann, [600, 450]);
    await ann.keyboard.type('A note');
    await ann.keyboard.press('Escape');
    await settled(ann, bob);
    await expect.poll(async () => (await shapesOf(bob)).map((s) => s.type)).toEqual(['rect', 'ellipse', 'diamond', 'line', 'arrow', 'text', 'note']);
    const shapes = await shapesOf(bob);
    const byType = Object.fromEntries(shapes.map((s) => [s.type, s]));
    expect(byType.rect).toMatchObject({ w: 120, h: 80, m: [1, 0, 0, 1, 100, 100] });
    expect(byType.diamond!.w).toBe(byType.diamond!.h);
    // The arrow starts inside the rectangle and ends inside the ellipse: both ends stick, on the outlines.
    expect(byType.arrow!.sb).toMatchObject({ id: byType.rect!.id, u: 1 });
    expect(byType.arrow!.eb).toMatchObject({ id: byType.ellipse!.id, u: 0 });
    expect(byType.text).toMatchObject({ text: 'Hello board' });
    expect(byType.note).toMatchObject({ text: 'A note', w: 200, h: 200 });
    // And they are drawn there: the rectangle's top edge, the note's yellow, the text's letters.
    await expect.poll(() => pixelsLike(bob, { x: 110, y: 96, w: 100, h: 8 }, [30, 30, 30])).toBeGreaterThan(150);
    await expect.poll(() => pixelsLike(bob, { x: 520, y: 380, w: 160, h: 160 }, [255, 236, 153], 20)).toBeGreaterThan(10_000);
    await expect.poll(() => pixelsLike(bob, { x: 100, y: 435, w: 120, h: 30 }, [30, 30, 30], 120)).toBeGreaterThan(50);
    if (process.env.SCREENSHOT_PATH) {
      await ann.keyboard.press('v');
      await click(ann, [100, 140]);
      await ann.screenshot({ path: process.env.SCREENSHOT_PATH });
    }
    expect(env.cspViolations).toEqual([]);
  });

  it('one page moves a shape while the other recolours it: both stand; a stuck arrow follows; undo takes back only the move', { timeout: 120_000 }, async () => {
    const [ann, bob] = await twoEditors('e2e-el-concurrent');
    await ann.keyboard.press('r');
    await drag(ann, [100, 100], [220, 180]);
    await ann.keyboard.press('o');
    await drag(ann, [400, 100], [500, 180]);
    await ann.keyboard.press('a');
    await drag(ann, [160, 140], [450, 140]);
    await settled(ann, bob);
    await expect.poll(async () => (await shapesOf(bob)).length).toBe(3);
    const [rect, ellipse, arrow] = await shapesOf(bob);
    expect(arrow).toMatchObject({ sb: { id: rect!.id }, eb: { id: ellipse!.id } });

    // Bob drags the rectangle by its outline while Ann recolours it.
    await ann.keyboard.press('v');
    await click(ann, [160, 100]);
    expect(await selectionOf(ann)).toEqual([rect!.id]);
    await bob.keyboard.press('v');
    const top = await bob.evaluate(() => document.querySelector('#board')!.getBoundingClientRect().top);
    await bob.mouse.move(100, 140 + top);
    await bob.mouse.down();
    await bob.mouse.move(100, 200 + top, { steps: 6 });
    await ann.click('[data-color="#e03131"]');
    await bob.mouse.move(100, 340 + top, { steps: 6 });
    await bob.mouse.up();
    await settled(bob, ann);
    await settled(ann, bob);
    for (const page of [ann, bob]) {
      await expect.poll(async () => (await shapesOf(page)).find((s) => s.id === rect!.id)).toMatchObject({ m: [1, 0, 0, 1, 100, 300], color: '#e03131' });
      // The arrow's start went with the rectangle: it is stuck to the rectangle's right edge, 200 lower.
      const ends = await endsOf(page, arrow!.id);
      expect(ends[0][0]).toBeCloseTo(220, 0);
      expect(ends[0][1]).toBeGreaterThan(300);
      expect(ends[1][1]).toBeLessThan(200);
    }
    // The drag was one undo step: Bob's undo puts the rectangle back, red.
    await bob.keyboard.press('Control+z');
    for (const page of [ann, bob]) {
      await expect.poll(async () => (await shapesOf(page)).find((s) => s.id === rect!.id)).toMatchObject({ m: [1, 0, 0, 1, 100, 100], color: '#e03131' });
    }
    // Ann's own undo takes her colour back.
    await ann.keyboard.press('Control+z');
    await expect.poll(async () => (await shapesOf(bob)).find((s) => s.id === rect!.id)?.color).toBe('#1e1e1e');
  });

  it('text typed on one page wraps to the same lines on another at another zoom', { timeout: 120_000 }, async () => {
    const [ann, bob] = await twoEditors('e2e-el-text');
    await setView(bob, -100, -100, 0.5);
    await ann.keyboard.press('t');
    await click(ann, [60, 200]);
    const words = 'The quick brown fox jumps over the lazy dog and keeps running far beyond the edge of this text box';
    await ann.keyboard.type(words);
    await ann.keyboard.press('Escape');
    await settled(ann, bob);
    await expect.poll(async () => (await shapesOf(bob))[0]?.text).toBe(words);
    const [onAnn] = await shapesOf(ann);
    const [onBob] = await shapesOf(bob);
    expect(onBob).toMatchObject({ w: onAnn!.w, h: onAnn!.h, fs: onAnn!.fs });
    // Wider than the widest a text grows: it wraps at that width, to the same lines everywhere.
    expect(onAnn!.w).toBe(480);
    const lines = wrapText(onBob!.text, onBob!.fs, onBob!.w);
    expect(lines.length).toBeGreaterThan(1);
    expect(onBob!.h).toBeCloseTo(lines.length * onBob!.fs * 1.25, 5);
    expect(await linesOnPage(ann, onAnn!.id)).toEqual(lines);
    expect(await linesOnPage(bob, onBob!.id)).toEqual(lines);
    // Typing was one undo step: one undo takes all of it back (the text element stays, empty).
    await ann.keyboard.press('Control+z');
    await expect.poll(async () => (await shapesOf(bob))[0]?.text).toBe('');
  });

  it('copy and paste between two boards, and plain text pasted becomes a text element', { timeout: 120_000 }, async () => {
    const [ann] = await twoEditors('e2e-el-copy');
    await ann.keyboard.press('r');
    await drag(ann, [100, 100], [220, 180]);
    await ann.keyboard.press('a');
    await drag(ann, [160, 140], [400, 300]);
    await settled(ann);
    await ann.keyboard.press('Control+a');
    await ann.keyboard.press('Control+c');
    const cat = await openBoard('/b/e2e-el-paste', 'Cat');
    await cat.waitForFunction(() => location.hash.startsWith('#edit='));
    const top = await cat.evaluate(() => document.querySelector('#board')!.getBoundingClientRect().top);
    await cat.mouse.move(500, 400 + top);
    await cat.keyboard.press('Control+v');
    await settled(cat);
    const pasted = await shapesOf(cat);
    const original = await shapesOf(ann);
    expect(pasted.map((s) => s.type)).toEqual(['rect', 'arrow']);
    expect(pasted.map((s) => s.id).some((id) => original.some((o) => o.id === id))).toBe(false);
    // The arrow stays stuck to the copy of the rectangle; its free end keeps its place relative to it.
    expect(pasted[1]!.sb?.id).toBe(pasted[0]!.id);
    expect(pasted[0]!.w).toBe(120);
    // Centred where the pointer was: the rectangle's and the arrow's far end's middle is at (500, 400).
    const far = (await endsOf(cat, pasted[1]!.id))[1];
    expect((pasted[0]!.m[4] + far[0]) / 2).toBeCloseTo(500, -1);
    expect((pasted[0]!.m[5] + far[1]) / 2).toBeCloseTo(400, -1);

    // Text copied from a text field pastes as a text element.
    await cat.keyboard.press('t');
    await click(cat, [100, 600]);
    await cat.keyboard.type('pasted words');
    await cat.keyboard.press('Control+a');
    await cat.keyboard.press('Control+c');
    await cat.keyboard.press('Escape');
    await ann.bringToFront();
    await click(ann, [700, 600]);
    await ann.keyboard.press('Control+v');
    await settled(ann);
    await expect.poll(async () => (await shapesOf(ann)).filter((s) => s.type === 'text').map((s) => s.text)).toEqual(['pasted words']);
  });

  it('a view-only page selects nothing and changes nothing', { timeout: 120_000 }, async () => {
    const [ann] = await twoEditors('e2e-el-viewer');
    await ann.keyboard.press('n');
    await click(ann, [300, 300]);
    await ann.keyboard.type('Read me');
    await ann.keyboard.press('Escape');
    await settled(ann);
    const viewer = await openBoard('/b/e2e-el-viewer', 'Val');
    expect(await viewer.evaluate(() => document.body.dataset.access)).toBe('viewer');
    await setView(viewer, 0, 0, 1);
    await expect.poll(async () => (await shapesOf(viewer)).length).toBe(1);
    expect(await viewer.isVisible('[data-tool="select"]')).toBe(false);
    expect(await viewer.isVisible('[data-tool="rect"]')).toBe(false);
    const before = (await readAll(env.server.log, 'e2e-el-viewer')).length;
    await viewer.keyboard.press('v');
    await click(viewer, [300, 300]);
    await click(viewer, [300, 300], { double: true });
    await viewer.keyboard.press('Control+a');
    await viewer.keyboard.press('Delete');
    await viewer.keyboard.press('ArrowRight');
    await drag(viewer, [300, 300], [400, 400]);
    await viewer.waitForTimeout(300);
    expect(await selectionOf(viewer)).toEqual([]);
    expect(await viewer.evaluate(() => document.querySelector('.text-editor'))).toBeNull();
    expect((await readAll(env.server.log, 'e2e-el-viewer')).length).toBe(before);
    expect(await shapesOf(viewer)).toEqual(await shapesOf(ann));
  });

  it('select all then move is one operation on everything', { timeout: 120_000 }, async () => {
    const [ann, bob] = await twoEditors('e2e-el-all');
    const board = 'e2e-el-all';
    await ann.keyboard.press('p');
    await drag(ann, [100, 400], [300, 420]);
    await ann.keyboard.press('r');
    await drag(ann, [100, 100], [200, 180]);
    await ann.keyboard.press('o');
    await drag(ann, [300, 100], [400, 180]);
    await settled(ann, bob);
    await ann.keyboard.press('Control+a');
    expect((await selectionOf(ann)).length).toBe(3);
    const before = (await readAll(env.server.log, board)).length;
    await ann.keyboard.press('Shift+ArrowRight');
    await settled(ann, bob);
    const nudged = (await readAll(env.server.log, board)).slice(before);
    expect(nudged.map((r) => r.op)).toEqual([{ k: 'xf', v: 1, all: 1, m: [1, 0, 0, 1, 10, 0] }]);

    // A drag of everything: one xf on all, then the same step continued each frame.
    await drag(ann, [150, 100 + 0], [150 + 100, 100 + 50], { steps: 10 });
    await settled(ann, bob);
    const dragged = (await readAll(env.server.log, board)).slice(before + 1);
    expect(dragged[0]!.op).toMatchObject({ k: 'xf', all: 1 });
    expect(dragged[0]!.op).not.toHaveProperty('ids');
    expect(dragged.slice(1).every((r) => r.op.k === 'xf' && 'c' in r.op && !('ids' in r.op))).toBe(true);
    await expect.poll(async () => (await shapesOf(bob)).map((s) => s.m.slice(4))).toEqual([
      [210, 150],
      [410, 150],
    ]);
    const [ink] = await strokesOf(bob);
    expect(ink!.m).toEqual([1, 0, 0, 1, 110, 50]);
  });

  it('handles resize and rotate; ink is selected, recoloured and nudged; a line end dragged onto a shape sticks to it', { timeout: 120_000 }, async () => {
    const [ann, bob] = await twoEditors('e2e-el-handles');
    await ann.keyboard.press('r');
    await drag(ann, [100, 100], [300, 200]);
    // Selected once drawn: the bottom-right handle, with shift, keeps the proportions.
    await drag(ann, [300, 200], [400, 230], { shift: true });
    await settled(ann, bob);
    let [rect] = await shapesOf(bob);
    expect(rect!.m[0]).toBeCloseTo(1.5, 3);
    expect(rect!.m[3]).toBeCloseTo(1.5, 3);
    expect(rect!.m[4]).toBeCloseTo(100, 1);
    expect(rect!.m[5]).toBeCloseTo(100, 1);
    // The rotate handle, 24 pixels above the top edge's middle, turned a quarter round (shift: 15° steps).
    await drag(ann, [250, 76], [400, 175], { shift: true });
    await settled(ann, bob);
    [rect] = await shapesOf(bob);
    expect(rect!.m[0]).toBeCloseTo(0, 3);
    expect(rect!.m[1]).toBeCloseTo(1.5, 3);

    await ann.keyboard.press('p');
    await drag(ann, [500, 600], [700, 600]);
    await ann.keyboard.press('v');
    await click(ann, [600, 600]);
    await ann.click('[data-color="#1971c2"]');
    await ann.keyboard.press('ArrowDown');
    await settled(ann, bob);
    const [ink] = await strokesOf(bob);
    expect(ink).toMatchObject({ color: '#1971c2', m: [1, 0, 0, 1, 0, 1] });
    // A run of arrow presses (a key held down) is one move: one undo takes the run back, the next the first nudge.
    await ann.waitForTimeout(1_100);
    for (let i = 0; i < 3; i++) await ann.keyboard.press('ArrowDown');
    await settled(ann, bob);
    expect((await strokesOf(bob))[0]!.m).toEqual([1, 0, 0, 1, 0, 4]);
    await ann.keyboard.press('Control+KeyZ');
    await settled(ann, bob);
    expect((await strokesOf(bob))[0]!.m).toEqual([1, 0, 0, 1, 0, 1]);
    await ann.keyboard.press('Control+KeyZ');
    await settled(ann, bob);
    expect((await strokesOf(bob))[0]).toMatchObject({ color: '#1971c2' });
    expect((await strokesOf(bob))[0]!.m).toBeUndefined();

    await ann.keyboard.press('o');
    await drag(ann, [700, 350], [800, 450]);
    await ann.keyboard.press('l');
    await drag(ann, [500, 400], [600, 400]);
    // The new line is selected: its end handle dragged into the ellipse sticks there, on the outline.
    await drag(ann, [600, 400], [760, 410]);
    await settled(ann, bob);
    const shapes = await shapesOf(bob);
    const ellipse = shapes.find((s) => s.type === 'ellipse')!;
    const line = shapes.find((s) => s.type === 'line')!;
    expect(line.eb).toMatchObject({ id: ellipse.id });
    expect(line.eb!.u).toBeLessThan(0.05);
    expect(line.sb).toBeNull();
  });

  it('delete, duplicate, restack and cut from the keyboard; escape drops a shape being drawn; ? lists the shortcuts', { timeout: 120_000 }, async () => {
    const [ann, bob] = await twoEditors('e2e-el-keys');
    await ann.keyboard.press('r');
    await drag(ann, [100, 100], [200, 200]);
    await ann.click('[data-fill="#a5d8ff"]');
    await ann.keyboard.press('o');
    await drag(ann, [150, 150], [250, 250]);
    await settled(ann, bob);
    let [rect, ellipse] = await shapesOf(bob);
    expect(rect!.fill).toBe('#a5d8ff');
    // The ellipse is selected (just drawn): duplicate it, then send the copy to the back.
    await ann.keyboard.press('Control+d');
    await ann.keyboard.press('Control+[');
    await settled(ann, bob);
    let shapes = await shapesOf(bob);
    expect(shapes).toHaveLength(3);
    const copy = shapes[2]!;
    expect(copy).toMatchObject({ type: 'ellipse', m: [1, 0, 0, 1, ellipse!.m[4] + 16, ellipse!.m[5] + 16] });
    expect(copy.z).toBeLessThan(rect!.pos);
    // Bring the rectangle to the front by clicking it (inside: it is filled).
    await click(ann, [120, 120]);
    await ann.keyboard.press('Control+]');
    await settled(ann, bob);
    [rect] = await shapesOf(bob);
    expect(rect!.z).toBeGreaterThan(ellipse!.pos);
    // Delete takes the selection away; cut too.
    await ann.keyboard.press('Delete');
    await click(ann, [250, 200]);
    await ann.keyboard.press('Control+x');
    await settled(ann, bob);
    shapes = await shapesOf(bob);
    expect(shapes.map((s) => s.id)).toEqual([copy.id]);
    // Escape while drawing: nothing is made.
    await ann.keyboard.press('r');
    const top = await ann.evaluate(() => document.querySelector('#board')!.getBoundingClientRect().top);
    await ann.mouse.move(500, 500 + top);
    await ann.mouse.down();
    await ann.mouse.move(600, 600 + top, { steps: 5 });
    await ann.keyboard.press('Escape');
    await ann.mouse.up();
    await settled(ann, bob);
    expect(await shapesOf(ann)).toHaveLength(1);
    // ? opens the list of shortcuts.
    await ann.keyboard.press('Shift+Slash');
    expect(await ann.isVisible('#shortcuts-dialog')).toBe(true);
    expect(await ann.textContent('#shortcut-list')).toContain('Bring to front');
    await ann.keyboard.press('Escape');
    expect(await ann.isVisible('#shortcuts-dialog')).toBe(false);
    // And none of the keys fire while typing in a field: the share dialog's link.
    await ann.click('#share');
    await ann.focus('#edit-link');
    await ann.keyboard.press('Delete');
    await ann.keyboard.press('r');
    expect(await toolOf(ann)).toBe('select');
  });
});

