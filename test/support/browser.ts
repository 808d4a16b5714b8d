/** Debian's Chromium driven by playwright-core; a missing browser is a failure, never a skip. */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { startServer, type RunningServer } from './server.ts';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: install it (apt-get install -y chromium) or set CHROMIUM_PATH`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * For a browser test file: a server and Chromium for all its tests, and
 * pages that each get a browser profile of their own (another user).
 */
export function useBrowserAndServer(viewport = { width: 900, height: 700 }) {
  const session = { server: null as unknown as RunningServer, browser: null as unknown as Browser };
  beforeAll(async () => {
    session.server = await startServer();
    session.browser = await launchChromium();
  });
  afterAll(async () => {
    await session.browser?.close();
    await session.server?.close();
  });
  /** Content-Security-Policy violations seen on any page opened here (the pages must pass the server's CSP). */
  const cspViolations: string[] = [];
  return {
    get server() {
      return session.server;
    },
    cspViolations,
    /** Opens `path` as a new user whose nickname is already known (`options`: a phone's viewport and touch, say; `storage`: localStorage items). */
    async open(path: string, nickname: string, options: BrowserContextOptions = {}, storage: Record<string, string> = {}): Promise<Page> {
      const context = await session.browser.newContext({ viewport, ...options });
      // The nickname, and whatever else the browser should hold before the page loads (a saved view, say).
      const items = { 'whiteboard.name': nickname, ...storage };
      await context.addInitScript((entries) => entries.forEach(([k, v]) => localStorage.setItem(k, v)), Object.entries(items));
      const page = await context.newPage();
      page.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) cspViolations.push(`${page.url()}: ${message.text()}`);
      });
      await page.goto(`${session.server.http}${path}`);
      return page;
    },
  };
}

/** A page of a browser profile of its own (another person) whose nickname is known, live on the board at `url`. */
export async function openLive(browser: Browser, url: string, nickname: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 900, height: 700 } });
  await context.addInitScript((name) => localStorage.setItem('whiteboard.name', name), nickname);
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.status === 'live');
  return page;
}

/** Drags between two points of the board, in CSS pixels from the canvas's top-left corner (toolbars differ in height). */
export async function dragOnBoard(page: Page, from: [number, number], to: [number, number], steps = 20): Promise<void> {
  const top = await page.evaluate(() => document.querySelector('#board')!.getBoundingClientRect().top);
  await page.mouse.move(from[0], from[1] + top);
  await page.mouse.down();
  await page.mouse.move(to[0], to[1] + top, { steps });
  await page.mouse.up();
}
