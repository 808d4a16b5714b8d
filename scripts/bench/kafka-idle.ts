/**
 * What one instance on Kafka costs with nobody on it: CPU (% of one core)
 * over a quiet stretch after start-up, each build started on a fresh topic
 * of the broker in KAFKA_BROKERS, runs alternating, medians. Compare two
 * builds of the server by copying one build (dist/, with its chunks) to a
 * directory beside it before making the other:
 *
 *   KAFKA_BROKERS=127.0.0.1:19092 npx tsx scripts/bench/kafka-idle.ts \
 *     [--entries dist/server.mjs,dist-before/server.mjs] [--runs 3] [--seconds 30]
 */
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { freePort } from '../kafka-local.ts';
import { processUsage, serverEntry } from './targets.ts';
import { startFlags } from '../start-command.ts';

const { values: args } = parseArgs({
  options: { entries: { type: 'string' }, runs: { type: 'string', default: '3' }, seconds: { type: 'string', default: '30' } },
});
const brokers = process.env.KAFKA_BROKERS;
if (!brokers) throw new Error('set KAFKA_BROKERS (npx tsx scripts/kafka-local.ts start 19092)');
const entries = args.entries ? args.entries.split(',') : [serverEntry()];
const RUNS = Number(args.runs);
const SECONDS = Number(args.seconds);
/** Start-up done: groups joined, topics read, code warmed. */
const SETTLE_MS = 10_000;
const root = fileURLToPath(new URL('../..', import.meta.url));

async function once(entry: string): Promise<number> {
  const port = await freePort();
  const topic = `bench-idle-${randomBytes(4).toString('hex')}`;
  const child = spawn(process.execPath, [...startFlags(), entry], {
    cwd: root,
    env: {
      ...process.env, HOST: '127.0.0.1', PORT: String(port), DATA_DIR: await mkdtemp(join(tmpdir(), 'bench-idle-')), LOG_LEVEL: 'fatal', METRICS_PORT: 'off',
      KAFKA_TOPIC: topic, PUBLIC_URL: `http://127.0.0.1:${port}`,
    },
    stdio: 'ignore',
  });
  try {
    const started = performance.now();
    while (!(await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false))) {
      if (performance.now() - started > 60_000) throw new Error(`${entry} did not get ready`);
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const before = processUsage(child.pid!).cpuSeconds;
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    const cpu = processUsage(child.pid!).cpuSeconds - before;
    return (cpu / SECONDS) * 100;
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const results = new Map<string, number[]>(entries.map((e) => [e, []]));
for (let run = 0; run < RUNS; run++) {
  for (const entry of entries) {
    const total = await once(entry);
    results.get(entry)!.push(total);
    console.error(`run ${run + 1}: ${entry} ${total.toFixed(1)}%`);
  }
}
console.log(`\nOne idle instance on Kafka: CPU over ${SECONDS} s after ${SETTLE_MS / 1000} s settled (median of ${RUNS} runs, alternating)\n`);
console.log('| build | CPU % of one core | runs |');
console.log('| --- | ---: | --- |');
for (const [entry, xs] of results) console.log(`| ${entry} | ${median(xs).toFixed(1)} | ${xs.map((x) => x.toFixed(1)).join(', ')} |`);
