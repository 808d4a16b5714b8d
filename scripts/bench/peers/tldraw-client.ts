/**
 * A load-generator client of tldraw's sync server through its own client
 * (`TLSyncClient` over `ClientWebSocketAdapter`, `@tldraw/sync-core`), one
 * WebSocket per client, on a store of tldraw's schema. A stroke is a draw
 * shape created with its first batch; each batch appends its points to the
 * segment's path (tldraw's base64: the first point in float32s, then
 * float16 deltas), as tldraw's draw tool grows a line. The client sends
 * what changed at most 30 times a second, on animation frames (its own
 * pacing, counted in the latency); presence is off.
 *
 * The client library expects a browser around it: a `window`, a
 * `document` and a `navigator` to listen for going online and being
 * hidden, and a screen's pixel ratio, given here as inert stand-ins; and
 * `requestAnimationFrame` to pace its work, given as a 60 Hz display's.
 *
 * A batch is known on arrival by its shape and its point count after it.
 */
import { setMaxListeners } from 'node:events';
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import type { Batch, BenchClient, Connect } from '../bench-client.ts';
import { importPeer } from './install.ts';

function listenedBy(target: EventTarget): EventTarget {
  setMaxListeners(0, target);
  return target;
}

const globals = globalThis as Record<string, unknown>;
// ws's, even where Node has a WebSocket of its own (22 and later): the wire's bytes are counted on its TCP socket.
globals.WebSocket = WebSocket;
// Every client listens on them: as many listeners as clients, no leak.
globals.window ??= Object.assign(listenedBy(new EventTarget()), { devicePixelRatio: 1 });
globals.document ??= Object.assign(listenedBy(new EventTarget()), { hidden: false });
globals.navigator ??= {};
globals.requestAnimationFrame ??= (f: (now: number) => void) => setTimeout(() => f(performance.now()), 1000 / 60);
globals.cancelAnimationFrame ??= (timer: NodeJS.Timeout) => clearTimeout(timer);

/** Characters of the path: the first point in 16 (3 float32s), each further one in 8 (3 float16 deltas). */
const FIRST_POINT_CHARS = 16;
const CHARS_PER_POINT = 8;

type ShapeRecord = { id: string; typeName: string; type?: string; props?: { segments?: { path: string }[] } };
type Store = { put(records: unknown[]): void; update(id: string, f: (r: ShapeRecord) => ShapeRecord): void };
type ServerEvent = { type: string; diff?: Record<string, unknown> };
type Schema = { types: { shape: { create(r: object): ShapeRecord } } };
type TlSchema = { createTLSchema(): Schema; b64Vecs: { encodePoints(points: { x: number; y: number; z: number }[]): string } };
type StoreModule = { Store: new (opts: { schema: Schema; props: object }) => Store };
type StateModule = { computed(name: string, f: () => null): unknown };
type SyncCore = {
  ClientWebSocketAdapter: new (getUri: () => string) => {
    close(): void;
    _ws?: WebSocket | null;
    onReceiveMessage(f: (message: ServerEvent & { data?: ServerEvent[] }) => void): () => void;
  };
  TLSyncClient: new (config: object) => { close(): void };
};

const { createTLSchema, b64Vecs } = await importPeer<TlSchema>('@tldraw/tlschema');
const { Store } = await importPeer<StoreModule>('@tldraw/store');
const { computed } = await importPeer<StateModule>('@tldraw/state');
const { ClientWebSocketAdapter, TLSyncClient } = await importPeer<SyncCore>('@tldraw/sync-core');
const schema = createTLSchema();

const pointsOf = (chars: number) => (chars === 0 ? 0 : 1 + (chars - FIRST_POINT_CHARS) / CHARS_PER_POINT);

/**
 * The length of a draw shape's path after one record operation of a patch,
 * wherever it sits: a record put whole (`path` a string), or a value
 * operation under the `path` key (`['put', text]`, `['append', text, offset]`).
 */
