/**
 * What the edge costs per client operation, in one process: validating a
 * frame (size, nesting, schema, points) against the bare JSON.parse every
 * server does anyway, and admitting an operation (folding it ahead, then
 * hearing it back) against folding it once. The operations are a class
 * drawing: strokes of 20-200 points sent 2-4 points a record by 10 people.
 *
 *   npx tsx scripts/bench/edge-cost.ts [--ops 200000] [--runs 7]
 */
import { parseArgs } from 'node:util';
import { applyRecord } from '../../server/board/fold.ts';
import { emptyBoard } from '../../server/board/state.ts';
import type { LogRecord, Op } from '../../server/protocol/messages.ts';
import { encodePoints } from '../../server/protocol/points.ts';
import { parseClientMessage } from '../../server/protocol/validate.ts';
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
const record = (o: (typeof ops)[number], pos: number): LogRecord => ({ board: 'b', pos, ts: 1, user: o.user, cid: o.user, seq: o.seq, op: o.op });

const cases: Record<string, () => void> = {
  'JSON.parse (baseline)': () => {
    for (const f of frames) JSON.parse(f.text);
  },
  'parseClientMessage': () => {
    for (const f of frames) parseClientMessage(f.text);
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
const us = (name: string) => (median(times[name]!) * 1_000) / OPS;
console.log(`${OPS} operations, median of ${RUNS} runs (cases take turns)\n`);
console.log('| step | µs per operation | ÷ baseline |');
console.log('| --- | ---: | ---: |');
for (const [name, baseline] of [
  ['JSON.parse (baseline)', 'JSON.parse (baseline)'],
  ['parseClientMessage', 'JSON.parse (baseline)'],
  ['fold once (baseline)', 'fold once (baseline)'],
  ['admit ahead, then fold', 'fold once (baseline)'],
] as const) {
  console.log(`| ${name} | ${us(name).toFixed(2)} | ${(us(name) / us(baseline)).toFixed(2)}× |`);
}
