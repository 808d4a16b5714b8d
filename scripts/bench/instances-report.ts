/**
 * The tables and the cost model of the instances benchmark (instances.ts),
 * from its figures: printed after a run, or again from its --json output.
 */
import { median, type LoadRun } from './standard-load.ts';

/**
 * `serving`: instances that get clients; `place`: how (standard-load.ts);
 * `feed`: records a second written straight onto the topic instead of clients.
 */
export type Step = {
  key: string;
  name: string;
  instances: number;
  serving: number;
  boards: number;
  place?: 'round-robin' | 'by-board';
  feed?: number;
  /** The feed's writers send back to back rather than every 16 ms (instances.ts). */
  continuous?: boolean;
  /** KAFKA_PLACEMENT of its instances. */
  placement: 'broadcast' | 'ownership';
  /** The first instance is killed (-9) mid-load: failover time. */
  kill?: boolean;
};

export type InstanceFigures = {
  clients: number;
  /** Boards with people on this instance, so loaded here. */
  boards?: number;
  /** CPU % with no clients and nothing written, before the load. */
  idleCpu: number;
  cpu: number;
  /** Records of the topic handed to its rooms a second (logboard_fanout_records_total). */
  recordsPerS: number;
  /** Produce requests it sent a second (logboard_kafka_produce_requests_total); missing in reports from before. */
  produceRequestsPerS?: number;
  cpuSPerMRecords: number;
};

export type RunFigures = {
  /** A step that kills an instance: ms from the kill until every client that lost its socket was live again. */
  failoverMs?: number | null;
  /** The load's figures; for a feed, each instance's CPU and memory and the feed's produce requests a second. */
  load: Partial<LoadRun> & Pick<LoadRun, 'perProcess'> & { produceRequestsPerS?: number };
  /** The topic's append rate (in broadcast, what every instance's fan-out consumes). */
  recordsPerS: number;
  presencePerS: number;
  brokerCpu: number | null;
  /** The whole machine, % of one core. */
  machineCpu: number;
  instances: InstanceFigures[];
};

export type InstancesReport = {
  settings: { rounds: number; seconds: number; idleS: number; boards: number; shape: { clients: number; drawers: number; warmupS: number } };
  steps: Step[];
  results: Record<string, RunFigures[]>;
};

/** Machine CPU (% of one core, of 200 here) from which a step counts as saturating it. */
const SATURATED = 180;

const f = (x: number | null | undefined, digits = 0) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits));

function medianOf<T>(runs: T[], pick: (r: T) => number | null): number | null {
  const values = runs.map(pick).filter((v): v is number => v !== null);
  return values.length > 0 ? median(values) : null;
}

/** Least squares without intercept: the c minimising Σ (y − c·x)². */
function leastSquares(xs: number[][], ys: number[]): number[] | null {
  const n = xs[0]!.length;
  const a = Array.from({ length: n }, (_, i) => [...Array.from({ length: n }, (_, j) => xs.reduce((s, x) => s + x[i]! * x[j]!, 0)), xs.reduce((s, x, k) => s + x[i]! * ys[k]!, 0)]);
  for (let col = 0; col < n; col++) {
    const pivot = a.slice(col).reduce((best, row, i) => (Math.abs(row[col]!) > Math.abs(a[best]![col]!) ? col + i : best), col);
    [a[col], a[pivot]] = [a[pivot]!, a[col]!];
    if (Math.abs(a[col]![col]!) < 1e-12) return null;
    for (let row = 0; row < n; row++) {
      if (row === col) continue;
      const factor = a[row]![col]! / a[col]![col]!;
      for (let k = col; k <= n; k++) a[row]![k]! -= factor * a[col]![k]!;
    }
  }
  return a.map((row, i) => row[n]! / row[i]!);
}

