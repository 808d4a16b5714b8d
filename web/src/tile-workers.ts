/**
 * The tile workers (tile-worker.ts), seen from the page: every change goes
 * to each of them in the same order (each holds its own copy of the settled
 * items), and a paint goes to the least busy, a few at a time.
 */
import type { FromWorker, TileAddress, ToWorker } from './tiles.ts';
import type { Rect } from './view.ts';

/** Paint requests on their way to each worker at once: enough to keep it busy, few enough that panning away wastes little. */
const IN_FLIGHT = 2;
/**
 * Tile workers. Two paint a board that just loaded in about half the time
 * of one (BENCHMARKS.md), even on two cores: the page's own thread is idle
 * meanwhile.
 */
const WORKERS = 2;

export class TileWorkers {
  private readonly workers: { worker: Worker; inFlight: number }[] = [];

  /**
   * `painted` receives each bitmap and which worker painted it; `failed` is
   * told when a paint was lost (its tiles must be asked for again);
   * `picture` when a worker has a picture it painted as a placeholder.
   */
  constructor(painted: (message: Extract<FromWorker, { t: 'painted' }>, painter: number) => void, failed: () => void, picture: (hash: string) => void) {
    for (let i = 0; i < WORKERS; i++) {
      const entry = { worker: new Worker('/tile-worker.js', { type: 'module', name: `tiles-${i}` }), inFlight: 0 };
      entry.worker.onmessage = ({ data }: MessageEvent<FromWorker>) => {
        if (data.t === 'picture') return picture(data.hash);
        entry.inFlight--;
        if (data.partly) this.partial++;
        painted(data, i);
      };
      // A failed paint must not hold its tiles back for good.
      entry.worker.onerror = (event) => {
        console.error('tile painting failed', event.message);
        entry.inFlight = 0;
        failed();
      };
      this.workers.push(entry);
    }
  }

  /** Every worker sees every change, in the same order. */
  postAll(message: ToWorker): void {
    for (const { worker } of this.workers) worker.postMessage(message);
  }

  /**
   * While many elements move on the page (a drag), only one worker paints:
   * on two cores the other is the page's, which has a frame to make every
   * 16 ms, and the tiles a drag dirties can wait a little.
   */
  quiet = false;

  private get painters() {
    return this.quiet ? this.workers.slice(0, 1) : this.workers;
  }

  /** Tiles painted again only where they changed (tests read it). */
  partial = 0;

  /** Whether a paint may be asked for now: some worker has room. */
  get idle(): boolean {
    return this.painters.some((w) => w.inFlight < IN_FLIGHT);
  }

  /**
   * Asks the least busy worker to paint a tile as of `version` (call when
   * idle); with `only`, the worker that painted the bitmap on screen
   * repaints just the rectangles changed since, if it has room.
   */
  paint(tile: TileAddress, version: number, only: { painter: number; since: number; rects: Rect[] } | null): void {
    const least = this.painters.reduce((a, b) => (b.inFlight < a.inFlight ? b : a));
    const painter = only ? this.workers[only.painter] : undefined;
    const chosen = painter && painter.inFlight < IN_FLIGHT ? painter : least;
    chosen.inFlight++;
    const address = { level: tile.level, tx: tile.tx, ty: tile.ty };
    const message: ToWorker = chosen === painter ? { t: 'paint', tile: address, version, only: { since: only!.since, rects: only!.rects } } : { t: 'paint', tile: address, version };
    chosen.worker.postMessage(message);
  }
}
