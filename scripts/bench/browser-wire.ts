/**
 * What drawing costs on the wire between real pages: one page draws a
 * stroke of mouse moves, one per animation frame, while another watches;
 * the DevTools protocol counts every WebSocket frame's payload both pages
 * send and receive meanwhile (Network.webSocketFrameSent/Received).
 *
 *   npx tsx scripts/bench/browser-wire.ts [--moves 120] [--rounds 3]
 *
 * The e2e test (test/e2e/wire.test.ts) asserts the goals on the same figures.
 */
import { parseArgs } from 'node:util';
import type { CDPSession, Page } from 'playwright-core';

export type WireFigures = {
  moves: number;
  /** Payload bytes per mouse move: the drawer's frames up, the watcher's frames down, the drawer's own echoes down. */
  upPerMove: number;
  downPerMove: number;
  echoPerMove: number;
  /** Frames counted, by kind: binary (opcode 2) and text (opcode 1); and the drawer's cursor frames (binary, tag 1 or 2). */
  frames: { upBinary: number; upText: number; downBinary: number; downText: number; upCursor: number };
};

type Counter = { bytes: number; binary: number; text: number; cursors: number };

/** Counts a page's WebSocket payloads in one direction while `counting` is true. */
async function countFrames(page: Page, event: 'Network.webSocketFrameSent' | 'Network.webSocketFrameReceived', state: { counting: boolean }): Promise<{ counter: Counter; cdp: CDPSession }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  const counter: Counter = { bytes: 0, binary: 0, text: 0, cursors: 0 };
  cdp.on(event, ({ response }: { response: { opcode: number; payloadData: string } }) => {
    if (!state.counting) return;
    if (response.opcode === 2) {
      const bytes = Buffer.from(response.payloadData, 'base64');
      counter.binary++;
      counter.bytes += bytes.length;
      // A page's cursor frames begin 0x01 or 0x02 (docs/protocol.md); only what it sends is counted by that.
      if (bytes[0] === 0x01 || bytes[0] === 0x02) counter.cursors++;
    } else {
      counter.text++;
      counter.bytes += Buffer.byteLength(response.payloadData);
    }
  });
  return { counter, cdp };
}

/**
 * `drawer` draws a horizontal stroke of `moves` mouse moves from (x, y),
 * one every 16 ms; `watcher` is on the same board. Both pages are live.
 */
export async function measureDrawingBytes(drawer: Page, watcher: Page, options: { moves: number; x: number; y: number }): Promise<WireFigures> {
  const state = { counting: false };
  const up = await countFrames(drawer, 'Network.webSocketFrameSent', state);
  const echo = await countFrames(drawer, 'Network.webSocketFrameReceived', state);
  const down = await countFrames(watcher, 'Network.webSocketFrameReceived', state);
  try {
    await drawer.mouse.move(options.x, options.y);
    await drawer.waitForTimeout(200);
    state.counting = true;
    await drawer.mouse.down();
    for (let i = 1; i <= options.moves; i++) {
      await drawer.mouse.move(options.x + i * 3, options.y + Math.round(Math.sin(i / 8) * 20));
      await drawer.waitForTimeout(16);
    }
    await drawer.mouse.up();
    // The last records reach the watcher.
    await drawer.waitForTimeout(500);
    state.counting = false;
  } finally {
    await Promise.all([up.cdp.detach(), echo.cdp.detach(), down.cdp.detach()]);
  }
  return {
    moves: options.moves,
    upPerMove: up.counter.bytes / options.moves,
    downPerMove: down.counter.bytes / options.moves,
    echoPerMove: echo.counter.bytes / options.moves,
    frames: { upBinary: up.counter.binary, upText: up.counter.text, downBinary: down.counter.binary, downText: down.counter.text, upCursor: up.counter.cursors },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values: args } = parseArgs({ options: { moves: { type: 'string', default: '120' }, rounds: { type: 'string', default: '3' } } });
  const { launchChromium } = await import('../../test/support/browser.ts');
  const { startServer } = await import('../../test/support/server.ts');
  const server = await startServer();
  const browser = await launchChromium();
  const rounds: WireFigures[] = [];
  try {
    for (let round = 0; round < Number(args.rounds); round++) {
      const board = `wire-${round}-${Date.now().toString(36)}`;
      // Each page a browser profile of its own; the first claims the board, the second watches.
      const open = async (name: string) => {
        const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
        await context.addInitScript((nick) => localStorage.setItem('whiteboard.name', nick), name);
        const page = await context.newPage();
        await page.goto(`${server.http}/b/${board}`);
        await page.waitForFunction(() => document.body.dataset.status === 'live');
        return page;
      };
      const drawer = await open('Ann');
      const watcher = await open('Bob');
      rounds.push(await measureDrawingBytes(drawer, watcher, { moves: Number(args.moves), x: 200, y: 300 }));
      await drawer.context().close();
      await watcher.context().close();
    }
  } finally {
    await browser.close();
    await server.close();
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const m = (pick: (f: WireFigures) => number) => median(rounds.map(pick)).toFixed(1);
  console.log(`\nDrawing between two Chromium pages: ${args.moves} mouse moves, one per 16 ms; WebSocket payload bytes per move (DevTools protocol); median of ${rounds.length}\n`);
  console.log('| drawer → server | server → watcher | server → drawer (its echoes) | binary frames up / down | text frames up / down | cursor frames up |');
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: |');
  console.log(
    `| ${m((f) => f.upPerMove)} | ${m((f) => f.downPerMove)} | ${m((f) => f.echoPerMove)} | ${m((f) => f.frames.upBinary)} / ${m((f) => f.frames.downBinary)} | ${m((f) => f.frames.upText)} / ${m((f) => f.frames.downText)} | ${m((f) => f.frames.upCursor)} |`,
  );
}
