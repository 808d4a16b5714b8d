/**
 * How many messages a connection may send: `perSecond`, counted as the
 * client sent them rather than as the server happens to read them.
 *
 * A token bucket of `perSecond` a second that saves up two seconds' worth:
 * one for "at most `perSecond` in any second", one for the network, which
 * delivers a client's messages late and bunched. While the server holds the
 * socket unread (over a write budget, or too many messages waiting), the
 * client goes on sending into its buffers, and reading those afterwards
 * looks like a burst; so time held counts as sending time: it raises the
 * cap by as many messages as the client could have sent meanwhile. What
 * piled up is read as soon as the socket is, back to back; the raised cap
 * holds while messages keep coming, and lapses after a quiet spell
 * (QUIET_MS), or once as long again as the hold has passed: a client cannot
 * save time held up for later.
 */

/** Messages read after a hold come back to back: a pause this long means its backlog is in. */
const QUIET_MS = 2_000;

export class MessageRate {
  private readonly cap: number;
  /** What holds raised the cap by, until it lapses. */
  private raised = 0;
  private tokens: number;
  private at: number;
  private held = false;
  private heldAt = 0;
  /** When the last message came, or the socket was read again. */
  private lastHeard: number;
  /** The raised cap lapses at this time at the latest. */
  private raisedUntil = 0;

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.cap = 2 * perSecond;
    this.tokens = this.cap;
    this.at = this.lastHeard = now();
  }

  /** Counts a message; false when the client sends faster than it may. */
  take(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    this.lastHeard = this.at;
    return true;
  }

  /** The server stopped reading the socket. */
  hold(): void {
    if (this.held) return;
    this.refill();
    this.held = true;
    this.heldAt = this.at;
  }

  /** The server reads the socket again: what piled up meanwhile comes now. */
  release(): void {
    if (!this.held) return;
    this.refill();
    this.held = false;
    this.lastHeard = this.at;
    this.raisedUntil = Math.max(this.raisedUntil, this.at + (this.at - this.heldAt) + QUIET_MS);
  }

  private refill(): void {
    const now = this.now();
    const earned = ((now - this.at) / 1_000) * this.perSecond;
    this.at = now;
    if (this.held) {
      this.raised += earned;
    } else if (this.raised > 0 && (now - this.lastHeard > QUIET_MS || now > this.raisedUntil)) {
      // A hold's backlog is in: what it allowed and nobody sent lapses.
      this.raised = 0;
    }
    this.tokens = Math.min(this.cap + this.raised, this.tokens + earned);
  }
}
