/**
 * One value per client address, for quotas that outlive a connection. The
 * map is bounded: past `max` addresses the least recently used is dropped
 * (by then its bucket has usually refilled, and a fresh one starts full).
 */
export class PerAddress<V> {
  private readonly values = new Map<string, V>();

  constructor(
    private readonly create: () => V,
    private readonly max = 10_000,
  ) {}

  get(address: string): V {
    let value = this.values.get(address);
    if (value === undefined) {
      if (this.values.size >= this.max) this.values.delete(this.values.keys().next().value!);
      value = this.create();
    } else {
      this.values.delete(address);
    }
    // Re-inserted: the map's order is least recently used first.
    this.values.set(address, value);
    return value;
  }
}
