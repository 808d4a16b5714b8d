/**
 * How much a record weighs against the write budgets and a board's size
 * limit: its points (a pen point with pressure weighs 1.5, as it carries
 * three numbers), and never less than MIN_RECORD_WEIGHT, so that many tiny
 * records cannot slip under limits set in points.
 */
import type { ClientOp, Op } from '../protocol/messages.ts';
import { countPoints } from '../protocol/points.ts';

export const MIN_RECORD_WEIGHT = 2;

export function recordWeight(op: Op | ClientOp): number {
  const points = op.k === 'begin' || op.k === 'ext' ? Math.ceil(countPoints(op.p, false)) : 0;
  return Math.max(MIN_RECORD_WEIGHT, points);
}
