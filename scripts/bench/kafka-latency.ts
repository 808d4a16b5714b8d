/**
 * What each change to the Kafka client's hot path does to live latency, in
 * one run: the standard load (standard-load.ts) against the embedded log
 * (the baseline) and the Kafka log with its appends and fetches configured
 * as before and with each change added in turn. Variants take turns round
 * after round, so a slow patch of this noisy machine falls on all of them.
 *
 *   npx tsx scripts/bench/kafka-latency.ts [--rounds 3] [--seconds 30] [--variants 2,6,7] [--json f]
 *
 * Kafka: KAFKA_BROKERS, or a broker started by scripts/kafka-local.ts.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { benchBrokers } from '../kafka-local.ts';
import { median, medianFigures, runLoad, STANDARD_LOAD, type LoadFigures } from './standard-load.ts';
import { startTarget, type TargetKind } from './targets.ts';

const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    seconds: { type: 'string', default: String(STANDARD_LOAD.durationS) },
    warmup: { type: 'string', default: String(STANDARD_LOAD.warmupS) },
    json: { type: 'string' },
    variants: { type: 'string' },
  },
});
const rounds = Number(args.rounds);
const shape = { ...STANDARD_LOAD, durationS: Number(args.seconds), warmupS: Number(args.warmup) };

type Variant = { name: string; kind: TargetKind; env: Record<string, string> };
const VARIANTS: Variant[] = [
  { name: 'embedded log', kind: 'embedded', env: {} },
  { name: 'Kafka as before: one producer, Nagle', kind: 'kafka', env: { KAFKA_PRODUCERS: '1', KAFKA_TCP_NODELAY: 'false' } },
  { name: '+ TCP_NODELAY', kind: 'kafka', env: { KAFKA_PRODUCERS: '1', KAFKA_TCP_NODELAY: 'true' } },
  { name: '+ 2 producers by partition', kind: 'kafka', env: { KAFKA_PRODUCERS: '2', KAFKA_TCP_NODELAY: 'true' } },
  { name: '+ 4 producers by partition', kind: 'kafka', env: { KAFKA_PRODUCERS: '4', KAFKA_TCP_NODELAY: 'true' } },
  { name: '+ 8 producers by partition', kind: 'kafka', env: { KAFKA_PRODUCERS: '8', KAFKA_TCP_NODELAY: 'true' } },
  { name: 'TCP_NODELAY, one producer, fetches wait 10 ms', kind: 'kafka', env: { KAFKA_FETCH_MAX_WAIT_MS: '10' } },
  { name: 'TCP_NODELAY, one producer, heartbeat every 3 s', kind: 'kafka', env: { KAFKA_HEARTBEAT_MS: '3000' } },
];
/** `--variants 0,2,6`: only these (the first, the baseline, always runs). */

if (args.variants) {
  const keep = new Set([0, ...args.variants.split(',').map(Number)]);
  for (let i = VARIANTS.length - 1; i >= 0; i--) if (!keep.has(i)) VARIANTS.splice(i, 1);
}

const { brokers, local } = await benchBrokers();

const results = new Map<string, LoadFigures[]>(VARIANTS.map((v) => [v.name, []]));
try {
  for (let round = 1; round <= rounds; round++) {
    for (const variant of VARIANTS) {
      process.stderr.write(`${variant.name}: round ${round} of ${rounds}\n`);
      const target = await startTarget(variant.kind, { brokers, env: variant.env });
      try {
        const { perProcess: _, ...figures } = await runLoad({ urls: [target.url], pids: [target.pid] }, shape.boards, shape.durationS, shape);
        process.stderr.write(`  p50 ${figures.p50.toFixed(1)} ms, p99 ${figures.p99.toFixed(1)} ms, ${Math.round(figures.batchesPerS)} batches/s\n`);
        results.get(variant.name)!.push(figures);
      } finally {
        await target.stop();
      }
    }
  }
} finally {
  await local?.stop();
}

const f = (x: number, digits = 1) => x.toFixed(digits);
const baseline = results.get(VARIANTS[0]!.name)!;
console.log(
  `\nKafka's hot path, one change at a time: standard load (${shape.boards} boards × ${shape.clients} clients, ${shape.drawers} drawing), ` +
    `${shape.durationS} s measured after ${shape.warmupS} s; median of ${rounds} rounds; ratios are medians of the same round's ratios to the embedded log\n`,
);
console.log('| variant | p50 ms | p95 ms | p99 ms | p99 ÷ embedded | max ms | batches/s | server CPU % | p99 in each round |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
for (const variant of VARIANTS) {
  const all = results.get(variant.name)!;
  const m = medianFigures(all);
  const ratio = median(all.map((r, i) => r.p99 / baseline[i]!.p99));
  console.log(
    `| ${variant.name} | ${f(m.p50)} | ${f(m.p95)} | ${f(m.p99)} | ${f(ratio, 2)}× | ${f(m.max)} | ${f(m.batchesPerS, 0)} | ${f(m.cpuPercent, 0)} | ${all.map((r) => f(r.p99)).join(', ')} |`,
  );
}
const errors = [...results].flatMap(([name, all]) => all.flatMap((r) => r.errors.map((e) => `${name}: ${e}`)));
if (errors.length > 0) console.log(`\nErrors seen by the load generator:\n${errors.slice(0, 10).join('\n')}`);
if (args.json) writeFileSync(args.json, JSON.stringify({ shape, variants: VARIANTS, results: Object.fromEntries(results) }, null, 2));
