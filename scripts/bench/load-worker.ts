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
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import { PER_MESSAGE_DEFLATE } from '../../server/protocol/compression.ts';
import { PROTOCOL_VERSION, type ClientOp } from '../../server/protocol/messages.ts';
import { encodePoints } from '../../server/protocol/points.ts';
import { DownDecoder, UpEncoder } from '../../server/protocol/wire.ts';

export type WorkerConfig = { urls: string[]; boards: string[]; clientsPerBoard: number; drawersPerBoard: number };

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

/** Each socket speaks the page's binary frames in its own context (server/protocol/wire.ts). */
type Client = { socket: WebSocket; cid: string; drawer: boolean; board: string; up: UpEncoder; down: DownDecoder };

/** The TCP socket under a ws client: its byte counters are the wire bytes, framing included. */
const tcp = (client: Client) => (client.socket as unknown as { _socket: Socket | null })._socket;

const clients: Client[] = [];
const sentAt = new Map<string, number>();
let histogram = new Uint32Array(BUCKETS);
let counters = { maxMs: 0, deliveredBatches: 0, deliveredPoints: 0, sentBatches: 0, sentPoints: 0, receivedPoints: 0 };
let wireAtStart = { up: 0, down: 0 };
/** Bytes on the clients' current sockets (one being replaced after a kill has none yet). */
const wire = () =>
  clients.reduce((a, c) => {
    const socket = tcp(c);
    return socket ? { up: a.up + socket.bytesWritten, down: a.down + socket.bytesRead } : a;
  }, { up: 0, down: 0 });
let measuringSince = performance.now();
const errors: string[] = [];
/** Wall-clock times (ms) clients were live again after losing their socket. */
const resyncedAt: number[] = [];
let stopping = false;
let timer: NodeJS.Timeout | null = null;

/**
 * Opens a client at `home` and resolves once it is live. A `moved` sends it
 * to the board's owner (partition ownership); a socket lost while measuring
 * (its instance killed) reconnects at `home` every 250 ms until live again,
 * and the time it is live again is noted (`resyncedAt`).
 */
function connect(home: string, board: string, drawer: boolean): Promise<Client> {
  return new Promise((resolve, reject) => {
    const user = randomBytes(9).toString('base64url');
    const cid = randomBytes(9).toString('base64url');
    let client: Client | null = null;
    let first = true;
    const open = (url: string) => {
      // Offers permessage-deflate as browsers do; the target decides.
      const socket = new WebSocket(url, { perMessageDeflate: PER_MESSAGE_DEFLATE });
      const context = { socket, up: new UpEncoder(), down: new DownDecoder(board) };
      let moving = false;
      if (client) Object.assign(client, context);
      else client = { ...context, cid: '', drawer, board };
      const current = client;
      socket.once('error', (err) => (first ? reject(err) : undefined));
      socket.on('open', () => socket.send(JSON.stringify({ t: 'hello', v: PROTOCOL_VERSION, user, cid, name: 'load' })));
      socket.on('close', (code, reason) => {
        if (moving || stopping || current.socket !== socket) return;
        if (timer) errors.push(`socket closed ${code} ${reason.toString()}`);
        if (!first) setTimeout(() => open(`${home}/ws/${board}`), 250);
      });
      socket.on('message', (data, isBinary) => {
        if (isBinary) {
          for (const message of current.down.decode(new Uint8Array(data as Buffer))) if (message.t === 'rec') received(current, message.r);
          return;
        }
        const message = JSON.parse(data.toString()) as { t: string; cid?: string; url?: string };
        if (message.t === 'welcome') current.cid = message.cid!;
        if (message.t === 'moved') {
          moving = true;
          socket.terminate();
          open(message.url!);
        }
        if (message.t === 'synced') {
          if (first) resolve(current);
          else resyncedAt.push(Date.now());
          first = false;
        }
        if (message.t === 'error') errors.push(JSON.stringify(message).slice(0, 200));
      });
    };
    open(`${home}/ws/${board}`);
  });
}

type ReceivedRecord = { cid: string; seq: number; op: { k: string } };

/** One record a client received. */
function received(client: Client, record: ReceivedRecord): void {
  if (record.op.k === 'begin' || record.op.k === 'ext') counters.receivedPoints += POINTS_PER_BATCH;
  if (record.cid === client.cid) return; // the sender's own echo is its acknowledgement
  const started = sentAt.get(`${record.cid}:${record.seq}`);
  if (started === undefined) return; // sent before the window
  const ms = performance.now() - started;
  histogram[Math.min(BUCKETS - 1, Math.floor(ms / BUCKET_MS))]!++;
  counters.maxMs = Math.max(counters.maxMs, ms);
  counters.deliveredBatches++;
  counters.deliveredPoints += POINTS_PER_BATCH;
}

function draw(drawers: Client[]): void {
  let frame = -1;
  // Each page numbers its own operations 1, 2, 3…
  const seqs = new Map<Client, number>();
  const prefix = randomBytes(4).toString('hex');
  timer = setInterval(() => {
    frame++;
    for (const [i, drawer] of drawers.entries()) {
      // Between a lost socket and the next one (an instance killed), a page's pen waits.
      if (drawer.socket.readyState !== WebSocket.OPEN) continue;
      const inStroke = frame % BATCHES_PER_STROKE;
      // Stroke ids are unique per board: drawers share boards.
      const id = `${prefix}-${i}-${Math.floor(frame / BATCHES_PER_STROKE)}`;
      const x = 100 + inStroke * 4;
      const y = 100 + i * 20 + (frame % 7);
      const p = encodePoints([{ x, y }, { x: x + 2, y: y + 1 }], false);
      const op: ClientOp = inStroke === 0 ? { k: 'begin', id, color: '#1e1e1e', w: 4, p } : { k: 'ext', id, p };
      let seq = (seqs.get(drawer) ?? 0) + 1;
      const bytes = drawer.up.op({ t: 'op', s: seq, o: op });
      sentAt.set(`${drawer.cid}:${seq}`, performance.now());
      drawer.socket.send(bytes);
      counters.sentBatches++;
      counters.sentPoints += POINTS_PER_BATCH;
      if (inStroke === BATCHES_PER_STROKE - 1) drawer.socket.send(drawer.up.op({ t: 'op', s: ++seq, o: { k: 'end', id } }));
      seqs.set(drawer, seq);
    }
  }, FRAME_MS);
}

// The parent went away without a stop (killed, or timed out): nothing will read our results.
process.on('disconnect', () => process.exit(0));

process.on('message', async (message: { cmd: string; config?: WorkerConfig }) => {
  if (message.cmd === 'start') {
    const { urls, boards, clientsPerBoard, drawersPerBoard } = message.config!;
    for (const [j, board] of boards.entries()) {
      for (let i = 0; i < clientsPerBoard; i++) clients.push(await connect(urls[(i + j) % urls.length]!, board, i < drawersPerBoard));
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
    stopping = true;
    process.send!(results, () => {
      for (const c of clients) c.socket.terminate();
      process.exit(0);
    });
  }
});
