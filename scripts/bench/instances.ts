/**
 * What each instance pays when several serve the same boards on one Kafka
 * topic (docs/scaling.md):
 *
 *   npx tsx scripts/bench/instances.ts       # --rounds 3 --seconds 30 --warmup 60 --idle 10 --steps 1,1o,2,2o,3,3o,kill-o --json f
 *   npx tsx scripts/bench/instances.ts --from-json f,g   the tables and the model again, from runs' --json files
 *
 * KAFKA_BROKERS, or a broker started by scripts/kafka-local.ts. Each step
 * starts its instances (server/main.ts) on a fresh topic, measures their
 * CPU idle, then runs the standard load of `npm run bench` (standard-load.ts)
 * with its clients round-robin over the instances, as behind a load
 * balancer, so a board's people sit on different instances. Steps run in
 * broadcast (KAFKA_PLACEMENT=broadcast: every instance consumes every
 * record) unless marked ownership (each instance owns some partitions;
 * clients that land elsewhere are moved to the owner):
 *
 *   1       one instance, the standard load
 *   2, 3    two and three instances, the standard load spread over them
 *   1o, 2o, 3o  the same, with partition ownership
 *   kill-o  three instances with ownership; the first is killed (-9) 5 s
 *           into the window, its clients' home being the other two (as a
 *           balancer that dropped it): the time until every client that
 *           lost its socket is live again on a new owner
 *   2x2     two instances, twice the boards (the load doubled)
 *   2-one   two instances, every client on the first: the second only
 *           consumes the topic (its fan-out alone)
 *   2-board two instances, each board's clients all on one of them (as a
 *           balancer hashing the board id would): half the boards loaded
 *           on each
 *   feed-k  one instance and no clients, with k times the standard load's
 *           records written straight onto the topic: its fan-out alone
 *           (feed-1 checks the feed against 2-one), at rates the two cores
 *           could not drive through clients
 *   feed-1c as feed-1, but written as people drawing out of step would
 *           (produce requests back to back rather than every 16 ms)
 *
 * Per instance, over the measured window: CPU (utime+stime, % of one core),
 * records handed to its rooms per second (its metrics,
 * logboard_fanout_records_total: in broadcast every record of the topic,
 * with ownership its partitions' records), and
 * CPU-seconds per million records consumed. Per step: the load's delivered
 * rate and latency, the presence topic's frames, the broker's CPU and the
 * whole machine's. A first step, not recorded, warms the broker up; then
 * steps take turns, round after round, and figures are medians over
 * rounds. The run stops everything and exits on its own, within a deadline.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { benchBrokers, freePort, LocalKafka } from '../kafka-local.ts';
import { feed } from './feed.ts';
import { printReport, type InstancesReport, type RunFigures, type Step } from './instances-report.ts';
import { runLoad, sampleRss, sleep, STANDARD_LOAD, type WindowHooks } from './standard-load.ts';
import { processUsage, startTarget, type Target } from './targets.ts';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: String(STANDARD_LOAD.durationS) },
    /**
     * Longer than the standard load's: each instance compiles its hot paths
     * over its first minute or two (V8 compiling took 3.2% of a core
     * 30-45 s after start, 1.3% two minutes after), and three instances
     * compile three times. A window after 15 s measured that start-up as if
     * it were the cost of the load.
     */
    warmup: { type: 'string', default: '60' },
    idle: { type: 'string', default: '10' },
    /** Boards of the standard load (the doubled step has twice as many). */
    boards: { type: 'string', default: String(STANDARD_LOAD.boards) },
    steps: { type: 'string', default: '1,1o,2,2o,3,3o,kill-o' },
    json: { type: 'string' },
    'from-json': { type: 'string' },
  },
});
if (args['from-json']) {
  // Several files: runs made apart (a step and a round at a time, on a shared machine) reported together.
  const parts = args['from-json'].split(',').map((file) => JSON.parse(readFileSync(file, 'utf8')) as InstancesReport);
  const steps = [...new Map(parts.flatMap((p) => p.steps).map((s) => [s.key, s])).values()];
  const results = Object.fromEntries(steps.map((s) => [s.key, parts.flatMap((p) => p.results[s.key] ?? [])]));
  const rounds = Math.max(...Object.values(results).map((runs) => runs.length));
  printReport({ settings: { ...parts[0]!.settings, rounds }, steps, results });
  process.exit(0);
}
const num = (name: keyof typeof args) => {
  const n = Number(args[name]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${args[name]}`);
  return n;
};
const rounds = num('rounds');
const seconds = num('seconds');
const idleS = num('idle');
const boards = num('boards');
const shape = { ...STANDARD_LOAD, warmupS: num('warmup') };
/** Records a second of the standard load: every drawer's batches (62.5 a second), ends aside. */
const standardRate = boards * shape.drawers * (1_000 / 16);

const broadcast = 'broadcast' as const;
const ownership = 'ownership' as const;
const ALL_STEPS: Step[] = [
  { key: '1', name: '1 instance', instances: 1, serving: 1, boards, placement: broadcast },
  { key: '2', name: '2 instances', instances: 2, serving: 2, boards, placement: broadcast },
  { key: '3', name: '3 instances', instances: 3, serving: 3, boards, placement: broadcast },
  { key: '1o', name: '1 instance, ownership', instances: 1, serving: 1, boards, placement: ownership },
  { key: '2o', name: '2 instances, ownership', instances: 2, serving: 2, boards, placement: ownership },
  { key: '3o', name: '3 instances, ownership', instances: 3, serving: 3, boards, placement: ownership },
  { key: 'kill-o', name: '3 instances, ownership, one killed (-9) mid-load', instances: 3, serving: 3, boards, placement: ownership, kill: true },
  { key: '2x2', name: '2 instances, load doubled', instances: 2, serving: 2, boards: 2 * boards, placement: broadcast },
  { key: '2-one', name: '2 instances, clients on the first', instances: 2, serving: 1, boards, placement: broadcast },
  { key: '2-board', name: "2 instances, each board's clients on one", instances: 2, serving: 2, boards, place: 'by-board' as const, placement: broadcast },
  ...[1, 4, 8].map((k) => ({ key: `feed-${k}`, name: `fan-out alone, ${k}× the records`, instances: 1, serving: 0, boards: k * boards, feed: k * standardRate, placement: broadcast })),
  { key: 'feed-1c', name: 'fan-out alone, 1× the records, written out of step', instances: 1, serving: 0, boards, feed: standardRate, continuous: true, placement: broadcast },
];
const steps = args.steps.split(',').map((key) => {
  const step = ALL_STEPS.find((s) => s.key === key);
  if (!step) throw new Error(`unknown step ${key}; steps are ${ALL_STEPS.map((s) => s.key).join(', ')}`);
  return step;
});

// ---------------------------------------------------------------------------
// Everything this run starts, so that a deadline or a signal can stop it.

let local: LocalKafka | null = null;
const running = new Set<Target>();
async function abort(why: string): Promise<never> {
  process.stderr.write(`${why}: stopping everything\n`);
  for (const t of running) {
    try {
      process.kill(t.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    rmSync(t.dataDir, { recursive: true, force: true });
  }
  await Promise.race([local?.stop(2_000), new Promise((r) => setTimeout(r, 5_000))]);
  process.exit(1);
}
const perRunS = shape.warmupS + seconds + idleS + 120;
const deadlineS = perRunS * (rounds * steps.length + 1) + 300;
const deadline = setTimeout(() => void abort(`over the deadline of ${deadlineS} s`), deadlineS * 1_000);
deadline.unref();
process.once('SIGINT', () => void abort('SIGINT'));
process.once('SIGTERM', () => void abort('SIGTERM'));

const started = await benchBrokers();
local = started.local;
const { brokers } = started;
const kafka = new Kafka({ brokers: brokers.split(','), clientId: 'bench-instances', logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();

/** The local broker's JVM, found by its data directory on its command line; null for a broker of KAFKA_BROKERS. */
function brokerPid(): number | null {
  if (!local) return null;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.startsWith('java') && cmdline.includes(local.dataDir)) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return null;
}
const broker = brokerPid();

/** CPU seconds the whole machine spent busy (every core), from /proc/stat. */
function machineBusySeconds(): number {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  const [user, nice, system, , , irq, softirq, steal] = fields.map(Number);
  return (user! + nice! + system! + irq! + softirq! + steal!) / 100;
}

/** Records in the topic so far: the sum of its partitions' high watermarks. */
async function topicEnd(topic: string): Promise<number> {
  return (await admin.fetchTopicOffsets(topic)).reduce((a, p) => a + Number(p.high), 0);
}

/**
 * Records of the boards' topic an instance has handed to its rooms so far,
 * and the produce requests it has sent (its metrics, on their own port).
 */
async function instanceCounts(metricsPort: number): Promise<{ handed: number; produced: number }> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  let handed = 0;
  for (const m of text.matchAll(/^logboard_fanout_records_total\{via="(?:consumer|ack)"\} (\S+)$/gm)) handed += Number(m[1]);
  const produced = Number(/^logboard_kafka_produce_requests_total (\S+)$/m.exec(text)?.[1] ?? 0);
  return { handed, produced };
}

/**
 * Clients and boards each instance gets: round-robin, client i of a
 * worker's board j goes to instance (i + j) mod n (load-worker.ts); by
 * board, worker w's boards go to instance w mod n (standard-load.ts).
 */
function placement(step: Step): { clients: number; boards: number }[] {
  const clients = new Array<number>(step.instances).fill(0);
  const boards = Array.from({ length: step.instances }, () => new Set<number>());
  if (step.serving === 0) return clients.map(() => ({ clients: 0, boards: 0 }));
  for (let w = 0; w < shape.workers; w++) {
    const own = Array.from({ length: step.boards }, (_, b) => b).filter((b) => b % shape.workers === w);
    for (const [j, b] of own.entries()) {
      for (let i = 0; i < shape.clients; i++) {
        const k = step.place === 'by-board' ? w % step.serving : (i + j) % step.serving;
        clients[k]!++;
        boards[k]!.add(b);
      }
    }
  }
  return clients.map((n, k) => ({ clients: n, boards: boards[k]!.size }));
}

/** The feed's window: warm-up, then each instance's CPU over the window. */
async function runFeed(step: Step, topic: string, pids: number[], hooks: WindowHooks): Promise<RunFigures['load']> {
  const feeder = feed(kafka, topic, step);
  try {
    await sleep(shape.warmupS * 1_000);
    await hooks.start();
    const before = pids.map(processUsage);
    const rss = sampleRss(pids);
    const requests = feeder.requests();
    const started = performance.now();
    await sleep(seconds * 1_000);
    const after = pids.map(processUsage);
    const memory = rss();
    const elapsed = (performance.now() - started) / 1_000;
    await hooks.end();
    return {
      perProcess: after.map((a, i) => ({ cpuPercent: ((a.cpuSeconds - before[i]!.cpuSeconds) / elapsed) * 100, rssMB: memory[i]!.meanMB, rssPeakMB: memory[i]!.peakMB })),
      produceRequestsPerS: (feeder.requests() - requests) / elapsed,
    };
  } finally {
    await feeder.stop();
  }
}

async function runStep(step: Step): Promise<RunFigures> {
  const topic = `instances-${randomBytes(4).toString('hex')}`;
  const presence = `${topic}-presence`;
  const prefix = (k: number) => `bench-${topic}-${k}`;
  const instances: Target[] = [];
  try {
    const metricsPorts: number[] = [];
    for (let k = 0; k < step.instances; k++) {
      metricsPorts.push(await freePort());
      const env = { KAFKA_GROUP_PREFIX: prefix(k), KAFKA_PLACEMENT: step.placement, METRICS_PORT: String(metricsPorts[k]) };
      const target = await startTarget('kafka', { brokers, topic, env });
      running.add(target);
      instances.push(target);
    }
    const pids = instances.map((t) => t.pid);
    // With ownership: until every instance holds its share.
    if (step.placement === ownership) await new Promise((r) => setTimeout(r, 3_000));

    // Idle: instances up, no clients, nothing written.
    await new Promise((r) => setTimeout(r, 2_000));
    const idleBefore = pids.map(processUsage);
    const idleStarted = performance.now();
    await new Promise((r) => setTimeout(r, idleS * 1_000));
    const idleElapsed = (performance.now() - idleStarted) / 1_000;
    const idleCpu = pids.map((pid, k) => ((processUsage(pid).cpuSeconds - idleBefore[k]!.cpuSeconds) / idleElapsed) * 100);

    const victim = step.kill ? instances[0]! : null;
    const measured = instances.filter((t) => t !== victim);
    let killedAt = 0;
    let start = { t: 0, records: 0, presence: 0, broker: 0, machine: 0, counts: [] as { handed: number; produced: number }[] };
    const window = { records: 0, presence: 0, brokerCpu: null as number | null, machineCpu: 0, handed: [] as number[], produced: [] as number[] };
    const sample = async () => ({
      t: performance.now(),
      records: await topicEnd(topic),
      // With ownership there is no presence topic (asking for one would break the admin's metadata).
      presence: step.placement === broadcast ? await topicEnd(presence) : 0,
      broker: broker ? processUsage(broker).cpuSeconds : 0,
      machine: machineBusySeconds(),
      counts: await Promise.all(instances.map((t, k) => (t === victim ? { handed: 0, produced: 0 } : instanceCounts(metricsPorts[k]!)))),
    });
    const hooks: WindowHooks = {
      start: async () => {
        start = await sample();
        if (victim) {
          setTimeout(() => {
            killedAt = Date.now();
            process.kill(victim.pid, 'SIGKILL');
          }, 5_000);
        }
      },
      end: async () => {
        const end = await sample();
        const elapsed = (end.t - start.t) / 1_000;
        window.handed = end.counts.map((n, k) => (n.handed - start.counts[k]!.handed) / elapsed);
        window.produced = end.counts.map((n, k) => (n.produced - start.counts[k]!.produced) / elapsed);
        window.records = (end.records - start.records) / elapsed;
        window.presence = (end.presence - start.presence) / elapsed;
        window.brokerCpu = broker ? ((end.broker - start.broker) / elapsed) * 100 : null;
        window.machineCpu = ((end.machine - start.machine) / elapsed) * 100;
      },
    };
    const load = step.feed
      ? await runFeed(step, topic, pids, hooks)
      : await runLoad(
          { urls: measured.slice(0, step.serving).map((t) => t.url), pids: measured.map((t) => t.pid), place: step.place },
          step.boards,
          seconds,
          shape,
          hooks,
        );
    const placed = placement(step);
    // Every client that lost its socket to the kill is live again by then.
    const failoverMs = victim && load.resyncedAt && load.resyncedAt.length > 0 ? Math.max(...load.resyncedAt) - killedAt : null;
    if (victim) load.perProcess.unshift({ cpuPercent: NaN, rssMB: NaN, rssPeakMB: NaN });
    return {
      failoverMs,
      load,
      recordsPerS: window.records,
      presencePerS: window.presence,
      brokerCpu: window.brokerCpu,
      machineCpu: window.machineCpu,
      instances: load.perProcess.map((p, k) => ({
        ...placed[k]!,
        idleCpu: idleCpu[k]!,
        cpu: p.cpuPercent,
        recordsPerS: window.handed[k]!,
        produceRequestsPerS: window.produced[k]!,
        cpuSPerMRecords: p.cpuPercent / 100 / (window.handed[k]! / 1e6),
      })),
    };
  } finally {
    await Promise.all(instances.map((t) => t.stop().catch(() => undefined).then(() => running.delete(t))));
    // Only those that exist: a missing one fails the request, and leaves the admin asking for the others' metadata.
    const existing = new Set(await admin.listTopics());
    const made = [topic, presence, ...['states', 'index', 'files', 'file-index', 'status'].map((t) => `${topic}-${t}`)].filter((t) => existing.has(t));
    await admin.deleteTopics({ topics: made }).catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------

const results = new Map<string, RunFigures[]>(steps.map((s) => [s.key, []]));
try {
  // A fresh broker is several times slower while its JVM compiles: a first
  // step, not recorded, so that round 1 is measured on a warm broker as the others are.
  process.stderr.write('warming the broker up: one instance, the standard load, not recorded\n');
  await runStep(ALL_STEPS[0]!);
  for (let round = 1; round <= rounds; round++) {
    for (const step of steps) {
      process.stderr.write(`${step.name}: round ${round} of ${rounds}\n`);
      const r = await runStep(step);
      results.get(step.key)!.push(r);
      process.stderr.write(
        `${r.failoverMs == null ? '' : `  failover: every client live again ${Math.round(r.failoverMs)} ms after the kill\n`}` +
        `  ${Math.round(r.recordsPerS)} records/s, p99 ${r.load.p99?.toFixed(1) ?? '–'} ms, CPU ${r.instances.map((i) => i.cpu.toFixed(0)).join(' / ')} %, ` +
          `idle ${r.instances.map((i) => i.idleCpu.toFixed(1)).join(' / ')} %, handed ${r.instances.map((i) => Math.round(i.recordsPerS)).join(' / ')} records/s, ` +
          `produce requests ${r.instances.map((i) => Math.round(i.produceRequestsPerS ?? 0)).join(' / ')}/s, machine ${r.machineCpu.toFixed(0)} %\n`,
      );
    }
  }
} finally {
  await admin.disconnect();
  await local?.stop();
  clearTimeout(deadline);
}

const report: InstancesReport = { settings: { rounds, seconds, idleS, boards, shape }, steps, results: Object.fromEntries(results) };
if (args.json) writeFileSync(args.json, JSON.stringify(report, null, 2));
printReport(report);
process.exit(0);
