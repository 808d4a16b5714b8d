/**
 * A token bucket: `rate` tokens a second, up to `burst` saved up. Spending
 * may take the balance below zero; the spender then waits until it is paid
 * back, which shapes a client to the rate instead of refusing its work.
 */
export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.at = now();
  }

  /** Spends `amount`; returns how many milliseconds the spender should wait before going on. */
  spend(amount: number): number {
    this.refill();
    this.tokens -= amount;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.rate) * 1_000);
  }

  /** Spends `amount` only if the balance covers it. */
  trySpend(amount: number): boolean {
    this.refill();
    if (this.tokens < amount) return false;
    this.tokens -= amount;
    return true;
  }

  /** Milliseconds until `amount` is available. */
  waitFor(amount: number): number {
    this.refill();
    return this.tokens >= amount ? 0 : Math.ceil(((amount - this.tokens) / this.rate) * 1_000);
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) / 1_000) * this.rate);
    this.at = now;
  }
}
