/**
 * What the load generator (load-worker.ts) needs of a client, whichever
 * server it speaks to: ours (its binary protocol) or a peer's (through the
 * peer's own client library, peers/). The generator decides what is drawn
 * and when; a client puts it on its wire and reports what arrives.
 */
import type { Socket } from 'node:net';

/** One batch of a stroke, as a pen gives it every 16 ms. */
export type Batch = { stroke: string; first: boolean; last: boolean; points: { x: number; y: number }[] };

/** Where a client reports: latency is from `sent(key)` on the drawer to `delivered(key)` on each other client. */
export interface Meter {
  sent(key: string): void;
  delivered(key: string, points: number): void;
  /** Points in what a client received (for bytes per point down). */
  received(points: number): void;
  error(message: string): void;
  /** A client that lost its socket is live again. */
  resynced(): void;
  /** Whether the window is open (a socket lost outside it is no error). */
  readonly measuring: boolean;
  readonly stopping: boolean;
}

export interface BenchClient {
  readonly drawer: boolean;
  /** Whether a batch can be sent now (between a lost socket and the next one, the pen waits). */
  open(): boolean;
  send(batch: Batch): void;
  /** The TCP socket under the client's WebSocket: its byte counters are the wire's bytes. */
  tcp(): Socket | null;
  close(): void;
}

/** Opens a client of `board` at `url` and resolves once it holds the board. */
export type Connect = (url: string, board: string, drawer: boolean, meter: Meter) => Promise<BenchClient>;
