/**
 * What each address may write by forking boards: a fork copies a whole
 * drawing in one request, so it is paid for in points like drawing is.
 */
import { PerAddress } from './per-address.ts';
import { TokenBucket } from './token-bucket.ts';

export class ForkBudget {
  private readonly buckets: PerAddress<TokenBucket>;

  constructor(pointsPerHour: number) {
    this.buckets = new PerAddress(() => new TokenBucket(pointsPerHour / 3_600, pointsPerHour));
  }

  /** Spends `points` for `ip`, or returns how many milliseconds until it could. */
  spend(ip: string, points: number): number {
    const bucket = this.buckets.get(ip);
    return bucket.trySpend(points) ? 0 : bucket.waitFor(points);
  }
}
