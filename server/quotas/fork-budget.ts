/**
 * What each address may write by forking boards: a fork copies a whole
 * drawing in one request, so it is paid for in points like drawing is.
 */
import { TokenBucket } from './token-bucket.ts';

/** Addresses remembered at most; the oldest are forgotten first (they have refilled by then). */
const MAX_ADDRESSES = 10_000;

export class ForkBudget {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private readonly pointsPerHour: number) {}

  /** Spends `points` for `ip`, or returns how many milliseconds until it could. */
  spend(ip: string, points: number): number {
    let bucket = this.buckets.get(ip);
    if (!bucket) {
      if (this.buckets.size >= MAX_ADDRESSES) this.buckets.delete(this.buckets.keys().next().value!);
      bucket = new TokenBucket(this.pointsPerHour / 3_600, this.pointsPerHour);
      this.buckets.set(ip, bucket);
    }
    return bucket.trySpend(points) ? 0 : bucket.waitFor(points);
  }
}