export function printReport({ settings, steps, results }: InstancesReport): void {
  const { shape } = settings;
  console.log(
    `\nInstances on one topic: the standard load (${settings.boards} boards × ${shape.clients} clients, ${shape.drawers} drawing, a batch of 2 points every 16 ms) ` +
      `with clients round-robin over the instances; ${settings.seconds} s measured after ${shape.warmupS} s warm-up, idle CPU over ${settings.idleS} s before the load; ` +
      `medians of ${settings.rounds} round(s). CPU is % of one core.\n`,
  );
  console.log("| step | clients per instance | records/s (topic) | presence frames/s | delivered batches/s | p50 ms | p99 ms | instances' CPU % | broker CPU % | machine CPU % (of 200) |");
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const step of steps) {
    const runs = results[step.key]!;
    const m = (pick: (r: RunFigures) => number | null) => medianOf(runs, pick);
    const cpu = (r: RunFigures) => r.load.perProcess.reduce((a, p) => a + p.cpuPercent, 0);
    console.log(
      `| ${step.name} | ${runs[0]!.instances.map((i) => i.clients).join(' / ')} | ${f(m((r) => r.recordsPerS))} | ${f(m((r) => r.presencePerS))} | ` +
        `${f(m((r) => r.load.batchesPerS ?? null))} | ${f(m((r) => r.load.p50 ?? null), 1)} | ${f(m((r) => r.load.p99 ?? null), 1)} | ${f(m(cpu))} | ` +
        `${f(m((r) => r.brokerCpu))} | ${f(m((r) => r.machineCpu))} |`,
    );
  }

  console.log('\nPer instance (in broadcast every instance consumes every record of the topic; with ownership, its partitions\' records):\n');
  console.log('| step | instance | clients | boards loaded | idle CPU % | CPU % | records consumed/s | of the topic’s records | CPU-s per million records consumed | produce requests/s |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  type Row = { step: Step; k: number; clients: number; loaded: number; idle: number; cpu: number; records: number; machine: number };
  const rows: Row[] = [];
  for (const step of steps) {
    const runs = results[step.key]!;
    for (let k = 0; k < step.instances; k++) {
      const pick = (p: (i: InstanceFigures) => number) => medianOf(runs, (r) => p(r.instances[k]!))!;
      const { clients, boards = clients > 0 ? step.boards : 0 } = runs[0]!.instances[k]!;
      const records = pick((i) => i.recordsPerS);
      // With ownership an instance loads the boards of its partitions: about its share of the records (the boards draw alike).
      const loadedBoards = step.placement === 'ownership' && clients > 0 ? Math.round((records / medianOf(runs, (r) => r.recordsPerS)!) * step.boards) : boards;
      const machine = medianOf(runs, (r) => r.machineCpu)!;
      const row = { step, k, clients, loaded: (records * boards) / step.boards, idle: pick((i) => i.idleCpu), cpu: pick((i) => i.cpu), records, machine };
      rows.push(row);
      console.log(`| ${step.name} | ${k + 1} | ${row.clients} | ${loadedBoards} | ${f(row.idle, 1)} | ${f(row.cpu)} | ${f(row.records)} | ${f(records / medianOf(runs, (r) => r.recordsPerS)!, 2)} | ${f(pick((i) => i.cpuSPerMRecords))} | ${f(medianOf(runs, (r) => r.instances[k]!.produceRequestsPerS ?? null))} |`);
    }
  }

  // CPU above idle = consume × records/s of the topic + loaded × records/s of
  // the boards it has loaded (fold, admission, encoding) + client × its clients.
  // Left out: feeds, which show how the fan-out's cost per record falls as
  // the rate grows (fuller fetches), and steps that saturate the machine,
  // where CPU-starved instances batch more and pay less per record.
  const load = rows.filter((r) => !r.step.feed && r.machine < SATURATED);
  const fit =
    load.length >= 3
      ? leastSquares(
          load.map((r) => [r.records, r.loaded, r.clients]),
          load.map((r) => r.cpu - r.idle),
        )
      : null;
  if (fit && load.some((r) => r.clients === 0) && load.some((r) => r.loaded > 0 && r.loaded < r.records)) {
    const [consume, loaded, client] = fit as [number, number, number];
    const out = [...new Set(rows.filter((r) => !r.step.feed && r.machine >= SATURATED).map((r) => r.step.name))];
    console.log(
      `\nFit over the instances of the load steps (CPU % above idle = consume × records/s of the topic + loaded × records/s of the boards it has loaded + client × clients)` +
        `${out.length > 0 ? `, leaving out steps that saturate the machine (${out.join('; ')})` : ''}: ` +
        `consume ${f(consume * 1e4, 1)} µs of CPU per record, loaded ${f(loaded * 1e4, 1)} µs per record, client ${f(client, 3)} % of a core per client. ` +
        `The fan-out alone takes a core at ${f(100 / consume)} records/s; with every board loaded, consuming and handling records take a core at ${f(100 / (consume + loaded))} records/s.`,
    );
  }
  console.log('\nThe fan-out alone (instances with no clients and no board loaded):\n');
  for (const row of rows.filter((r) => r.clients === 0)) {
    const perRecord = (row.cpu - row.idle) / 100 / row.records;
    const requests = medianOf(results[row.step.key]!, (r) => r.load.produceRequestsPerS ?? null);
    console.log(
      `- ${row.step.name}, instance ${row.k + 1}: ${f(row.records)} records/s${requests === null ? '' : ` (written in ${f(requests)} produce requests/s)`}, ` +
        `${f(row.cpu - row.idle, 1)} % of a core above idle, ${f(perRecord * 1e6, 1)} µs per record; a core at ${f(1 / perRecord)} records/s at that cost.`,
    );
  }

  // Broadcast against ownership: what the same load costs on 1, 2 and 3 instances.
  const total = (r: RunFigures) => r.load.perProcess.reduce((a, p) => a + (Number.isFinite(p.cpuPercent) ? p.cpuPercent : 0), 0);
  const byCount = (placement: Step['placement'], n: number) => steps.find((s) => s.placement === placement && s.instances === n && s.serving === n && !s.feed && !s.kill && !s.place && s.boards === settings.boards);
  const compared = (['broadcast', 'ownership'] as const).filter((p) => byCount(p, 1));
  if (compared.length > 0) {
    console.log('\nThe same load on 1, 2 and 3 instances, broadcast against ownership (medians):\n');
    console.log('| placement | instances | total CPU % | ÷ 1 instance | p99 ms | records consumed/s per instance | of the topic |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const placement of compared) {
      const one = medianOf(results[byCount(placement, 1)!.key]!, total)!;
      for (const n of [1, 2, 3]) {
        const step = byCount(placement, n);
        if (!step) continue;
        const runs = results[step.key]!;
        const cpu = medianOf(runs, total)!;
        const perInstance = medianOf(runs, (r) => r.instances.reduce((a, i) => a + i.recordsPerS, 0) / r.instances.length);
        const topic = medianOf(runs, (r) => r.recordsPerS);
        console.log(
          `| ${placement} | ${n} | ${f(cpu)} | ${f(cpu / one, 2)}× | ${f(medianOf(runs, (r) => r.load.p99 ?? null), 1)} | ${f(perInstance)} | ${f(perInstance! / topic!, 2)} |`,
        );
      }
    }
  }
  for (const step of steps.filter((s) => s.kill)) {
    const times = results[step.key]!.map((r) => r.failoverMs ?? null).filter((t): t is number => t !== null);
    if (times.length > 0) console.log(`\n${step.name}: every client that lost its socket was live again on a new owner ${f(median(times) / 1000, 1)} s after the kill (median; ${times.map((t) => f(t / 1000, 1)).join(', ')} s).`);
  }
}
