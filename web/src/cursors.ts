/** Other people's cursors with their names, as absolutely positioned labels. */
import type { Participant } from '../../server/protocol/messages.ts';
import { colorFor } from './identity.ts';

export class Cursors {
  private readonly elements = new Map<string, HTMLElement>();
  private names = new Map<string, string>();

  constructor(private readonly layer: HTMLElement) {}

  setPeople(people: Participant[]): void {
    this.names = new Map(people.map((p) => [p.cid, p.name]));
    for (const [cid, el] of this.elements) {
      const name = this.names.get(cid);
      if (name === undefined) this.remove(cid);
      else el.querySelector('span')!.textContent = name;
    }
  }

  move(cid: string, x: number | null, y: number | null): void {
    if (x === null || y === null) return this.remove(cid);
    let el = this.elements.get(cid);
    if (!el) {
      el = document.createElement('div');
      el.className = 'cursor';
      el.dataset.cid = cid;
      el.style.setProperty('--who', colorFor(cid));
      const label = document.createElement('span');
      label.textContent = this.names.get(cid) ?? '…';
      el.append(label);
      this.layer.append(el);
      this.elements.set(cid, el);
    }
    el.style.transform = `translate(${x}px, ${y}px)`;
  }

  private remove(cid: string): void {
    this.elements.get(cid)?.remove();
    this.elements.delete(cid);
  }
}
