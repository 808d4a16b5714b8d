/**
 * Rules of the element operations that a schema cannot say: a matrix
 * places something, a line has ends, text belongs to text and notes, ink
 * points decode. The edge (protocol/validate.ts) and the fold
 * (element-fold.ts) both run them, so a record written by other means is
 * judged as a page's operation would be. Nothing here throws.
 */
import { FILE_HASH_PATTERN } from '../files/file-store.ts';
import { COLOR_PATTERN, ID_PATTERN, LIMITS } from '../protocol/messages.ts';
import { countPoints, decodePointValues } from '../protocol/points.ts';
import type { ClientOp } from '../protocol/messages.ts';
import { isLineType, isPlacement, propsOf, SHAPE_TYPES, type Binding, type PropName, type Props } from './elements.ts';

/** An element as an `add` carries it (schema.ts). */
export type ElementSpec = Extract<ClientOp, { k: 'add' }>['els'][number];

const TYPES: ReadonlySet<string> = new Set([...SHAPE_TYPES, 'ink']);
const isNum = (v: unknown, min: number, max: number): v is number => typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max;
const isColor = (v: unknown) => typeof v === 'string' && COLOR_PATTERN.test(v);
const isBinding = (v: unknown): v is Binding =>
  typeof v === 'object' && v !== null && typeof (v as Binding).id === 'string' && ID_PATTERN.test((v as Binding).id) && isNum((v as Binding).u, 0, 1) && isNum((v as Binding).v, 0, 1);

/** One property's value, as the schema allows it (repeated here for records the edge never saw). */
function propProblem(name: string, v: unknown): string | null {
  switch (name as PropName) {
    case 'color':
      return isColor(v) ? null : 'color must be #rrggbb';
    case 'fill':
      return v === null || isColor(v) ? null : 'fill must be #rrggbb or null';
    case 'sw':
      return isNum(v, LIMITS.minWidth, LIMITS.maxWidth) ? null : `sw must be ${LIMITS.minWidth}-${LIMITS.maxWidth}`;
    case 'dash':
      return v === 0 || v === 1 ? null : 'dash must be 0 or 1';
    case 'text':
      return typeof v === 'string' && v.length <= LIMITS.maxTextLength ? null : `text must be at most ${LIMITS.maxTextLength} characters`;
    case 'fs':
      return isNum(v, LIMITS.minFontSize, LIMITS.maxFontSize) ? null : `fs must be ${LIMITS.minFontSize}-${LIMITS.maxFontSize}`;
    case 'w':
    case 'h':
      return isNum(v, 0, 2 * LIMITS.maxCoord) ? null : `${name} is out of range`;
    case 'ah':
      return v === 0 || v === 1 || v === 2 || v === 3 ? null : 'ah must be 0-3';
    case 'pts':
      return Array.isArray(v) && v.length === 4 && v.every((n) => isNum(n, -LIMITS.maxCoord, LIMITS.maxCoord)) ? null : 'pts must be four coordinates';
    case 'sb':
    case 'eb':
      return v === null || isBinding(v) ? null : `${name} must be a binding or null`;
    case 'z':
      return isNum(v, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER) ? null : 'z is out of range';
    case 'file':
      return typeof v === 'string' && FILE_HASH_PATTERN.test(v) ? null : 'file must be the SHA-256 of a stored file, in hex';
    case 'lock':
      return v === 0 || v === 1 ? null : 'lock must be 0 or 1';
    default:
      return `${name} is not a property`;
  }
}

/** What is wrong with a `set`'s properties, or null. */
export function propsProblem(p: unknown): string | null {
  if (typeof p !== 'object' || p === null || Array.isArray(p)) return 'p must be an object';
  const entries = Object.entries(p);
  if (entries.length === 0) return 'p must set something';
  for (const [name, v] of entries) {
    const problem = propProblem(name, v);
    if (problem) return `p.${problem}`;
  }
  const binding = [(p as Props).sb, (p as Props).eb].find((b) => b);
  return binding && binding.id === '' ? 'p.sb must name an element' : null;
}

/** Ink points must decode for their stride and stay within the board and a stroke's limit. */
function inkProblem(spec: ElementSpec): string | null {
  if (typeof spec.p !== 'string' || spec.p.length === 0) return 'ink needs its points (p)';
  if (!Number.isInteger(spec.sw)) return 'ink needs a whole pen width (sw)';
  const q = spec.q ?? 0;
  try {
    decodePointValues(spec.p, spec.pr === 1, { maxPoints: LIMITS.maxPointsPerStroke, maxCoord: LIMITS.maxCoord * 2 ** q });
  } catch {
    return 'ink points do not decode';
  }
  return countPoints(spec.p, spec.pr === 1) > 0 ? null : 'ink points do not decode';
}

/** What is wrong with an element an `add` makes, or null. */
export function elementProblem(spec: ElementSpec): string | null {
  if (typeof spec !== 'object' || spec === null) return 'an element must be an object';
  if (typeof spec.id !== 'string' || !ID_PATTERN.test(spec.id)) return 'an element needs an id';
  if (!TYPES.has(spec.type)) return 'unknown element type';
  if (!Array.isArray(spec.m) || !isPlacement(spec.m)) return 'm must be an invertible matrix within range';
  if (!isColor(spec.color)) return 'an element needs a color';
  const allowed = propsOf(spec.type);
  for (const [name, v] of Object.entries(spec)) {
    if (name === 'id' || name === 'type' || name === 'm') continue;
    if (spec.type === 'ink' && (name === 'pr' || name === 'q' || name === 'p')) continue;
    if (!allowed.has(name as PropName)) return `${name} does not apply to ${spec.type}`;
    const problem = propProblem(name, v);
    if (problem) return problem;
  }
  if (spec.type === 'ink') return inkProblem(spec);
  if (spec.type === 'image' && spec.file === undefined) return 'an image needs its file';
  if (spec.sw === undefined && spec.type !== 'text' && spec.type !== 'note' && spec.type !== 'image') return `${spec.type} needs a width (sw)`;
  if (isLineType(spec.type)) return spec.pts ? null : `${spec.type} needs its ends (pts)`;
  return spec.w !== undefined && spec.h !== undefined ? null : `${spec.type} needs a size (w, h)`;
}

/** The ids an `add` makes, each once. */
export function duplicateId(specs: readonly ElementSpec[]): string | null {
  const seen = new Set<string>();
  for (const s of specs) {
    if (seen.has(s.id)) return s.id;
    seen.add(s.id);
  }
  return null;
}
