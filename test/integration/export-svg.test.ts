/**
 * SVG export over HTTP from the real server process: strokes drawn over a
 * WebSocket, one erased, and the board exported before and after the erase.
 */
import { SaxesParser } from 'saxes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePoints } from '../../server/protocol/points.ts';
import { converged, waitUntil, webClient, type TestClient } from '../support/board-client.ts';
import { freePort, ServerProcess, startServer, tempDir } from '../support/server.ts';

type Element = { name: string; attrs: Record<string, string> };

/** The document's elements, read by saxes, a strict XML parser: malformed XML throws. */
function parseSvg(text: string): Element[] {
  const parser = new SaxesParser({ xmlns: true });
  const elements: Element[] = [];
  parser.on('error', (error) => {
    throw error;
  });
  parser.on('opentag', (tag) => {
    elements.push({ name: tag.local, attrs: Object.fromEntries(Object.entries(tag.attributes).map(([name, a]) => [name, a.value])) });
  });
  parser.write(text).close();
  return elements;
}

const BOARD = 'export-me';
let dir: Awaited<ReturnType<typeof tempDir>>;
let server: ServerProcess;
let ann: TestClient;
let bob: TestClient;
const ids: Record<'ann' | 'bob' | 'far', string> = { ann: '', bob: '', far: 'far-1' };
let beforeErase = 0;
let afterErase = 0;

async function exportAt(query: string): Promise<{ res: Response; paths: Element[]; viewBox: number[] }> {
  const res = await fetch(`${server.http}/api/boards/${BOARD}/export.svg${query}`);
  expect(res.status).toBe(200);
  const [svg, ...rest] = parseSvg(await res.text());
  expect(svg!.name).toBe('svg');
  return { res, paths: rest.filter((e) => e.name === 'path'), viewBox: svg!.attrs.viewBox!.split(' ').map(Number) };
}

beforeAll(async () => {
  dir = await tempDir();
  server = new ServerProcess(await freePort(), dir.path);
  await server.start();
  ann = webClient(server.ws, BOARD, 'ann', 'Ann <&> "A"');
  bob = webClient(server.ws, BOARD, 'bob', 'Bob');
  await Promise.all([ann.live(), bob.live()]);
  ids.ann = ann.stroke([{ x: 10, y: 10 }, { x: 80, y: 40 }, { x: 120, y: 90 }]);
  ids.bob = bob.stroke([{ x: 30, y: 100 }, { x: 60, y: 140 }, { x: 90, y: 120 }]);
  // Far off in negative coordinates, in quarter units: the export honours the precision.
  const far = [{ x: -400.25, y: -300.75 }, { x: -380.5, y: -310 }, { x: -360, y: -290.25 }];
  bob.send({ k: 'begin', id: ids.far, color: '#2f9e44', w: 8, q: 2, p: encodePoints(far, false, 2) });
  bob.send({ k: 'end', id: ids.far });
  await converged([ann, bob]);
  beforeErase = ann.state.ts;
  // The erase must land on a later millisecond than the strokes.
  await waitUntil(() => Date.now() > beforeErase + 2, 'the clock moves on');
  ann.send({ k: 'erase', ids: [ids.bob] });
  await converged([ann, bob]);
  afterErase = ann.state.ts;
  expect(afterErase).toBeGreaterThan(beforeErase);
}, 60_000);

afterAll(async () => {
  ann?.close();
  bob?.close();
  await server?.stop('SIGTERM');
  await dir?.remove();
});

