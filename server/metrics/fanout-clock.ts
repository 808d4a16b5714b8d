/**
 * Times a room's fan-out: from a record's start (metrics/log-time.ts) to
 * the moment its frames are written to the room's clients. Sessions gather
 * records and write them as one frame in a setImmediate (rooms/session.ts);
 * a setImmediate queued after theirs runs right after those writes, so one
 * per room and event-loop turn observes every record the turn fanned out.
 */
import type { Metrics } from './metrics.ts';

export class FanoutClock {
  private started: number[] = [];

  constructor(private readonly metrics: Pick<Metrics, 'fannedOut'>) {}

  /** A record was handed to the room's sessions; `start` from fanoutStart. */
  handed(start: number): void {
    if (this.started.push(start) > 1) return;
    setImmediate(() => {
      const now = performance.now();
      for (const started of this.started) this.metrics.fannedOut(now - started);
      this.started = [];
    });
  }
}
