/**
 * Pictures and PDFs in Chromium, two pages on one board: a pasted PNG
 * reaches the other page; a dropped JPEG is moved and resized there; a
 * PDF's pages arrive locked, to be written over and left in place; undo
 * takes an upload back; an SVG is drawn as a picture and nothing in it
 * runs or loads.
 */
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { readAll } from '../contract/board-log-contract.ts';
import { useBrowserAndServer } from '../support/browser.ts';
import { canvasPointOf, click, drag, pixelsLike, selectionOf, settled, shapesOf, strokesOf, twoEditorsOn } from '../support/element-pages.ts';
import { dropFiles, pasteFiles, smallPdf, solidPicture } from '../support/pictures.ts';

const env = useBrowserAndServer({ width: 1000, height: 760 });

describe('pictures on the board in Chromium', () => {
  it('a PNG pasted on one page appears on the other, drawn from its file; undo takes it back', { timeout: 120_000 }, async () => {
    const [ann, bob] = await twoEditorsOn(env, 'e2e-pic-paste');
    await pasteFiles(ann, [{ name: 'red.png', type: 'image/png', bytes: await solidPicture(300, 200, [224, 49, 49]) }]);
    await expect.poll(async () => (await shapesOf(bob)).map((s) => s.type)).toEqual(['image']);
    const [image] = await shapesOf(bob);
    // Not scaled (it fits the view), centred in it, and naming its stored file.
    expect([image!.w, image!.h]).toEqual([300, 200]);
    expect(image!.file).toMatch(/^[0-9a-f]{64}$/);
    const served = await fetch(`${env.server.http}/files/${image!.file}`);
    expect(served.headers.get('content-type')).toBe('image/png');
    const [x, y] = await canvasPointOf(bob, image!.m[4] + 150, image!.m[5] + 100);
    await expect.poll(() => pixelsLike(bob, { x: x - 50, y: y - 50, w: 100, h: 100 }, [224, 49, 49], 30)).toBeGreaterThan(9_000);
    // Only the element went through the log, not the picture.
    const records = await readAll(env.server.log, 'e2e-pic-paste');
    expect(Math.max(...records.map((r) => JSON.stringify(r).length))).toBeLessThan(1_000);

    await ann.keyboard.press('Escape');
    await ann.keyboard.press('Control+z');
    await expect.poll(async () => (await shapesOf(bob)).length).toBe(0);
    await expect.poll(() => pixelsLike(bob, { x: x - 50, y: y - 50, w: 100, h: 100 }, [224, 49, 49], 30)).toBe(0);
  });

  it('the toolbar’s picture button takes files from the file picker; a picture larger than the view is scaled to fit it', { timeout: 120_000 }, async () => {
    const [ann, bob] = await twoEditorsOn(env, 'e2e-pic-picker');
    const [chooser] = await Promise.all([ann.waitForEvent('filechooser'), ann.click('#insert-picture')]);
    await chooser.setFiles([{ name: 'wide.png', mimeType: 'image/png', buffer: await solidPicture(3_000, 1_000, [25, 113, 194]) }]);
    await expect.poll(async () => (await shapesOf(bob)).length).toBe(1);
    const [image] = await shapesOf(bob);
    const view = await ann.evaluate(() => {
      const c = document.querySelector('#board')!.getBoundingClientRect();
      return { w: c.width, h: c.height };
    });
    // 80% of the view's width, the picture's proportions kept, centred in the view.
    expect(image!.w).toBeCloseTo(0.8 * view.w, 0);
    expect(image!.w / image!.h).toBeCloseTo(3, 1);
    expect(image!.m[4] + image!.w / 2).toBeCloseTo(view.w / 2, 0);
    await expect.poll(() => pixelsLike(bob, { x: view.w / 2 - 50, y: view.h / 2 - 20, w: 100, h: 40 }, [25, 113, 194], 30)).toBeGreaterThan(3_000);
  });

  it('a JPEG dropped on one page lands where it was dropped; the other page moves and resizes it, and both see it', { timeout: 120_000 }, async () => {
    const [ann, bob] = await twoEditorsOn(env, 'e2e-pic-drop');
    await dropFiles(ann, [300, 250], [{ name: 'photo.jpg', type: 'image/jpeg', bytes: await solidPicture(200, 100, [47, 158, 68], 'jpeg') }]);
    await expect.poll(async () => (await shapesOf(bob)).length).toBe(1);
    const [dropped] = await shapesOf(bob);
    // Centred where it was dropped (to within the canvas's sub-pixel offset on the page).
    expect(dropped!.m[4]).toBeCloseTo(200, 0);
    expect(dropped!.m[5]).toBeCloseTo(200, 0);
    await expect.poll(() => pixelsLike(bob, { x: 250, y: 225, w: 100, h: 50 }, [47, 158, 68], 40)).toBeGreaterThan(4_000);

    // Bob moves it by 100 to the right, then drags its bottom-right handle 100 further.
    await bob.keyboard.press('v');
    await drag(bob, [300, 250], [400, 250]);
    await settled(bob, ann);
    await click(bob, [400, 250]);
    await drag(bob, [500, 300], [600, 350], { shift: true });
    await settled(bob, ann);
    const [changed] = await shapesOf(ann);
    expect(changed!.m[4]).toBeCloseTo(300, 0);
    expect(changed!.m[5]).toBeCloseTo(200, 0);
    // Shift kept its proportions: 200 × 100 grew to 300 × 150.
    expect(changed!.w * changed!.m[0]).toBeCloseTo(300, 0);
    expect(changed!.h * changed!.m[3]).toBeCloseTo(150, 0);
    await expect.poll(() => pixelsLike(ann, { x: 550, y: 300, w: 40, h: 40 }, [47, 158, 68], 40)).toBeGreaterThan(1_400);
  });

  it('a 3-page PDF imported on one page arrives as 3 locked pages on the other, which writes over them without moving them', { timeout: 120_000 }, async () => {
    const [ann, bob] = await twoEditorsOn(env, 'e2e-pic-pdf');
    await dropFiles(ann, [500, 100], [{ name: 'worksheet.pdf', type: 'application/pdf', bytes: smallPdf(3) }]);
    // The import shows its progress, page by page, and the bar goes once it is done.
    await ann.waitForFunction(() => /worksheet\.pdf: (opening|page \d of 3)/.test(document.querySelector('#import-progress')!.textContent ?? ''));
    await expect.poll(async () => (await shapesOf(bob)).length, { timeout: 60_000 }).toBe(3);
    await ann.waitForFunction(() => document.querySelector<HTMLElement>('#import-progress')!.hidden);
    const pages = await shapesOf(bob);
    expect(pages.every((p) => p.type === 'image' && p.lock === 1)).toBe(true);
    // Top to bottom, one width, A4's proportions.
    expect(new Set(pages.map((p) => p.w)).size).toBe(1);
    expect(pages[0]!.h / pages[0]!.w).toBeCloseTo(842 / 595, 1);
    expect(pages[1]!.m[5]).toBeGreaterThan(pages[0]!.m[5] + pages[0]!.h);
    expect(pages[2]!.m[5]).toBeGreaterThan(pages[1]!.m[5] + pages[1]!.h);
    // The first page's blue square, rendered by pdf.js and drawn on Bob's page.
    const [sx, sy] = await canvasPointOf(bob, pages[0]!.m[4] + pages[0]!.w / 2, pages[0]!.m[5] + (pages[0]!.h * 442) / 842);
    await expect.poll(() => pixelsLike(bob, { x: sx - 10, y: sy - 10, w: 20, h: 20 }, [0, 0, 255], 60), { timeout: 20_000 }).toBeGreaterThan(300);

    // A click on a page selects nothing; a drag there draws a marquee that takes nothing; select all takes nothing.
    await bob.keyboard.press('v');
    await click(bob, [sx, sy]);
    expect(await selectionOf(bob)).toEqual([]);
    await bob.keyboard.press('Control+a');
    expect(await selectionOf(bob)).toEqual([]);
    // Ink over the page; the eraser across it takes the ink and leaves the page.
    await bob.keyboard.press('p');
    await drag(bob, [sx - 60, sy], [sx + 60, sy + 20]);
    await settled(bob, ann);
    expect((await strokesOf(ann)).length).toBe(1);
    await bob.keyboard.press('e');
    await drag(bob, [sx - 80, sy + 10], [sx + 80, sy + 10]);
    await settled(bob, ann);
    await expect.poll(async () => (await strokesOf(ann)).filter((s) => !s.undone && s.hiddenBy.length === 0).length).toBe(0);
    const after = await shapesOf(ann);
    expect(after.map((p) => [p.id, p.m])).toEqual(pages.map((p) => [p.id, p.m]));

    // Any editor unlocks them.
    await ann.click('#unlock-all');
    await settled(ann, bob);
    await expect.poll(async () => (await shapesOf(bob)).every((p) => p.lock === 0)).toBe(true);
  });

  it('an SVG is put on the board as a picture: its scripts, handlers, external references and foreignObject never run or load', { timeout: 120_000 }, async () => {
    const [ann, bob] = await twoEditorsOn(env, 'e2e-pic-svg');
    const hits: string[] = [];
    for (const page of [ann, bob]) page.on('request', (req) => void (req.url().includes('svg-hit') && hits.push(req.url())));
    const hostile = `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="240" height="120" onload="fetch('/svg-hit/onload');window.top.svgHit=1">
      <script>fetch('/svg-hit/script'); window.top.svgHit = 1;</script>
      <rect width="240" height="120" fill="#1971c2" onmouseover="fetch('/svg-hit/over')"/>
      <image href="/svg-hit/image.png" x="0" y="0" width="10" height="10"/>
      <image xlink:href="${env.server.http}/svg-hit/absolute.png" width="10" height="10"/>
      <foreignObject width="100" height="50"><iframe xmlns="http://www.w3.org/1999/xhtml" src="/svg-hit/iframe"></iframe><img xmlns="http://www.w3.org/1999/xhtml" src="/svg-hit/img" onerror="fetch('/svg-hit/onerror')"/></foreignObject>
    </svg>`;
    await pasteFiles(ann, [{ name: 'hostile.svg', type: 'image/svg+xml', bytes: Buffer.from(hostile) }]);
    await expect.poll(async () => (await shapesOf(bob)).map((s) => s.type)).toEqual(['image']);
    const [image] = await shapesOf(bob);
    expect([image!.w, image!.h]).toEqual([240, 120]);
    // Stored as the picture it drew, a PNG.
    expect((await fetch(`${env.server.http}/files/${image!.file}`)).headers.get('content-type')).toBe('image/png');
    const [x, y] = await canvasPointOf(bob, image!.m[4] + 180, image!.m[5] + 80);
    await expect.poll(() => pixelsLike(bob, { x: x - 20, y: y - 20, w: 40, h: 40 }, [25, 113, 194], 30)).toBeGreaterThan(1_000);
    await bob.mouse.move(x, y + 70);
    await bob.waitForTimeout(500);
    expect(hits).toEqual([]);
    expect(await ann.evaluate(() => (window as unknown as { svgHit?: number }).svgHit)).toBeUndefined();
  });
});

