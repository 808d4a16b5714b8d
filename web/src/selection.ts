/**
 * Which items this page has selected. Only ids: what they are and where
 * they are is read from the scene when needed, so a selected item that
 * someone else moves, restyles or erases is shown as it now is (or drops
 * out of the selection).
 */
export class Selection {
  private ids = new Set<string>();
  private readonly listeners = new Set<() => void>();

  get size(): number {
    return this.ids.size;
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  list(): string[] {
    return [...this.ids];
  }

  onChange(listener: () => void): void {
    this.listeners.add(listener);
  }

  set(ids: Iterable<string>): void {
    const next = new Set(ids);
    if (next.size === this.ids.size && [...next].every((id) => this.ids.has(id))) return;
    this.ids = next;
    this.changed();
  }

  add(ids: Iterable<string>): void {
    this.set([...this.ids, ...ids]);
  }

  /** Shift+click: in if out, out if in. */
  toggle(id: string): void {
    const next = new Set(this.ids);
    if (!next.delete(id)) next.add(id);
    this.set(next);
  }

  clear(): void {
    this.set([]);
  }

  /** Drops what is no longer shown (erased, undone by its author). */
  keepOnly(shown: (id: string) => boolean): void {
    const kept = [...this.ids].filter(shown);
    if (kept.length !== this.ids.size) this.set(kept);
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}
