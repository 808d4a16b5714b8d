/**
 * Test clients. `webClient` runs the web app's own BoardClient (the code the
 * browser runs: outbox, resume, reconnect) over the `ws` package; `rawSocket`
 * speaks frames directly, for hostile input.
 */
import WebSocket from 'ws';
import { afterEach, expect } from 'vitest';
import { toSnapshot } from '../../server/board/snapshot.ts';
import { visibleStrokes } from '../../server/board/state.ts';
import { PROTOCOL_VERSION, type ClientOp, type ServerMessage } from '../../server/protocol/messages.ts';
import { encodePoints } from '../../server/protocol/points.ts';
import { BoardClient } from '../../web/src/board-client.ts';
import { CheckedDownDecoder, ProtocolMismatch } from './checked-decoders.ts';

/**
 * Every binary frame a test client receives is read by the server's own
 * decoder and by one written from docs/protocol.md alone; where they
 * disagree, the test it happened in fails (below).
 */
const protocolMismatches: string[] = [];
let framesChecked = 0;

/** How many binary frames test clients have had read by both decoders so far. */
export const framesCheckedAgainstDocument = () => framesChecked;
afterEach(() => {
  expect(protocolMismatches.splice(0), 'frames the server sent that docs/protocol.md reads otherwise').toEqual([]);
});

function bytesOf(data: WebSocket.RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}

/** Reads each binary frame the socket receives with both decoders, noting where they disagree. */
function checkAgainstDocument(socket: WebSocket, board: string): void {
  const checked = new CheckedDownDecoder(board);
  socket.on('message', (data, isBinary) => {
    if (!isBinary) return;
    try {
      framesChecked++;
      checked.decode(bytesOf(data));
    } catch (err) {
      // Refused by both alike is the client's business (it reconnects); a disagreement is ours.
      if (err instanceof ProtocolMismatch) protocolMismatches.push(err.message);
    }
  });
}

/**
 * The browser client uses the global WebSocket. Node 20 has none and Node
 * 22+ has undici's; the tests use the `ws` package on every Node, as some
 * reach into its socket (to stop a client reading, say), with every frame
 * also checked against the document.
 */
class CheckedWebSocket extends WebSocket {
  constructor(address: string, ...rest: unknown[]) {
    super(address, ...(rest as []));
    checkAgainstDocument(this, decodeURIComponent(new URL(address).pathname.split('/').pop() ?? ''));
  }
}
(globalThis as { WebSocket?: unknown }).WebSocket = CheckedWebSocket;

let counter = 0;

/** Polls until `condition` holds; usable in hooks as well as tests. */
export async function waitUntil(condition: () => boolean, what: string, timeout = 10_000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export type TestClient = BoardClient & {
  refusals: string[];
  statuses: string[];
  visible(): string[];
  snapshot(): unknown;
  live(): Promise<void>;
  /** Begins, extends and ends a stroke; returns its id. */
  stroke(points?: { x: number; y: number }[]): string;
};

/** The web app's client; `key` is the board's edit key as an edit link would give it, `owner` its owner key. */
export function webClient(wsBase: string, board: string, user = `u${++counter}`, name = user, key?: string, owner?: string): TestClient {
  const client = new BoardClient({ url: `${wsBase}/ws/${board}`, user, cid: `cid${++counter}`, name, ...(key ? { key } : {}), ...(owner ? { owner } : {}) }) as TestClient;
  client.refusals = [];
  client.statuses = [];
  client.on('refused', (reason) => client.refusals.push(reason));
  client.on('status', (status) => client.statuses.push(status));
  client.visible = () => visibleStrokes(client.state).map((s) => s.id);
  client.snapshot = () => toSnapshot(client.state);
  client.live = () => waitUntil(() => client.status === 'live', `${name} is live`);
  client.stroke = (points = [{ x: 10, y: 10 }, { x: 20, y: 25 }, { x: 30, y: 35 }, { x: 44, y: 50 }]) => {
    const id = `s${++counter}`;
    client.send({ k: 'begin', id, color: '#e03131', w: 4, p: encodePoints(points.slice(0, 2), false) });
    client.send({ k: 'ext', id, p: encodePoints(points.slice(2), false) });
    client.send({ k: 'end', id });
    return id;
  };
  client.connect();
  return client;
}

/** All acknowledged and converged: nothing in flight and the same log position. */
export async function converged(clients: TestClient[], timeout = 10_000): Promise<void> {
  await waitUntil(
    () => clients.every((c) => c.unacknowledged === 0 && c.state.pos === clients[0]!.state.pos),
    'clients acknowledged and converged',
    timeout,
  );
  for (const c of clients.slice(1)) expect(c.snapshot()).toEqual(clients[0]!.snapshot());
}

export type RawSocket = {
  socket: WebSocket;
  messages: ServerMessage[];
  closed: Promise<{ code: number; reason: string }>;
  send(data: unknown): void;
  hello(extra?: Record<string, unknown>): Promise<void>;
  op(s: number, o: ClientOp): void;
  next(pred: (m: ServerMessage) => boolean, timeout?: number): Promise<ServerMessage>;
};

export async function rawSocket(wsBase: string, board: string): Promise<RawSocket> {
  const socket = new WebSocket(`${wsBase}/ws/${board}`);
  const messages: ServerMessage[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  // Records and cursors arrive in binary frames, in this connection's context.
  const decoder = new CheckedDownDecoder(board);
  socket.on('message', (data, isBinary) => {
    if (!isBinary) return messages.push(JSON.parse(data.toString()) as ServerMessage);
    try {
      framesChecked++;
      messages.push(...decoder.decode(bytesOf(data)));
    } catch (err) {
      protocolMismatches.push(err instanceof ProtocolMismatch ? err.message : `a frame no decoder reads: ${(err as Error).message}`);
    }
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const raw: RawSocket = {
    socket,
    messages,
    closed,
    send: (data) => socket.send(typeof data === 'string' || Buffer.isBuffer(data) ? data : JSON.stringify(data)),
    async hello(extra = {}) {
      raw.send({ t: 'hello', v: PROTOCOL_VERSION, user: `raw${++counter}`, cid: `raw${counter}`, name: 'Raw', ...extra });
      await raw.next((m) => m.t === 'synced');
    },
    op: (s, o) => raw.send({ t: 'op', s, o }),
    async next(pred, timeout = 5_000) {
      const start = Date.now();
      let seen = 0;
      for (;;) {
        for (; seen < messages.length; seen++) if (pred(messages[seen]!)) return messages.splice(seen, 1)[0]!;
        if (Date.now() - start > timeout) throw new Error(`no matching message; got ${JSON.stringify(messages).slice(0, 500)}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
  return raw;
}
