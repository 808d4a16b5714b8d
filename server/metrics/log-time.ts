/**
 * When the log itself stamped a record, where that is another clock than
 * the arrival here: on Kafka the broker's append time, so that fan-out
 * latency includes the trip through the broker and the consumer (a record
 * appended by another instance arrives only that way). Kept beside the
 * record rather than in it: `LogRecord.ts` is the record's time as the
 * board knows it (an imported record keeps its original time).
 */
import type { LogRecord } from '../protocol/messages.ts';

const stamped = new WeakMap<LogRecord, number>();

/** The log stamped `record` at `epochMs` (Date.now()'s clock). */
export function noteLogTime(record: LogRecord, epochMs: number): void {
  if (Number.isFinite(epochMs)) stamped.set(record, epochMs);
}

/**
 * When the record's fan-out began, on `performance.now()`'s clock: when the
 * log stamped it if it did, else now (its arrival from the subscription,
 * which on the embedded log is its acknowledgement).
 */
export function fanoutStart(record: LogRecord): number {
  const now = performance.now();
  const logTime = stamped.get(record);
  return logTime === undefined ? now : now - (Date.now() - logTime);
}
