/** Counts board connections per client address, so one address cannot take every socket. */
export class ConnectionsPerIp {
  private readonly counts = new Map<string, number>();

  constructor(private readonly max: number) {}

  /** Takes a place for `ip`; false when it has `max` already. */
  acquire(ip: string): boolean {
    const count = this.counts.get(ip) ?? 0;
    if (count >= this.max) return false;
    this.counts.set(ip, count + 1);
    return true;
  }

  release(ip: string): void {
    const count = (this.counts.get(ip) ?? 1) - 1;
    if (count <= 0) this.counts.delete(ip);
    else this.counts.set(ip, count);
  }
}
