/**
 * What the benchmark drives, each as a process of its own on loopback:
 * the real server on the embedded log, the real server on Kafka, and the
 * bare relay. Also the process's CPU time and resident memory from /proc.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';
import { freePort } from '../kafka-local.ts';
import { ensurePeers } from './peers/install.ts';
import { startFlags } from '../start-command.ts';
import type { Speaks } from './load-worker.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

let built = false;
/**
 * The server as `npm start` runs it (dist/server.mjs), compiled from the
 * sources of this run once per benchmark process: what is measured is
 * what is deployed, and never a stale build.
 */
export function serverEntry(): string {
  if (!built) {
    execFileSync(process.execPath, ['scripts/build-server.mjs'], { cwd: root, stdio: 'ignore' });
    built = true;
  }
  return 'dist/server.mjs';
}

/**
 * The relay and the peers' servers, compiled like ours and run by plain
 * node: a process run through tsx also holds tsx's loader and esbuild's
 * transform (about a third more memory, "The server compiled ahead of
 * time"), which would be counted against them. Written three levels below
 * the repository, as the peers' sources are, so that their paths from
 * import.meta.url still lead to it. Each is compiled once per benchmark
 * process, as ours is.
 */
const compiled = new Set<string>();
function compiledScript(script: string): string {
  const out = join('.cache', 'bench', 'built', basename(script).replace(/\.ts$/, '.mjs'));
  if (compiled.has(out)) return out;
  compiled.add(out);
  buildSync({ entryPoints: [join(root, script)], outfile: join(root, out), bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning' });
  return out;
}

export type TargetKind = 'relay' | 'embedded' | 'kafka' | 'hocuspocus' | 'tldraw';

/** The peers: another project's server, driven through its own client library (peers/). */
export const PEER_KINDS: readonly TargetKind[] = ['hocuspocus', 'tldraw'];

export type Target = {
  kind: TargetKind;
  /** What its clients speak (load-worker.ts). */
  speaks: Speaks;
  url: string;
  http: string;
  pid: number;
  dataDir: string;
  env: Record<string, string>;
  stop(): Promise<void>;
};

async function waitReady(child: ChildProcess, check: () => Promise<boolean>, output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`target exited with ${child.exitCode ?? child.signalCode}:\n${output()}`);
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`target did not become ready:\n${output()}`);
}

/** Starts a target; `dataDir`/`topic` let a test reuse a log it filled beforehand. */
export async function startTarget(
  kind: TargetKind,
  options: { brokers?: string; dataDir?: string; topic?: string; env?: Record<string, string> } = {},
): Promise<Target> {
  const port = await freePort();
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), `bench-${kind}-`)));
  const env: Record<string, string> = {
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    // Metrics on, as deployed, on a port of its own: targets run side by side.
    METRICS_PORT: '0',
    // Every simulated person connects from this one address, whose write budget is 20 people's.
    MAX_CONNECTIONS_PER_IP: '1000000',
    API_REQUESTS_PER_MINUTE: '1000000',
    WRITE_POINTS_PER_SECOND: '1000000',
  };
  if (kind === 'kafka') {
    if (!options.brokers) throw new Error('the kafka target needs brokers');
    Object.assign(env, {
      KAFKA_BROKERS: options.brokers,
      KAFKA_TOPIC: options.topic ?? `bench-${randomBytes(4).toString('hex')}`,
      KAFKA_REPLICATION_FACTOR: '1',
      // With partition ownership (the default), pages are sent here.
      PUBLIC_URL: `http://127.0.0.1:${port}`,
    });
  }
  Object.assign(env, options.env);
  // BENCH_SERVER_ENV ("KEY=value KEY2=value"): settings for our server on top, a Kafka setting tried, say.
  if (kind !== 'relay' && !PEER_KINDS.includes(kind) && process.env.BENCH_SERVER_ENV) {
    for (const [key, ...value] of process.env.BENCH_SERVER_ENV.split(' ').filter(Boolean).map((pair) => pair.split('='))) env[key!] = value.join('=');
  }
  const peer = PEER_KINDS.includes(kind);
  if (peer) ensurePeers();
  const script = kind === 'relay' ? compiledScript('scripts/bench/relay.ts') : peer ? compiledScript(`scripts/bench/peers/${kind}-server.ts`) : serverEntry();
  const ours = kind !== 'relay' && !peer;
  let output = '';
  // BENCH_PROFILE_DIR: write a CPU profile of the target (node --cpu-prof) there.
  const profile = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [];
  // Only the kafka target may see Kafka settings: KAFKA_BROKERS would turn the embedded target into another Kafka one.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('KAFKA_')));
  // Ours runs with npm start's flags (start-command.ts), then BENCH_SERVER_FLAGS' (the later of two wins): a V8 heap setting tried, say.
  const flags = ours ? [...startFlags(), ...(process.env.BENCH_SERVER_FLAGS ? process.env.BENCH_SERVER_FLAGS.split(' ') : [])] : [];
  const child = spawn(process.execPath, [...profile, ...flags, script], { cwd: root, env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d) => (output = (output + d).slice(-10_000)));
  child.stderr!.on('data', (d) => (output = (output + d).slice(-10_000)));
  const http = `http://127.0.0.1:${port}`;
  await waitReady(
    child,
    ours
      ? () => fetch(`${http}/readyz`).then((r) => r.ok, () => false)
      : async () => output.includes(`${kind} listening`),
    () => output,
  );
  return {
    kind,
    speaks: kind === 'hocuspocus' ? 'yjs' : kind === 'tldraw' ? 'tldraw' : 'ours',
    url: `ws://127.0.0.1:${port}`,
    http,
    pid: child.pid!,
    dataDir,
    env,
    async stop() {
      // A process killed by a signal has no exit code, only its signal.
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(force);
      }
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** CPU seconds used so far and resident memory of a process (Linux /proc). */
export function processUsage(pid: number): { cpuSeconds: number; rssBytes: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime, in clock ticks (100/s)
  const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { cpuSeconds: ticks / 100, rssBytes: Number(rss?.[1] ?? 0) * 1024 };
}
