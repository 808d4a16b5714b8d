/**
 * What gzip costs a produce request or a fetched batch, per batch: kafkajs's
 * own codec (promisified zlib: a stream and a hop to the thread pool per
 * call) against ours (server/log/kafka/gzip-codec.ts: in place up to 64
 * KiB). Batches are a class drawing's records (strokes sent 2-4 points a
 * record, as record-format.ts stores them) in kafkajs's record encoding,
 * at the sizes a live board sends: one record (a lone drawer), a few (a
 * request while another is in flight), and a catch-up's thousand.
 *
 *   npx tsx scripts/bench/kafka-gzip.ts [--calls 3000] [--runs 5]
 */
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { gzipCodec } from '../../server/log/kafka/gzip-codec.ts';
import { encodeValue, recordKeys } from '../../server/log/kafka/record-format.ts';
import type { NewRecord } from '../../server/log/board-log.ts';
import { encodePoints } from '../../server/protocol/points.ts';

const { values: args } = parseArgs({ options: { calls: { type: 'string', default: '3000' }, runs: { type: 'string', default: '5' } } });
const CALLS = Number(args.calls);
const RUNS = Number(args.runs);

type Codec = { compress(encoder: { buffer: Buffer }): Promise<Buffer>; decompress(buffer: Buffer): Promise<Buffer> };
const require = createRequire(import.meta.url);
const kafkajsGzip = require('kafkajs/src/protocol/message/compression/gzip.js') as Codec;
const encodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (r: { offsetDelta: number; key: Buffer; value: Buffer }) => { buffer: Buffer };

/** `count` records of a class drawing, as the records section of a batch. */
function batchOf(count: number): Buffer {
  const keyOf = recordKeys();
  const parts: Buffer[] = [];
  let x = 100;
  let y = 100;
  for (let i = 0; i < count; i++) {
    const p = encodePoints(Array.from({ length: 2 + (i % 3) }, () => ({ x: (x += 3), y: (y += 1) })), false);
    const record = { board: 'b_k3v9x2', user: `u${i % 10}`, cid: `c${i % 10}`, seq: i + 1, op: { k: 'ext', id: `s${i >> 5}`, p } } as unknown as NewRecord;
    parts.push(encodeRecord({ offsetDelta: i, key: Buffer.from(keyOf(record.board)), value: Buffer.from(encodeValue(record)) }).buffer);
  }
  return Buffer.concat(parts);
}

/** CPU µs per call (user + system: the thread pool's work counts too), median of RUNS. */
async function cpuPerCall(call: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 200; i++) await call();
  const runs: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const start = process.cpuUsage();
    for (let i = 0; i < CALLS; i++) await call();
    const used = process.cpuUsage(start);
    runs.push((used.user + used.system) / CALLS);
  }
  return runs.sort((a, b) => a - b)[Math.floor(runs.length / 2)]!;
}

const rows: string[] = [];
for (const count of [1, 4, 40, 1_000]) {
  const batch = batchOf(count);
  const compressed = await gzipCodec.compress({ buffer: batch });
  const theirs = { compress: await cpuPerCall(() => kafkajsGzip.compress({ buffer: batch })), decompress: await cpuPerCall(() => kafkajsGzip.decompress(compressed)) };
  const ours = { compress: await cpuPerCall(() => gzipCodec.compress({ buffer: batch })), decompress: await cpuPerCall(() => gzipCodec.decompress(compressed)) };
  rows.push(
    `| ${count} | ${batch.length.toLocaleString('en')} | ${compressed.length.toLocaleString('en')} | ${theirs.compress.toFixed(1)} | ${ours.compress.toFixed(1)} | ${(ours.compress / theirs.compress).toFixed(2)}× | ${theirs.decompress.toFixed(1)} | ${ours.decompress.toFixed(1)} | ${(ours.decompress / theirs.decompress).toFixed(2)}× |`,
  );
}
console.log(`gzip per batch, CPU µs per call (median of ${RUNS} runs of ${CALLS} calls)\n`);
console.log('| records | bytes | gzipped | compress: kafkajs | ours | ours ÷ kafkajs | decompress: kafkajs | ours | ours ÷ kafkajs |');
console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const row of rows) console.log(row);
