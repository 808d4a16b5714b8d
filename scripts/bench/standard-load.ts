/**
 * The benchmark's load, shared by `npm run bench` (run.ts) and the
 * instances benchmark (instances.ts): boards of clients opened by separate
 * load-generator processes (load-worker.ts), a warm-up, then a measured
 * window whose latency histograms, delivered rates and wire bytes are merged
 * across the generators, with the servers' CPU and memory from /proc.
 */
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { BUCKET_MS, BUCKETS, type Speaks, type WorkerConfig, type WorkerResults } from './load-worker.ts';
import { processUsage } from './targets.ts';

/** How the load is shaped: clients per board, how many of them draw, warm-up, generator processes. */
/**
 * `split`: every generator holds a share of every board's clients (drawers
 * and watchers), instead of whole boards: one board of many people no longer
 * rests on one process, whose own work (a client library applying every
 * update, per client) would be measured as the server's latency. Latency is
 * timed between clients of the same generator, which share a clock.
 */
export type LoadShape = { clients: number; drawers: number; warmupS: number; workers: number; split?: boolean };

/** The standard load: 20 boards × 10 clients, 3 drawing, 30 s measured after 15 s of warm-up, two generators. */
export const STANDARD_LOAD = { boards: 20, clients: 10, drawers: 3, warmupS: 15, durationS: 30, workers: 2 };

export type LoadFigures = {
  boards: number;
  clients: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  batchesPerS: number;
  pointsPerS: number;
  /** CPU of the servers, summed (% of one core). */
  cpuPercent: number;
  /** Resident memory of the servers, summed: each one's mean over the window (sampled every 250 ms). */
  rssMB: number;
  /** The highest resident memory each server reached in the window, summed. */
  rssPeakMB: number;
  bytesPerPointUp: number;
  bytesPerPointDown: number;
  errors: string[];
};

/**
 * A load's figures, each server's own CPU and memory (in the order of
 * `pids`), and when clients that lost their socket were live again
 * (wall-clock ms; an instance killed mid-load: instances.ts).
 */
export type LoadRun = LoadFigures & { perProcess: { cpuPercent: number; rssMB: number; rssPeakMB: number }[]; resyncedAt: number[] };

/**
 * The servers a load runs against; `pids` are the processes measured, which
 * may include servers that get no clients. Clients go to `urls`:
 * - `round-robin` (the default): each board's clients spread over them
 *   (load-worker.ts), as a balancer that knows nothing of boards would;
 * - `by-board`: every client of a generator's boards to one of them
 *   (generator i to `urls[i % urls.length]`), as a balancer hashing the
 *   board id in the socket's path would. Even with as many generators as
 *   servers, or a multiple.
 */
export type LoadServers = { urls: string[]; pids: number[]; place?: 'round-robin' | 'by-board'; speaks?: Speaks };

/** Called just before and just after the measured window, for figures of the caller's own. */
export type WindowHooks = { start(): Promise<void>; end(): Promise<void> };

/** The middle value; the mean of the two middle ones for an even count. */
export function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function percentile(histogram: number[], total: number, q: number): number {
  let seen = 0;
  const target = Math.ceil(total * q);
  for (let i = 0; i < histogram.length; i++) {
    seen += histogram[i]!;
    if (seen >= target) return (i + 1) * BUCKET_MS;
  }
  return BUCKETS * BUCKET_MS;
}

/** Each figure's median over rounds (the worst for max); errors from all of them. */
export function medianFigures(all: LoadFigures[]): LoadFigures {
  const m = (pick: (f: LoadFigures) => number) => median(all.map(pick));
  return {
    boards: all[0]!.boards,
    clients: all[0]!.clients,
    p50: m((f) => f.p50),
    p95: m((f) => f.p95),
    p99: m((f) => f.p99),
    max: Math.max(...all.map((f) => f.max)),
    batchesPerS: m((f) => f.batchesPerS),
    pointsPerS: m((f) => f.pointsPerS),
    cpuPercent: m((f) => f.cpuPercent),
    rssMB: m((f) => f.rssMB),
    rssPeakMB: m((f) => f.rssPeakMB),
    bytesPerPointUp: m((f) => f.bytesPerPointUp),
    bytesPerPointDown: m((f) => f.bytesPerPointDown),
    errors: all.flatMap((f) => f.errors),
  };
}

/** Generator i's share of n, of `of` generators. */
const share = (n: number, i: number, of: number) => Math.floor(n / of) + (i < n % of ? 1 : 0);

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Each process's resident memory sampled through the window, mean and peak
 * in MB. A garbage-collected heap is a sawtooth (in a class of 40 drawing,
 * 60 to 108 MB of anonymous memory between major collections): read at one
 * instant, it was most of the spread between runs.
 */