describe('SVG export', () => {
  it('before the erase: every stroke, in drawing order, with its author, inside the viewBox', async () => {
    const { res, paths, viewBox } = await exportAt(`?at=${beforeErase}`);
    expect(res.headers.get('content-type')).toBe('image/svg+xml; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(new RegExp(`^attachment; filename="${BOARD}-\\d{8}T\\d{6}\\.\\d{3}Z\\.svg"$`));
    expect(paths.map((p) => p.attrs['data-id'])).toEqual([ids.ann, ids.bob, ids.far]);
    expect(paths.map((p) => p.attrs['data-author'])).toEqual(['Ann <&> "A"', 'Bob', 'Bob']);
    expect(paths.map((p) => p.attrs.fill)).toEqual(['#e03131', '#e03131', '#2f9e44']);

    const [x, y, width, height] = viewBox as [number, number, number, number];
    for (const p of paths) {
      const numbers = p.attrs.d!.match(/-?\d+(\.\d+)?/g)!.map(Number);
      for (let i = 0; i < numbers.length; i += 2) {
        expect(numbers[i]).toBeGreaterThanOrEqual(x);
        expect(numbers[i]).toBeLessThanOrEqual(x + width);
        expect(numbers[i + 1]).toBeGreaterThanOrEqual(y);
        expect(numbers[i + 1]).toBeLessThanOrEqual(y + height);
      }
    }
    // The page fits the drawing (x -400.25..120, y -310..140), not four times it.
    expect(x).toBeLessThan(-400);
    expect(x).toBeGreaterThan(-500);
    expect(y).toBeLessThan(-310);
    expect(y).toBeGreaterThan(-410);
    expect(x + width).toBeGreaterThan(120);
    expect(y + height).toBeGreaterThan(140);
  });

  it('after the erase, and now: the erased stroke is gone', async () => {
    expect((await exportAt(`?at=${afterErase}`)).paths.map((p) => p.attrs['data-id'])).toEqual([ids.ann, ids.far]);
    expect((await exportAt('')).paths.map((p) => p.attrs['data-id'])).toEqual([ids.ann, ids.far]);
  });

  it('before anything was drawn, and an unknown board: a blank page', async () => {
    expect((await exportAt('?at=1')).paths).toEqual([]);
    const res = await fetch(`${server.http}/api/boards/never-drawn/export.svg`);
    expect(res.status).toBe(200);
    expect(parseSvg(await res.text()).map((e) => e.name)).toEqual(['svg', 'title', 'rect']);
  });

  it('refuses a bad time or board id with a reason', async () => {
    for (const at of ['-1', 'yesterday', '1.5', '9000000000000000']) {
      const res = await fetch(`${server.http}/api/boards/${BOARD}/export.svg?at=${at}`);
      expect(res.status, at).toBe(400);
      expect(((await res.json()) as { message: string }).message).toMatch(/at/);
    }
    expect((await fetch(`${server.http}/api/boards/bad%20id/export.svg`)).status).toBe(400);
  });
});

describe('SVG export of the paper', () => {
  it("draws the board's paper of the moment as a pattern, unless paper=0", async () => {
    const board = 'export-paper';
    const cat = webClient(server.ws, board, 'cat', 'Cat');
    try {
      await cat.live();
      cat.stroke([{ x: 10, y: 10 }, { x: 60, y: 30 }]);
      await converged([cat]);
      const moments: { paper: string; at: number }[] = [{ paper: 'blank', at: cat.state.ts }];
      for (const paper of ['dots', 'squares', 'lines', 'blank'] as const) {
        // Each on a later millisecond, so each moment has its own paper.
        const last = cat.state.ts;
        await waitUntil(() => Date.now() > last + 2, 'the clock moves on');
        cat.send({ k: 'board', v: 1, paper });
        await converged([cat]);
        moments.push({ paper, at: cat.state.ts });
      }
      const get = async (query: string) => {
        const res = await fetch(`${server.http}/api/boards/${board}/export.svg${query}`);
        expect(res.status).toBe(200);
        return parseSvg(await res.text());
      };
      for (const { paper, at } of moments) {
        const elements = await get(`?at=${at}`);
        const pattern = elements.find((e) => e.name === 'pattern');
        const fill = elements.find((e) => e.name === 'rect' && e.attrs.fill === 'url(#paper)');
        const [x, y, width, height] = elements[0]!.attrs.viewBox!.split(' ');
        if (paper === 'blank') {
          expect([pattern, fill], `${paper} at ${at}`).toEqual([undefined, undefined]);
        } else {
          expect(pattern?.attrs, paper).toMatchObject({ id: 'paper', 'data-paper': paper, width: '24', height: '24' });
          expect(fill?.attrs, paper).toMatchObject({ x, y, width, height });
        }
        // Left out on request: the white page and the ink only.
        expect((await get(`?at=${at}&paper=0`)).map((e) => e.name), `${paper} left out`).toEqual(['svg', 'title', 'rect', 'path']);
        // paper=1 is the default, said out loud.
        expect((await get(`?at=${at}&paper=1`)).some((e) => e.name === 'pattern'), `${paper} asked for`).toBe(paper !== 'blank');
      }
      for (const flag of ['2', 'no', '-1']) expect((await fetch(`${server.http}/api/boards/${board}/export.svg?paper=${flag}`)).status, flag).toBe(400);
    } finally {
      cat.close();
    }
  });
});

describe('SVG export quota', () => {
  it('is rate limited per address like the other history requests', async () => {
    const s = await startServer(undefined, { quotas: { apiRequestsPerMinute: 2 } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) statuses.push((await fetch(`${s.http}/api/boards/limited/export.svg`)).status);
      expect(statuses).toEqual([200, 200, 429]);
    } finally {
      await s.close();
    }
  });
});
