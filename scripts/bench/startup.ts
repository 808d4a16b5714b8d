/**
 * The server compiled ahead of time (dist/server.mjs, what `npm start`
 * runs) against the same sources run through tsx (`node --import tsx
 * server/main.ts`, what it ran before): time from spawn to /readyz, and
 * resident memory once idle and after a page has joined a board of 100,000
 * points drawn as people draw (`npm run seed`'s generator), on the embedded
 * log. Runs alternate, medians.
 *
 *   npx tsx scripts/bench/startup.ts [--runs 5]
 */
import { spawn } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort } from '../kafka-local.ts';
import { processUsage, serverEntry } from './targets.ts';
import { startFlags } from '../start-command.ts';
import { EmbeddedLog } from '../../server/log/embedded-log.ts';
import { seedBoard } from '../seed/realistic-board.ts';
import { joinOnce } from './late-join.ts';

const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const RUNS = Number(args.runs);
const root = fileURLToPath(new URL('../..', import.meta.url));

const ways = {
  'compiled (npm start)': [...startFlags(), serverEntry()],
  'through tsx (node --import tsx server/main.ts)': [...startFlags(), '--import', 'tsx', 'server/main.ts'],
} as const;
type Way = keyof typeof ways;
type Run = { readyMs: number; idleMb: number; loadedMb: number };

/** One seeded board, copied for every run (a server writes to its data directory). */
const seeded = await mkdtemp(join(tmpdir(), 'bench-startup-seed-'));
const seedLog = new EmbeddedLog(seeded);
await seedBoard(seedLog, 'seeded', { points: 100_000, seed: 1 });
await seedLog.close();

async function once(way: Way): Promise<Run> {
  const port = await freePort();
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-startup-'));
  await cp(seeded, dataDir, { recursive: true });
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('KAFKA_')));
  const started = performance.now();
  const child = spawn(process.execPath, [...ways[way]], {
    cwd: root,
    env: { ...env, HOST: '127.0.0.1', PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'warn', METRICS_PORT: '0' },
    stdio: 'ignore',
  });
  try {
    const http = `http://127.0.0.1:${port}`;
    while (!(await fetch(`${http}/readyz`).then((r) => r.ok, () => false))) {
      if (performance.now() - started > 60_000) throw new Error(`${way} did not get ready`);
      await new Promise((r) => setTimeout(r, 10));
    }
    const readyMs = performance.now() - started;
    await new Promise((r) => setTimeout(r, 3_000));
    const idleMb = processUsage(child.pid!).rssBytes / 2 ** 20;
    await joinOnce(`ws://127.0.0.1:${port}`, 'seeded');
    await new Promise((r) => setTimeout(r, 1_000));
    const loadedMb = processUsage(child.pid!).rssBytes / 2 ** 20;
    return { readyMs, idleMb, loadedMb };
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    await rm(dataDir, { recursive: true, force: true });
  }
}

const runs = new Map<Way, Run[]>(Object.keys(ways).map((w) => [w as Way, []]));
for (let r = 0; r < RUNS; r++) for (const way of Object.keys(ways) as Way[]) runs.get(way)!.push(await once(way));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const base = runs.get('through tsx (node --import tsx server/main.ts)')!;
console.log(`Start-up and memory, embedded log, medians of ${RUNS} alternating runs\n`);
console.log('| server | ready ms | ÷ tsx | RSS idle MB | ÷ tsx | RSS with a 100k-point board loaded MB | ÷ tsx |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const [way, list] of runs) {
  const m = (f: (r: Run) => number) => median(list.map(f));
  const ratio = (f: (r: Run) => number) => (m(f) / median(base.map(f))).toFixed(2);
  console.log(
    `| ${way} | ${m((r) => r.readyMs).toFixed(0)} | ${ratio((r) => r.readyMs)}× | ${m((r) => r.idleMb).toFixed(0)} | ${ratio((r) => r.idleMb)}× | ${m((r) => r.loadedMb).toFixed(0)} | ${ratio((r) => r.loadedMb)}× |`,
  );
}
await rm(seeded, { recursive: true, force: true });