/** Pixels of a PNG near `rgb`, decoded in a page. */
function pngPixelsLike(page: Page, png: Buffer, rgb: [number, number, number], tolerance = 30): Promise<number> {
  return page.evaluate(
    async ([b64, c, t]) => {
      const bitmap = await createImageBitmap(new Blob([Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0))], { type: 'image/png' }));
      const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
      const ctx = canvas.getContext('2d')!;
      ctx.drawImage(bitmap, 0, 0);
      const data = ctx.getImageData(0, 0, bitmap.width, bitmap.height).data;
      let n = 0;
      for (let i = 0; i < data.length; i += 4) if (Math.abs(data[i]! - c[0]) + Math.abs(data[i + 1]! - c[1]) + Math.abs(data[i + 2]! - c[2]) <= t) n++;
      return n;
    },
    [png.toString('base64'), rgb, tolerance] as const,
  );
}

describe('pictures in the board’s history', () => {
  it('the replay shows a picture as the board did, the PNG and SVG exports hold it, and a fork carries it', { timeout: 120_000 }, async () => {
    const board = 'e2e-pic-history';
    const [ann] = await twoEditorsOn(env, board);
    const before = Date.now();
    await ann.waitForTimeout(30);
    await pasteFiles(ann, [{ name: 'purple.png', type: 'image/png', bytes: await solidPicture(200, 120, [156, 54, 181]) }]);
    await ann.waitForFunction(() => (window as unknown as { whiteboard: { client: { unacknowledged: number; state: { shapes: Map<string, unknown> } } } }).whiteboard.client.state.shapes.size === 1);
    await settled(ann);
    const [image] = await shapesOf(ann);

    // PNG of the view: the picture, painted from its file.
    await ann.keyboard.press('Escape');
    await ann.click('#export summary');
    const [png] = await Promise.all([ann.waitForEvent('download'), ann.click('[data-export="png-view"]')]);
    expect(await pngPixelsLike(ann, await readFile((await png.path())!), [156, 54, 181])).toBeGreaterThan(20_000);

    // The server's SVG at a moment: before the paste, no picture; after it, the picture inside the document.
    const svgAt = async (at: number) => (await fetch(`${env.server.http}/api/boards/${board}/export.svg?at=${at}`)).text();
    expect(await svgAt(before)).not.toContain('<image');
    const svg = await svgAt(Date.now());
    const href = /<image href="data:image\/png;base64,([^"]+)"/.exec(svg)?.[1];
    expect(href).toBeDefined();
    const served = Buffer.from(await (await fetch(`${env.server.http}/files/${image!.file}`)).arrayBuffer());
    expect(Buffer.from(href!, 'base64').equals(served)).toBe(true);

    // The replay, played to its end, shows it where the board did.
    const view = { x: 0, y: 0, zoom: 1 };
    const replay = await env.open(`/b/${board}/replay?speed=8`, 'Viewer', {}, { [`whiteboard.view.${board}`]: JSON.stringify(view) });
    await replay.waitForFunction(() => document.body.dataset.replay === 'ended', undefined, { timeout: 60_000 });
    const [x, y] = [image!.m[4] + 100, image!.m[5] + 60];
    await expect.poll(() => pixelsLike(replay, { x: x - 40, y: y - 30, w: 80, h: 60 }, [156, 54, 181], 30)).toBeGreaterThan(4_000);

    // A fork of the board carries the element, and its picture is served to the new board's pages.
    const fork = await fetch(`${env.server.http}/api/boards/${board}/fork`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ at: Date.now() }) });
    const { url } = (await fork.json()) as { url: string };
    const forked = await env.open(url, 'Forker', {}, { [`whiteboard.view.${url.split('/')[2]}`]: JSON.stringify(view) });
    await forked.waitForFunction(() => document.body.dataset.status === 'live');
    expect((await shapesOf(forked)).map((s) => [s.type, s.file])).toEqual([['image', image!.file]]);
    await expect.poll(() => pixelsLike(forked, { x: x - 40, y: y - 30, w: 80, h: 60 }, [156, 54, 181], 30)).toBeGreaterThan(4_000);
  });
});

describe('pictures and the page’s policy', () => {
  it('pasting, dropping and importing a PDF broke none of the Content-Security-Policy’s rules on any page above', () => {
    expect(env.cspViolations).toEqual([]);
  });
});
