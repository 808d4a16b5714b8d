/**
 * Items as an `add` makes them: what copy, paste and duplicate carry. A
 * copy is self-contained: a line's end stuck to an element left out of
 * the copy is written where it is, unstuck; ids are replaced on paste, and
 * bindings between pasted items follow the new ids. Pure.
 */
import type { ElementSpec } from '../../server/board/element-rules.ts';
import { apply, IDENTITY, invert, isLineType, lineEnds, multiply, propsOf, type Matrix, type Shape } from '../../server/board/elements.ts';
import type { Stroke } from '../../server/board/state.ts';
import { LIMITS, type ClientOp } from '../../server/protocol/messages.ts';
import type { Item } from './optimistic.ts';
import { translate } from './transform-math.ts';

type Placed = { m: Matrix; w: number; h: number };

export const isInk = (item: Item): item is Stroke => !('type' in item);

/** An item as an `add` would make it again, or null for ink still being drawn. */
export function specOf(item: Item, find: (id: string) => Placed | undefined, copied: ReadonlySet<string>): ElementSpec | null {
  if (isInk(item)) {
    if (!item.ended || item.chunks.length !== 1) return null;
    return { id: item.id, type: 'ink', m: [...(item.m ?? IDENTITY)], color: item.color, sw: item.w, p: item.chunks[0]!, ...(item.pr ? { pr: 1 as const } : {}), ...(item.q ? { q: item.q } : {}) };
  }
  const spec: Record<string, unknown> = { id: item.id, type: item.type, m: [...item.m] };
  for (const name of propsOf(item.type)) {
    if (name === 'z' || name === 'sb' || name === 'eb') continue;
    const value = item[name];
    if (value !== null && value !== undefined) spec[name] = structuredClone(value);
  }
  if (isLineType(item.type)) Object.assign(spec, lineEndsOf(item, find, copied));
  return spec as ElementSpec;
}

/** A line's ends: stuck to what is copied with it, else where they are on the board. */
function lineEndsOf(line: Shape, find: (id: string) => Placed | undefined, copied: ReadonlySet<string>): Partial<ElementSpec> {
  const [start, end] = lineEnds(line, find);
  const back = invert(line.m);
  const a = apply(back, start[0], start[1]);
  const b = apply(back, end[0], end[1]);
  const out: Partial<ElementSpec> = { pts: [a[0], a[1], b[0], b[1]].map((v) => Math.round(v * 100) / 100 + 0) };
  if (line.sb && copied.has(line.sb.id)) out.sb = { ...line.sb };
  if (line.eb && copied.has(line.eb.id)) out.eb = { ...line.eb };
  return out;
}

/** Copies with fresh ids, moved by (dx, dy); bindings among them follow their new ids. */
export function copiesOf(specs: readonly ElementSpec[], dx: number, dy: number, newId: () => string): ElementSpec[] {
  const ids = new Map(specs.map((s) => [s.id, newId()]));
  const shift = translate(Math.round(dx * 100) / 100, Math.round(dy * 100) / 100);
  return specs.map((s) => {
    const copy: ElementSpec = { ...structuredClone(s), id: ids.get(s.id)!, m: multiply(shift, s.m as Matrix) };
    for (const end of ['sb', 'eb'] as const) {
      const binding = s[end];
      if (!binding) continue;
      const id = ids.get(binding.id);
      if (id) copy[end] = { ...binding, id };
      else delete copy[end];
    }
    return copy;
  });
}

/** Below the frame limit (64 KiB) with room for the envelope of the operation. */
const MAX_ADD_BYTES = 48 * 1024;

/**
 * `add` operations making these elements: at most 500 each and small
 * enough for a frame; boxes before the lines that may stick to them.
 */
export function addOps(specs: readonly ElementSpec[]): ClientOp[] {
  const ordered = [...specs].sort((a, b) => Number(a.type === 'line' || a.type === 'arrow') - Number(b.type === 'line' || b.type === 'arrow'));
  const ops: ClientOp[] = [];
  let batch: ElementSpec[] = [];
  let bytes = 0;
  for (const spec of ordered) {
    const size = JSON.stringify(spec).length;
    if (batch.length > 0 && (batch.length >= LIMITS.maxElementsPerOp || bytes + size > MAX_ADD_BYTES)) {
      ops.push({ k: 'add', v: 1, els: batch });
      batch = [];
      bytes = 0;
    }
    batch.push(spec);
    bytes += size;
  }
  if (batch.length > 0) ops.push({ k: 'add', v: 1, els: batch });
  return ops;
}

/** Ids in groups an operation may name. */
export function chunks<T>(list: readonly T[], size: number = LIMITS.maxIdsPerOp): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}
