/**
 * What the edge costs per client operation, in one process: validating a
 * frame (size, nesting, schema, points) against the bare JSON.parse every
 * server does anyway, and admitting an operation (folding it ahead, then
 * hearing it back) against folding it once. The operations are a class
 * drawing: strokes of 20-200 points sent 2-4 points a record by 10 people.
 * Also each record's way out to 10 clients, two records a frame: as JSON
 * (protocol 3: stringified once, joined per client) and in binary
 * (protocol 4: encoded once in the board's context, joined per client),
 * and the same frames coming in as binary.
 *
 *   npx tsx scripts/bench/edge-cost.ts [--ops 200000] [--runs 7]
 */
import { parseArgs } from 'node:util';
import { applyRecord } from '../../server/board/fold.ts';
import { emptyBoard } from '../../server/board/state.ts';
import type { LogRecord, Op } from '../../server/protocol/messages.ts';
import { encodePoints } from '../../server/protocol/points.ts';
import { parseClientFrame, parseClientMessage } from '../../server/protocol/validate.ts';
import { DownEncoder, UpDecoder, UpEncoder } from '../../server/protocol/wire.ts';
import { Admission } from '../../server/rooms/admission.ts';

const { values: args } = parseArgs({ options: { ops: { type: 'string', default: '200000' }, runs: { type: 'string', default: '7' } } });
const OPS = Number(args.ops);
const RUNS = Number(args.runs);

type Frame = { user: string; text: string };
function classDrawing(count: number): Frame[] {
  const frames: Frame[] = [];
  const seqs = new Map<string, number>();
  for (let s = 0; frames.length < count; s++) {
    const user = `u${s % 10}`;
    const seq = () => {
      const next = (seqs.get(user) ?? 0) + 1;
      seqs.set(user, next);
      return next;
    };
    let x = s % 900;
    let y = s % 700;
    const points = () => encodePoints(Array.from({ length: 2 + (frames.length % 3) }, () => ({ x: (x += 3), y: (y += 1) })), false);
    const length = 20 + ((s * 37) % 180);
    frames.push({ user, text: JSON.stringify({ t: 'op', s: seq(), o: { k: 'begin', id: `s${s}`, color: '#1e1e1e', w: 4, p: points() } }) });
    for (let sent = 3; sent < length; sent += 3) frames.push({ user, text: JSON.stringify({ t: 'op', s: seq(), o: { k: 'ext', id: `s${s}`, p: points() } }) });
    frames.push({ user, text: JSON.stringify({ t: 'op', s: seq(), o: { k: 'end', id: `s${s}` } }) });
  }
  return frames;
}

const frames = classDrawing(OPS);
const ops = frames.map((f) => {
  const parsed = parseClientMessage(f.text);
  if (!parsed.ok || parsed.value.t !== 'op' || parsed.value.o.k === 'claim') throw new Error('the drawing should be valid');
  return { user: f.user, seq: parsed.value.s, op: parsed.value.o as Op };
});
const record = (o: (typeof ops)[number], pos: number): LogRecord => ({ board: 'b', pos, ts: 1_796_000_000_000 + pos * 5, user: o.user, cid: o.user, seq: o.seq, op: o.op });
const records = ops.map((o, pos) => record(o, pos));
/** The same operations as each page sends them in binary, one connection per person. */
const upEncoders = new Map<string, UpEncoder>();
const binaryFrames = ops.map((o) => {
  let encoder = upEncoders.get(o.user);
  if (!encoder) upEncoders.set(o.user, (encoder = new UpEncoder()));
  return { user: o.user, bytes: encoder.op({ t: 'op', s: o.seq, o: o.op }) };
});
const RECEIVERS = 10;
/** Bytes produced, so no case is optimised away. */
let sink = 0;

const cases: Record<string, () => void> = {
  'JSON.parse (baseline)': () => {
    for (const f of frames) JSON.parse(f.text);
  },
  'parseClientMessage': () => {
    for (const f of frames) parseClientMessage(f.text);
  },
  'parseClientFrame (binary)': () => {
    const decoders = new Map<string, UpDecoder>();
    for (const f of binaryFrames) {
      let decoder = decoders.get(f.user);
      if (!decoder) decoders.set(f.user, (decoder = new UpDecoder()));
      parseClientFrame(f.bytes, decoder);
    }
  },
  'deliver as JSON to 10 clients (protocol 3)': () => {
    const outgoing = Array.from({ length: RECEIVERS }, () => [] as string[]);
    records.forEach((rec, i) => {
      const json = JSON.stringify(rec);
      for (const out of outgoing) out.push(json);
      if (i % 2 === 0) return;
      for (const out of outgoing) {
        sink += (out.length === 1 ? `{"t":"rec","r":${out[0]}}` : `{"t":"recs","rs":[${out.join(',')}]}`).length;
        out.length = 0;
      }
    });
  },
  'deliver in binary to 10 clients (protocol 4)': () => {
    // As the server does: encoded once in the board's context, which every client adopted; a frame joins a client's parts.
    const board = new DownEncoder();
    const parts = Array.from({ length: RECEIVERS }, () => [] as Uint8Array[]);
    records.forEach((rec, i) => {
      board.record(rec);
      const bytes = board.take();
      for (const out of parts) out.push(bytes);
      if (i % 2 === 0) return;
      for (const out of parts) {
        sink += Buffer.concat(out).length;
        out.length = 0;
      }
    });
  },
  'fold once (baseline)': () => {
    const state = emptyBoard();
    ops.forEach((o, pos) => applyRecord(state, record(o, pos)));
  },
  'admit ahead, then fold': () => {
    const state = emptyBoard();
    const admission = new Admission(state);
    ops.forEach((o, pos) => {
      const rec = record(o, pos);
      if (admission.admit(rec)) throw new Error('refused');
      admission.logged(rec, applyRecord(state, rec));
    });
  },
};

const times: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
for (let run = 0; run < RUNS; run++) {
  for (const [name, fn] of Object.entries(cases)) {
    const started = performance.now();
    fn();
    times[name]!.push(performance.now() - started);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const us = (name: string) => (median(times[name]!) * 1_000) / (name.startsWith('deliver') ? OPS * RECEIVERS : OPS);
console.log(`${OPS} operations, median of ${RUNS} runs (cases take turns)\n`);
console.log('| step | µs per operation (deliveries: per record and client) | ÷ baseline |');
console.log('| --- | ---: | ---: |');
for (const [name, baseline] of [
  ['JSON.parse (baseline)', 'JSON.parse (baseline)'],
  ['parseClientMessage', 'JSON.parse (baseline)'],
  ['parseClientFrame (binary)', 'JSON.parse (baseline)'],
  ['deliver as JSON to 10 clients (protocol 3)', 'deliver as JSON to 10 clients (protocol 3)'],
  ['deliver in binary to 10 clients (protocol 4)', 'deliver as JSON to 10 clients (protocol 3)'],
  ['fold once (baseline)', 'fold once (baseline)'],
  ['admit ahead, then fold', 'fold once (baseline)'],
] as const) {
  console.log(`| ${name} | ${us(name).toFixed(2)} | ${(us(name) / us(baseline)).toFixed(2)}× |`);
}
if (sink < 0) console.log(sink);
