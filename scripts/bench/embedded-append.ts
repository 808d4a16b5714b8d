/**
 * What the embedded log's appends cost in CPU at a class's pace: 40 writers
 * each appending a stroke's points every 16 ms (2,500 appends a second)
 * into one board, against the same 40 timers appending nothing (the
 * harness's own cost), runs alternating in child processes, medians. Every
 * thread of the process is counted: the main thread, LMDB's commits in
 * libuv's pool, V8's helpers. To compare two versions of the log, run it
 * on each (git stash) and compare the "appends" rows.
 *
 *   npx tsx scripts/bench/embedded-append.ts [--runs 4] [--seconds 10]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { EmbeddedLog } from '../../server/log/embedded-log.ts';

const WRITERS = 40;
const EVERY_MS = 16;
const WARM_MS = 3_000;

/** CPU seconds of this process so far, every thread. */
function cpuSeconds(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** One run in this process: % of a core over the window, and appends a second. */
async function run(append: boolean, seconds: number): Promise<{ cpu: number; perS: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'embedded-append-'));
  const log = new EmbeddedLog(dir);
  let done = 0;
  const timers = Array.from({ length: WRITERS }, (_, w) => {
    let seq = 0;
    const id = `w${w}-${process.pid}`;
    // An `ext` of two points, as a class drawing sends them.
    const record = () => ({ board: 'class', user: `u${w}`, cid: `c${w}`, seq: seq++, op: { k: 'ext' as const, id, p: 'AbCdEfGh' } });
    return setInterval(() => void (append ? log.append(record()) : Promise.resolve()).then(() => done++), EVERY_MS);
  });
  await new Promise((r) => setTimeout(r, WARM_MS));
  const before = cpuSeconds();
  const counted = done;
  const started = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1_000));
  const elapsed = (performance.now() - started) / 1_000;
  const cpu = ((cpuSeconds() - before) / elapsed) * 100;
  const perS = (done - counted) / elapsed;
  timers.forEach(clearInterval);
  await log.close();
  rmSync(dir, { recursive: true, force: true });
  return { cpu, perS };
}

const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '4' }, seconds: { type: 'string', default: '10' }, child: { type: 'string' } } });
const seconds = Number(args.seconds);

if (args.child) {
  process.stdout.write(JSON.stringify(await run(args.child === 'appends', seconds)));
} else {
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const script = fileURLToPath(import.meta.url);
  const results: Record<string, { cpu: number; perS: number }[]> = { 'timers alone': [], appends: [] };
  for (let i = 0; i < Number(args.runs); i++) {
    for (const kind of ['timers alone', 'appends'] as const) {
      const out = execFileSync(process.execPath, ['--import', 'tsx', script, '--child', kind === 'appends' ? 'appends' : 'timers', '--seconds', String(seconds)], { encoding: 'utf8' });
      results[kind]!.push(JSON.parse(out) as { cpu: number; perS: number });
      process.stderr.write(`run ${i + 1}: ${kind} ${results[kind]!.at(-1)!.cpu.toFixed(1)}%\n`);
    }
  }
  console.log(`\n${WRITERS} writers, one record every ${EVERY_MS} ms each, ${seconds} s after ${WARM_MS / 1000} s; CPU % of one core, every thread (median of ${args.runs} runs, alternating)\n`);
  console.log('| run | CPU % | runs | records/s |');
  console.log('| --- | ---: | --- | ---: |');
  for (const [kind, xs] of Object.entries(results)) {
    console.log(`| ${kind} | ${median(xs.map((x) => x.cpu)).toFixed(1)} | ${xs.map((x) => x.cpu.toFixed(1)).join(', ')} | ${Math.round(median(xs.map((x) => x.perS)))} |`);
  }
}
