/**
 * Web hygiene on a real server: board sockets only from the server's own
 * pages (or allowed origins), security headers on every page, and no
 * secret in the logs, whatever clients send.
 */
import { Writable } from 'node:stream';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../server/logger.ts';
import { PROTOCOL_VERSION } from '../../server/protocol/messages.ts';
import { encodePoints } from '../../server/protocol/points.ts';
import { rawSocket } from '../support/board-client.ts';
import { startServer, type RunningServer } from '../support/server.ts';

let server: RunningServer;
let logs = '';
const ALLOWED = 'https://board.example.org';

beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs += chunk.toString();
      done();
    },
  });
  // The server's own logger, at its most talkative level.
  server = await startServer(undefined, { logger: createLogger('trace', sink), allowedOrigins: [ALLOWED] });
});
afterAll(() => server.close());

/** Opens a board socket as a browser on `origin` would; resolves with the HTTP status of a refusal, or 101. */
function upgradeFrom(origin: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${server.ws}/ws/origins`, origin ? { origin } : {});
    socket.on('open', () => {
      socket.close();
      resolve(101);
    });
    socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    socket.on('error', (err) => reject(err));
  });
}

describe('board sockets and origins', () => {
  it('refuses pages of other origins, accepts the server’s own pages, allowed origins and non-browser clients', async () => {
    expect(await upgradeFrom('https://evil.example')).toBe(403);
    expect(await upgradeFrom('null')).toBe(403);
    expect(await upgradeFrom(server.http)).toBe(101);
    expect(await upgradeFrom(ALLOWED)).toBe(101);
    expect(await upgradeFrom(undefined)).toBe(101);
    expect(logs).toMatch(/board socket from a foreign origin refused/);
  });
});

describe('security headers', () => {
  it('every page carries a strict Content-Security-Policy and the usual protections', async () => {
    for (const path of ['/', '/b/headers', '/b/headers/replay', '/app.js', '/home.js']) {
      const res = await fetch(`${server.http}${path}`);
      expect(res.status).toBe(200);
      const csp = res.headers.get('content-security-policy')!;
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).not.toContain('upgrade-insecure-requests');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    }
  });
});

describe('logs', () => {
  it('hold no browser, page or edit key, however clients misbehave, and no fork’s new edit key', async () => {
    const secrets = { user: 'SecretBrowserKey123', cid: 'SecretPageKey456', key: 'SecretEditKey789' };
    const good = await rawSocket(server.ws, 'secrets');
    good.send({ t: 'hello', v: PROTOCOL_VERSION, name: 'Ann', ...secrets });
    await good.next((m) => m.t === 'synced');
    good.op(1, { k: 'claim' });
    good.op(2, { k: 'begin', id: 's1', color: '#000000', w: 2, p: encodePoints([{ x: 1, y: 1 }], false) });
    await good.next((m) => m.t === 'rec' && m.r.seq === 2);
    good.op(3, { k: 'end', id: 'nope' });
    await good.next((m) => m.t === 'error');

    // Hostile frames that carry the secrets in every field the server reads.
    const bad = await rawSocket(server.ws, 'secrets');
    bad.send({ t: 'hello', v: PROTOCOL_VERSION, user: secrets.user, cid: secrets.cid, key: `${secrets.key}!`, name: 'x' });
    bad.send({ t: secrets.user });
    bad.send({ t: 'op', s: 1, o: { k: secrets.key } });
    bad.send(`{"t":"hello","user":"${secrets.user}"`);
    await bad.next((m) => m.t === 'error');
    bad.socket.close();

    const fork = await fetch(`${server.http}/api/boards/secrets/fork`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"at":${Date.now()}}` });
    const { editUrl } = (await fork.json()) as { editUrl: string };
    const forkKey = editUrl.split('#edit=')[1]!;
    good.socket.close();
    await new Promise((r) => setTimeout(r, 100));

    expect(logs).toMatch(/message refused/); // the refusals were logged...
    for (const secret of [...Object.values(secrets), forkKey]) expect(logs).not.toContain(secret); // ...without a secret
  });

  it('redacts credentials from anything logged with them', () => {
    let out = '';
    const logger = createLogger('info', new Writable({ write: (c, _e, done) => ((out += c.toString()), done()) }));
    logger.info({ kafka: { sasl: { mechanism: 'plain', username: 'u', password: 'hunter2' } }, req: { headers: { authorization: 'Bearer abc' } } }, 'x');
    expect(out).not.toContain('hunter2');
    expect(out).not.toContain('Bearer abc');
  });
});
