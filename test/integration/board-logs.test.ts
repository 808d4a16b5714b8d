/**
 * An operator follows one board through the logs with one filter: every
 * line about a board, from its socket, its room or its HTTP routes,
 * carries the board's id as `board`.
 */
import { Writable } from 'node:stream';
import { afterEach, expect, it } from 'vitest';
import { createLogger } from '../../server/logger.ts';
import { rawSocket, webClient } from '../support/board-client.ts';
import { startServer } from '../support/server.ts';

const cleanup: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

it('lines about a board carry its id: its socket, its room, its HTTP requests once routed', async () => {
  let out = '';
  const sink = new Writable({ write: (chunk, _encoding, done) => ((out += chunk.toString()), done()) });
  const server = await startServer(undefined, { logger: createLogger('debug', sink) });
  cleanup.push(() => server.close());
  const ann = webClient(server.ws, 'traced', 'ann');
  cleanup.push(() => ann.close());
  await ann.live();
  const raw = await rawSocket(server.ws, 'traced');
  cleanup.push(() => raw.socket.close());
  await raw.hello();
  raw.send('{"t":"op"');
  await raw.next((m) => m.t === 'error');
  expect((await fetch(`${server.http}/api/boards/traced/sessions`)).status).toBe(200);

  const about = (msg: string) =>
    out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { msg: string; board?: string })
      .filter((l) => l.msg === msg);
  expect(about('board loaded').map((l) => l.board)).toEqual(['traced']);
  expect(about('message refused').map((l) => l.board)).toEqual(['traced']);
  // Fastify logs `incoming request` before routing, with the URL; what follows carries the board.
  // The line is written once the response has gone: it may come just after the fetch resolves.
  await expect.poll(() => about('request completed').some((l) => l.board === 'traced')).toBe(true);
});