function pathChars(value: unknown): number | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const path = (value as { path?: unknown }).path;
  if (typeof path === 'string') return path.length;
  if (Array.isArray(path) && path[0] === 'put' && typeof path[1] === 'string') return path[1].length;
  if (Array.isArray(path) && path[0] === 'append' && typeof path[1] === 'string') return Number(path[2]) + path[1].length;
  for (const inner of Object.values(value)) {
    const found = pathChars(inner);
    if (found !== undefined) return found;
  }
  return undefined;
}

export const connectTldraw: Connect = (url, board, drawer, meter) =>
  new Promise((resolve, reject) => {
    const store = new Store({ schema, props: { defaultName: '', assets: {}, onMount: () => undefined } });
    const socket = new ClientWebSocketAdapter(() => `${url}/${board}?sessionId=${Math.random().toString(36).slice(2)}`);
    const ws = () => socket._ws ?? null;
    /** Each open stroke's points so far, relative to its first, for its path (as the draw tool holds them). */
    const drawn = new Map<string, { origin: { x: number; y: number }; points: { x: number; y: number; z: number }[] }>();
    // Another client's batches arrived, read off the server's patches as they come (the store tells its
    // listeners only on the next animation frame): every batch boundary up to the shape's new point count.
    const seen = new Map<string, number>();
    socket.onReceiveMessage((message) => {
      for (const event of message.type === 'data' ? (message.data ?? []) : [message]) {
        if (event.type !== 'patch') continue;
        for (const [id, op] of Object.entries(event.diff ?? {})) {
          const chars = pathChars(op);
          if (chars === undefined) continue;
          const from = seen.get(id) ?? 0;
          const to = pointsOf(chars);
          seen.set(id, to);
          meter.received(Math.max(0, to - from));
          for (let end = from + 2; end <= to; end += 2) meter.delivered(`${id}:${end}`, 2);
        }
      }
    });
    let loaded = false;
    const sync = new TLSyncClient({
      store,
      socket,
      presence: computed('presence', () => null),
      onLoad: () => {
        loaded = true;
        resolve(client);
      },
      onSyncError: (reason: string) => (loaded ? meter.error(`tldraw sync error ${reason}`) : reject(new Error(`tldraw sync error ${reason}`))),
    });
    setTimeout(() => (loaded ? undefined : reject(new Error(`tldraw: ${board} not loaded within 30 s`))), 30_000).unref();
    const client: BenchClient = {
      drawer,
      open: () => ws()?.readyState === WebSocket.OPEN,
      tcp: () => (ws() as unknown as { _socket: Socket | null } | null)?._socket ?? null,
      close: () => {
        sync.close();
        socket.close();
      },
      send(batch: Batch) {
        const id = `shape:${batch.stroke}`;
        const stroke = drawn.get(id) ?? { origin: batch.points[0]!, points: [] };
        drawn.set(id, stroke);
        const points = stroke.points;
        for (const p of batch.points) points.push({ x: p.x - stroke.origin.x, y: p.y - stroke.origin.y, z: 0.5 });
        const segments = [{ type: 'free', path: b64Vecs.encodePoints(points) }];
        meter.sent(`${id}:${points.length}`);
        if (batch.first) {
          store.put([
            schema.types.shape.create({
              id, type: 'draw', x: batch.points[0]!.x, y: batch.points[0]!.y, parentId: 'page:page', index: 'a1',
              props: { color: 'black', fill: 'none', dash: 'draw', size: 'm', segments, isComplete: false, isClosed: false, isPen: false, scale: 1, scaleX: 1, scaleY: 1 },
            }),
          ]);
        } else {
          store.update(id, (shape) => ({ ...shape, props: { ...shape.props, segments, ...(batch.last ? { isComplete: true } : {}) } }));
        }
        if (batch.last) drawn.delete(id);
      },
    };
  });
