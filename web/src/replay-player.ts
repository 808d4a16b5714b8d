/**
 * Playback of a board's records against a clock. Pure logic: the page
 * drives it from animation frames, tests drive it with a fake clock.
 */
import type { Paper } from '../../server/board/board-settings.ts';
import { applyRecord } from '../../server/board/fold.ts';
import type { BoardState } from '../../server/board/state.ts';
import type { LogRecord } from '../../server/protocol/messages.ts';

export type Clock = { now(): number };

export const SPEEDS = [0.25, 0.5, 1, 2, 4, 8, 16] as const;

/** With "skip idle gaps" on, a pause longer than this plays as this long. */
export const IDLE_GAP_MS = 1_500;

export class ReplayPlayer {
  /** Board time shown now (epoch ms of the board's history). */
  time: number;
  speed = 1;
  skipIdle = true;
  playing = false;
  /** No more records will arrive (the stream ended). */
  complete = false;
  private readonly records: LogRecord[] = [];
  private next = 0;
  private lastTick = 0;

  constructor(
    readonly state: BoardState,
    start: number,
    private readonly clock: Clock,
  ) {
    this.time = start;
  }

  /**
   * Records arrive as the replay streams in, oldest first. Those at or
   * before the current time are shown at once, playing or not, so what is
   * on screen is always the board as of `time`.
   */
  push(records: LogRecord[]): LogRecord[] {
    this.records.push(...records);
    return this.catchUp();
  }

  /** The board's paper at the moment shown. */
  get paper(): Paper {
    return this.state.settings.paper;
  }

  get ended(): boolean {
    return this.complete && this.next >= this.records.length;
  }

  play(): void {
    this.playing = true;
    this.lastTick = this.clock.now();
  }

  /** Stops the clock; returns the records that were due up to now. */
  pause(): LogRecord[] {
    const applied = this.tick();
    this.playing = false;
    return applied;
  }

  /** Changes speed from now on; returns the records that were due up to now. */
  setSpeed(speed: number): LogRecord[] {
    const applied = this.tick();
    this.speed = speed;
    return applied;
  }

  /** Advances board time by the wall time since the last tick; returns the records applied. */
  tick(): LogRecord[] {
    const now = this.clock.now();
    if (!this.playing) return [];
    this.time += (now - this.lastTick) * this.speed;
    this.lastTick = now;
    const applied = this.catchUp();
    // A long pause in the drawing plays as a short one.
    const upcoming = this.records[this.next];
    if (this.skipIdle && upcoming && upcoming.ts - this.time > IDLE_GAP_MS) this.time = upcoming.ts - IDLE_GAP_MS;
    if (this.ended) this.playing = false;
    return applied;
  }

  /** Applies every record at or before the current time. */
  private catchUp(): LogRecord[] {
    const applied: LogRecord[] = [];
    while (this.next < this.records.length && this.records[this.next]!.ts <= this.time) {
      const rec = this.records[this.next++]!;
      applyRecord(this.state, rec);
      applied.push(rec);
    }
    return applied;
  }
}
