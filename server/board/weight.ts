/**
 * How much a record weighs against the write budgets and a board's size
 * limit: its points (a pen point with pressure weighs 1.5, as it carries
 * three numbers), and never less than MIN_RECORD_WEIGHT, so that many tiny
 * records cannot slip under limits set in points.
 */
import type { ClientOp, Op } from '../protocol/messages.ts';
import { countPoints } from '../protocol/points.ts';

export const MIN_RECORD_WEIGHT = 2;
/** An element other than ink weighs as much as this many points, and its text a point per 16 characters. */
export const ELEMENT_WEIGHT = 16;
const textWeight = (text: unknown) => (typeof text === 'string' ? Math.ceil(text.length / 16) : 0);

export function recordWeight(op: Op | ClientOp): number {
  switch (op.k) {
    case 'begin':
    case 'ext':
      return Math.max(MIN_RECORD_WEIGHT, Math.ceil(countPoints(op.p, false)));
    case 'add': {
      let weight = 0;
      for (const el of Array.isArray(op.els) ? op.els : []) {
        weight += el.type === 'ink' && typeof el.p === 'string' ? Math.ceil(countPoints(el.p, false)) : ELEMENT_WEIGHT + textWeight(el.text);
      }
      return Math.max(MIN_RECORD_WEIGHT, weight);
    }
    case 'set':
      return MIN_RECORD_WEIGHT + textWeight(op.p?.text);
    default:
      return MIN_RECORD_WEIGHT;
  }
}
