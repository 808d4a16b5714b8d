/**
 * The write budget of board connections. Each connection has its own
 * bucket, and all connections from one address share a second, larger one
 * (ADDRESS_FACTOR connections' worth): closing and reopening a socket then
 * buys no fresh burst, and one address cannot write more than a full
 * classroom behind one NAT draws.
 */
import { PerAddress } from './per-address.ts';
import type { Quotas } from './quotas.ts';
import { TokenBucket } from './token-bucket.ts';

/** An address may write as much as this many connections drawing flat out. */
export const ADDRESS_FACTOR = 20;

export type WriteBudget = {
  /** Spends `points`; returns how many milliseconds the connection should wait before going on. */
  spend(points: number): number;
};

export class WriteBudgets {
  private readonly addresses: PerAddress<TokenBucket>;

  constructor(private readonly quotas: Pick<Quotas, 'writePointsPerSecond' | 'writeBurstPoints'>) {
    this.addresses = new PerAddress(() => new TokenBucket(quotas.writePointsPerSecond * ADDRESS_FACTOR, quotas.writeBurstPoints * ADDRESS_FACTOR));
  }

  /** The budget of a new connection from `address`. */
  forConnection(address: string): WriteBudget {
    const own = new TokenBucket(this.quotas.writePointsPerSecond, this.quotas.writeBurstPoints);
    const shared = this.addresses.get(address);
    return { spend: (points) => Math.max(own.spend(points), shared.spend(points)) };
  }
}
