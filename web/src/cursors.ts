/**
 * Other people's cursors with their names, as absolutely positioned labels.
 * Positions arrive in world units and follow the view as it pans and zooms.
 */
import type { Participant } from '../../server/protocol/messages.ts';
import { colorFor } from './identity.ts';
import type { View } from './view.ts';

type Shown = { el: HTMLElement; x: number; y: number };

export class Cursors {
  private readonly shown = new Map<string, Shown>();
  private names = new Map<string, string>();

  constructor(
    private readonly layer: HTMLElement,
    private readonly view: View,
  ) {
    view.onChange(() => {
      for (const cursor of this.shown.values()) this.place(cursor);
    });
  }

  setPeople(people: Participant[]): void {
    this.names = new Map(people.map((p) => [p.cid, p.name]));
    for (const [cid, cursor] of this.shown) {
      const name = this.names.get(cid);
      if (name === undefined) this.remove(cid);
      else cursor.el.querySelector('span')!.textContent = name;
    }
  }

  move(cid: string, x: number | null, y: number | null): void {
    if (x === null || y === null) return this.remove(cid);
    let cursor = this.shown.get(cid);
    if (!cursor) {
      const el = document.createElement('div');
      el.className = 'cursor';
      el.dataset.cid = cid;
      el.style.setProperty('--who', colorFor(cid));
      const label = document.createElement('span');
      label.textContent = this.names.get(cid) ?? '…';
      el.append(label);
      this.layer.append(el);
      cursor = { el, x, y };
      this.shown.set(cid, cursor);
    }
    cursor.x = x;
    cursor.y = y;
    this.place(cursor);
  }

  private place(cursor: Shown): void {
    const at = this.view.toScreen(cursor.x, cursor.y);
    cursor.el.style.transform = `translate(${at.x}px, ${at.y}px)`;
  }

  private remove(cid: string): void {
    this.shown.get(cid)?.el.remove();
    this.shown.delete(cid);
  }
}
