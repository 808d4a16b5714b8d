import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../support/server.ts';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

describe('HTTP', () => {
  it('the site opens on the home page, with its script, and a link to a new board', async () => {
    const res = await fetch(`${server.http}/`, { redirect: 'manual' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('<ul id="recent"');
    expect(html).toContain('href="/new"');
    expect(html).toContain('src="/home.js"');
    expect((await fetch(`${server.http}/home.js`)).status).toBe(200);
  });

  it('/new lands on a new board with a shareable URL', async () => {
    const first = await fetch(`${server.http}/new`, { redirect: 'manual' });
    const second = await fetch(`${server.http}/new`, { redirect: 'manual' });
    expect(first.status).toBe(302);
    const location = first.headers.get('location')!;
    expect(location).toMatch(/^\/b\/[A-Za-z0-9_-]{12}$/);
    expect(second.headers.get('location')).not.toBe(location);
    const page = await fetch(`${server.http}${location}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<canvas id="board">');
    expect((await fetch(`${server.http}/app.js`)).status).toBe(200);
  });

  it('a board URL with an invalid id is a 404 with a reason', async () => {
    const res = await fetch(`${server.http}/b/${'x'.repeat(65)}`);
    expect(res.status).toBe(404);
    expect(await res.text()).toMatch(/board ids are/);
  });

  it('healthz answers while alive; readyz follows the log', async () => {
    expect(await (await fetch(`${server.http}/healthz`)).json()).toEqual({ status: 'ok' });
    expect((await fetch(`${server.http}/readyz`)).status).toBe(200);
    await server.log.close();
    const res = await fetch(`${server.http}/readyz`);
    expect(res.status).toBe(503);
    expect((await fetch(`${server.http}/healthz`)).status).toBe(200);
  });
});
