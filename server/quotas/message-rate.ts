/**
 * How many messages a connection may send: `perSecond`, counted as the
 * client sent them rather than as the server happens to read them.
 *
 * A token bucket of `perSecond` a second that saves up two seconds' worth:
 * one for "at most `perSecond` in any second", one for the network, which
 * delivers a client's messages late and bunched. While the server holds the
 * socket unread (over a write budget, or too many messages waiting), the
 * client goes on sending into its buffers, and reading those afterwards
 * looks like a burst; so time held counts as sending time: tokens saved
 * meanwhile are not capped (up to MAX_HELD_MS worth) and stay usable until
 * GRACE_MS after the socket is read again, time for the buffers to drain.
 */

/** Bunched messages read after a hold arrive within this. */
const GRACE_MS = 1_000;
/** Longest time held that buys messages: a write budget's wait is seconds. */
const MAX_HELD_MS = 60_000;

export class MessageRate {
  private readonly cap: number;
  private tokens: number;
  private at: number;
  private held = false;
  private graceUntil = -Infinity;

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.cap = 2 * perSecond;
    this.tokens = this.cap;
    this.at = now();
  }

  /** Counts a message; false when the client sends faster than it may. */
  take(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** The server stopped reading the socket. */
  hold(): void {
    this.refill();
    this.held = true;
  }

  /** The server reads the socket again: what piled up meanwhile comes now. */
  release(): void {
    this.refill();
    this.held = false;
    this.graceUntil = this.now() + GRACE_MS;
  }

  private refill(): void {
    const now = this.now();
    const max = this.held || now <= this.graceUntil ? this.cap + (this.perSecond * MAX_HELD_MS) / 1_000 : this.cap;
    this.tokens = Math.min(max, this.tokens + ((now - this.at) / 1_000) * this.perSecond);
    this.at = now;
  }
}
