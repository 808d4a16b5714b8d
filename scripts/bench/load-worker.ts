/**
 * A load generator process (forked by standard-load.ts). It opens every
 * client of its boards, so a drawer and the watchers timing its batches
 * share one clock. With several server URLs, clients go to them round-robin,
 * each board starting one further (client i of the worker's board j to
 * `urls[(i + j) % urls.length]`), as a load balancer would: a board's
 * people sit on different servers, and each server gets its share of both
 * drawers and watchers.
 * Drawers send a batch of two points every 16 ms (a point every 8 ms,
 * batched per frame, as the web client does); latency is from a drawer
 * sending a batch to each other client of the board receiving its record.
 *
 * Protocol with the parent (IPC): parent → {cmd:'start', config} → 'ready';
 * → {cmd:'measure'} (counters reset) → {cmd:'stop'} → results, then exit.
 */
import { randomBytes } from 'node:crypto';
import type { BenchClient, Connect, Meter } from './bench-client.ts';
import { connectOurs } from './our-client.ts';

/** What the clients speak: our protocol, or a peer's through its own client library (peers/). */
export type Speaks = 'ours' | 'yjs' | 'tldraw';

export type WorkerConfig = { urls: string[]; boards: string[]; clientsPerBoard: number; drawersPerBoard: number; speaks?: Speaks };

/** A peer's client, loaded only when asked for: its library lives in .cache/peers. */
async function peerConnect(speaks: Exclude<Speaks, 'ours'>): Promise<Connect> {
  if (speaks === 'yjs') return (await import('./peers/yjs-client.ts')).connectYjs;
  if (speaks === 'tldraw') return (await import('./peers/tldraw-client.ts')).connectTldraw;
  throw new Error(`no client for ${speaks as string}`);
}

/** Latency histogram: 0.1 ms buckets up to 2 s, the rest in the last bucket. */
export const BUCKET_MS = 0.1;
export const BUCKETS = 20_000;

export type WorkerResults = {
  histogram: number[];
  maxMs: number;
  deliveredBatches: number;
  deliveredPoints: number;
  sentBatches: number;
  sentPoints: number;
  /** Points in every record every client received (its own echoes included). */
  receivedPoints: number;
  /** Bytes on the wire, WebSocket framing included. */
  bytesUp: number;
  bytesDown: number;
  seconds: number;
  errors: string[];
  /** Wall-clock times (ms) clients were live again after losing their socket (an instance killed). */
  resyncedAt: number[];
};

const POINTS_PER_BATCH = 2;
const FRAME_MS = 16;
const BATCHES_PER_STROKE = 60;

const clients: BenchClient[] = [];
const sentAt = new Map<string, number>();
let histogram = new Uint32Array(BUCKETS);
let counters = { maxMs: 0, deliveredBatches: 0, deliveredPoints: 0, sentBatches: 0, sentPoints: 0, receivedPoints: 0 };
let wireAtStart = { up: 0, down: 0 };
/** Bytes on the clients' current sockets (one being replaced after a kill has none yet). */
const wire = () =>
  clients.reduce((a, c) => {
    const socket = c.tcp();
    return socket ? { up: a.up + socket.bytesWritten, down: a.down + socket.bytesRead } : a;
  }, { up: 0, down: 0 });
let measuringSince = performance.now();
const errors: string[] = [];
/** Wall-clock times (ms) clients were live again after losing their socket. */
const resyncedAt: number[] = [];
let timer: NodeJS.Timeout | null = null;

const meter = {
  stopping: false as boolean,
  get measuring() {
    return timer !== null;
  },
  sent(key: string) {
    sentAt.set(key, performance.now());
  },
  delivered(key: string, points: number) {
    const started = sentAt.get(key);
    if (started === undefined) return; // sent before the window
    const ms = performance.now() - started;
    histogram[Math.min(BUCKETS - 1, Math.floor(ms / BUCKET_MS))]!++;
    counters.maxMs = Math.max(counters.maxMs, ms);
    counters.deliveredBatches++;
    counters.deliveredPoints += points;
  },
  received(points: number) {
    counters.receivedPoints += points;
  },
  error(message: string) {
    errors.push(message.slice(0, 200));
  },
  resynced() {
    resyncedAt.push(Date.now());
  },
} satisfies Meter;

function draw(drawers: BenchClient[]): void {
  let frame = -1;
  const prefix = randomBytes(4).toString('hex');
  timer = setInterval(() => {
    frame++;
    for (const [i, drawer] of drawers.entries()) {
      if (!drawer.open()) continue;
      const inStroke = frame % BATCHES_PER_STROKE;
      const x = 100 + inStroke * 4;
      const y = 100 + i * 20 + (frame % 7);
      drawer.send({
        // Stroke ids are unique per board: drawers share boards.
        stroke: `${prefix}-${i}-${Math.floor(frame / BATCHES_PER_STROKE)}`,
        first: inStroke === 0,
        last: inStroke === BATCHES_PER_STROKE - 1,
        points: [{ x, y }, { x: x + 2, y: y + 1 }],
      });
      counters.sentBatches++;
      counters.sentPoints += POINTS_PER_BATCH;
    }
  }, FRAME_MS);
}

// The parent went away without a stop (killed, or timed out): nothing will read our results.
process.on('disconnect', () => process.exit(0));

process.on('message', async (message: { cmd: string; config?: WorkerConfig }) => {
  if (message.cmd === 'start') {
    const { urls, boards, clientsPerBoard, drawersPerBoard, speaks = 'ours' } = message.config!;
    const connect = speaks === 'ours' ? connectOurs : await peerConnect(speaks);
    for (const [j, board] of boards.entries()) {
      for (let i = 0; i < clientsPerBoard; i++) clients.push(await connect(urls[(i + j) % urls.length]!, board, i < drawersPerBoard, meter));
    }
    draw(clients.filter((c) => c.drawer));
    process.send!('ready');
  } else if (message.cmd === 'measure') {
    histogram = new Uint32Array(BUCKETS);
    counters = { maxMs: 0, deliveredBatches: 0, deliveredPoints: 0, sentBatches: 0, sentPoints: 0, receivedPoints: 0 };
    wireAtStart = wire();
    sentAt.clear();
    measuringSince = performance.now();
  } else if (message.cmd === 'stop') {
    const seconds = (performance.now() - measuringSince) / 1000;
    clearInterval(timer!);
    timer = null;
    const now = wire();
    const results: WorkerResults = {
      histogram: Array.from(histogram),
      ...counters,
      bytesUp: now.up - wireAtStart.up,
      bytesDown: now.down - wireAtStart.down,
      seconds,
      errors: errors.slice(0, 20),
      resyncedAt,
    };
    meter.stopping = true;
    process.send!(results, () => {
      for (const c of clients) c.close();
      process.exit(0);
    });
  }
});
