/**
 * The tile workers (tile-worker.ts), seen from the page: every change goes
 * to each of them in the same order (each holds its own copy of the settled
 * items), and a paint goes to the least busy, a few at a time.
 */
import type { FromWorker, TileAddress, ToWorker } from './tiles.ts';

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

  /** `painted` receives each bitmap; `failed` is told when a paint was lost (its tiles must be asked for again). */
  constructor(painted: (message: FromWorker) => void, failed: () => void) {
    for (let i = 0; i < WORKERS; i++) {
      const entry = { worker: new Worker('/tile-worker.js', { type: 'module', name: `tiles-${i}` }), inFlight: 0 };
      entry.worker.onmessage = ({ data }: MessageEvent<FromWorker>) => {
        entry.inFlight--;
        painted(data);
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

  /** Whether a paint may be asked for now: some worker has room. */
  get idle(): boolean {
    return this.painters.some((w) => w.inFlight < IN_FLIGHT);
  }

  /** Asks the least busy worker to paint a tile as of `version` (call when idle). */
  paint(tile: TileAddress, version: number): void {
    const least = this.painters.reduce((a, b) => (b.inFlight < a.inFlight ? b : a));
    least.inFlight++;
    least.worker.postMessage({ t: 'paint', tile: { level: tile.level, tx: tile.tx, ty: tile.ty }, version } satisfies ToWorker);
  }
}