export function sampleRss(pids: number[], everyMs = 250): () => { meanMB: number; peakMB: number }[] {
  const sums = pids.map(() => 0);
  const peaks = pids.map(() => 0);
  const counts = pids.map(() => 0);
  const sample = () =>
    pids.forEach((pid, i) => {
      let bytes: number;
      try {
        bytes = processUsage(pid).rssBytes;
      } catch {
        return; // a process gone (an instance killed mid-load) is left out from then on
      }
      sums[i]! += bytes;
      counts[i]! += 1;
      peaks[i] = Math.max(peaks[i]!, bytes);
    });
  sample();
  const timer = setInterval(sample, everyMs);
  return () => {
    clearInterval(timer);
    sample();
    return pids.map((_, i) => ({ meanMB: counts[i] ? sums[i]! / counts[i]! / 2 ** 20 : NaN, peakMB: counts[i] ? peaks[i]! / 2 ** 20 : NaN }));
  };
}

/** One load run: warm-up, then a measured window; figures from every worker merged. */
export async function runLoad(servers: LoadServers, boards: number, seconds: number, shape: LoadShape, hooks?: WindowHooks): Promise<LoadRun> {
  const names = Array.from({ length: boards }, (_, b) => `load-${randomBytes(3).toString('hex')}-${b}`);
  const workers = Array.from({ length: shape.workers }, () =>
    fork(new URL('./load-worker.ts', import.meta.url).pathname, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
  );
  // A generator that dies (a client library throwing) fails the run rather than leaving it waiting.
  const next = (w: (typeof workers)[number]) =>
    new Promise<unknown>((resolve, reject) => {
      w.once('message', resolve);
      w.once('exit', (code) => reject(new Error(`a load generator exited (${code}) before answering`)));
    });
  await Promise.all(
    workers.map((w, i) => {
      const config: WorkerConfig = {
        urls: servers.place === 'by-board' ? [servers.urls[i % servers.urls.length]!] : servers.urls,
        boards: shape.split ? names : names.filter((_, b) => b % workers.length === i),
        clientsPerBoard: shape.split ? share(shape.clients, i, workers.length) : shape.clients,
        drawersPerBoard: shape.split ? share(shape.drawers, i, workers.length) : shape.drawers,
        speaks: servers.speaks ?? 'ours',
      };
      const ready = next(w);
      w.send({ cmd: 'start', config });
      return ready;
    }),
  );
  await sleep(shape.warmupS * 1_000);
  for (const w of workers) w.send({ cmd: 'measure' });
  await hooks?.start();
  const before = servers.pids.map(processUsage);
  const rss = sampleRss(servers.pids);
  const started = performance.now();
  await sleep(seconds * 1_000);
  const after = servers.pids.map(processUsage);
  const memory = rss();
  const elapsed = (performance.now() - started) / 1_000;
  await hooks?.end();
  const results = (await Promise.all(
    workers.map((w) => {
      const done = next(w);
      w.send({ cmd: 'stop' });
      return done;
    }),
  )) as WorkerResults[];

  const histogram = new Array<number>(BUCKETS).fill(0);
  for (const r of results) r.histogram.forEach((n, i) => (histogram[i]! += n));
  const sum = (pick: (r: WorkerResults) => number) => results.reduce((a, r) => a + pick(r), 0);
  const delivered = sum((r) => r.deliveredBatches);
  const perProcess = after.map((a, i) => ({
    cpuPercent: ((a.cpuSeconds - before[i]!.cpuSeconds) / elapsed) * 100,
    rssMB: memory[i]!.meanMB,
    rssPeakMB: memory[i]!.peakMB,
  }));
  return {
    boards,
    clients: boards * shape.clients,
    p50: percentile(histogram, delivered, 0.5),
    p95: percentile(histogram, delivered, 0.95),
    p99: percentile(histogram, delivered, 0.99),
    max: Math.max(...results.map((r) => r.maxMs)),
    batchesPerS: delivered / elapsed,
    pointsPerS: sum((r) => r.deliveredPoints) / elapsed,
    cpuPercent: perProcess.reduce((a, p) => a + p.cpuPercent, 0),
    rssMB: perProcess.reduce((a, p) => a + p.rssMB, 0),
    rssPeakMB: perProcess.reduce((a, p) => a + p.rssPeakMB, 0),
    bytesPerPointUp: sum((r) => r.bytesUp) / Math.max(1, sum((r) => r.sentPoints)),
    bytesPerPointDown: sum((r) => r.bytesDown) / Math.max(1, sum((r) => r.receivedPoints)),
    errors: [...results.flatMap((r) => r.errors), ...(delivered === 0 ? ['no batch was delivered'] : [])],
    perProcess,
    resyncedAt: results.flatMap((r) => r.resyncedAt),
  };
}
