/**
 * What the board's owner controls (the owner link; server/board/owner-fold.ts):
 * pausing drawing for everyone else, replacing the edit link, and taking
 * back everything one person did in a time range. All of it goes through
 * the log like any operation; the fold decides who may.
 */
import { LIMITS } from '../../server/protocol/messages.ts';
import type { BoardState } from '../../server/board/state.ts';
import type { BoardClient } from './board-client.ts';

const $ = <T extends HTMLElement>(selector: string) => document.querySelector<T>(selector)!;

/** Someone who did something on the board, as the owner's list shows them. */
export type Contributor = { user: string; name: string; items: number; points: number; removals: number; changes: number; last: number };

/** Everyone who made, erased, cleared, moved or restyled anything, most recently active first. */
export function contributors(state: BoardState): Contributor[] {
  const by = new Map<string, Contributor>();
  const of = (user: string, name: string | undefined) => {
    let c = by.get(user);
    if (!c) by.set(user, (c = { user, name: state.sessions.names.get(user) ?? name ?? 'someone', items: 0, points: 0, removals: 0, changes: 0, last: 0 }));
    return c;
  };
  for (const s of state.strokes.values()) {
    const c = of(s.user, s.name);
    c.items++;
    c.points += s.n;
    c.last = Math.max(c.last, s.ts);
  }
  for (const s of state.shapes.values()) {
    const c = of(s.user, s.name);
    c.items++;
    c.last = Math.max(c.last, s.ts);
  }
  for (const a of state.actions.values()) {
    if (a.kind === 'stroke' || a.kind === 'add' || a.kind === 'revert') continue;
    const c = of(a.user, undefined);
    if (a.kind === 'erase' || a.kind === 'clear') c.removals++;
    else c.changes++;
    c.last = Math.max(c.last, a.ts);
  }
  return [...by.values()].sort((a, b) => b.last - a.last);
}

/** Time ranges the owner picks from, back from the board's last change. */
const RANGES: [label: string, ms: number][] = [
  ['the last minute', 60_000],
  ['the last 5 minutes', 5 * 60_000],
  ['the last 15 minutes', 15 * 60_000],
  ['the last hour', 60 * 60_000],
  ['all the time', Number.POSITIVE_INFINITY],
];

export class OwnerTools {
  constructor(
    private readonly client: BoardClient,
    private readonly toast: (text: string) => void,
  ) {
    const dialog = $<HTMLDialogElement>('#owner-dialog');
    $('#owner-tools').addEventListener('click', () => {
      this.fill();
      dialog.showModal();
    });
    $('#pause-drawing').addEventListener('click', () => client.send({ k: 'pause', on: client.state.paused ? 0 : 1 }));
    $('#resume-drawing').addEventListener('click', () => client.send({ k: 'pause', on: 0 }));
    $('#replace-edit-link').addEventListener('click', () => {
      if (!confirm('Replace the edit link? Everyone on the old one watches from now on; share the new one with those who should draw.')) return;
      client.send({ k: 'rekey' });
      this.toast('Edit link replaced: the share dialog has the new one');
    });
    const range = $<HTMLSelectElement>('#revert-range');
    range.replaceChildren(...RANGES.map(([label], i) => new Option(label, String(i), i === 1, i === 1)));
    range.addEventListener('change', () => this.fill());
  }

  /** The toolbar and banners as the board is: who owns it, whether drawing is paused. */
  show(): void {
    const { role, state } = this.client;
    $('#owner-tools').hidden = role !== 'owner';
    const banner = $('#paused-banner');
    banner.hidden = !state.paused;
    $('#paused-text').textContent = role === 'owner' ? 'Drawing is paused for everyone but you.' : 'The owner paused drawing: you can watch and point.';
    $('#resume-drawing').hidden = role !== 'owner';
    $('#pause-drawing').textContent = state.paused ? 'Resume drawing' : 'Pause drawing for everyone else';
  }

  /** The people list: each with what they did and a button to take back their work in the range chosen. */
  private fill(): void {
    this.show();
    const state = this.client.state;
    const [label, ms] = RANGES[Number($<HTMLSelectElement>('#revert-range').value)] ?? RANGES[1]!;
    const from = Number.isFinite(ms) ? Math.max(0, state.ts - ms) : 0;
    const list = $('#revert-people');
    const people = contributors(state).filter((c) => c.last >= from);
    list.replaceChildren(
      ...people.map((c) => {
        const row = document.createElement('li');
        const what = [`${c.items} item${c.items === 1 ? '' : 's'}`, c.points > 0 ? `${c.points.toLocaleString()} points` : '', c.removals > 0 ? `${c.removals} erase${c.removals === 1 ? '' : 's'}/clears` : '', c.changes > 0 ? `${c.changes} move${c.changes === 1 ? '' : 's'}/restyles` : ''];
        row.append(Object.assign(document.createElement('span'), { textContent: `${c.name} — ${what.filter(Boolean).join(', ')}` }));
        const button = Object.assign(document.createElement('button'), { textContent: 'Undo their work', title: `Take back what ${c.name} did in ${label}` });
        button.dataset.user = c.user;
        button.addEventListener('click', () => {
          this.client.send({ k: 'revert', user: c.user, from, to: LIMITS.maxSeq });
          this.toast(`Took back what ${c.name} did in ${label}. Undo brings it back.`);
          $<HTMLDialogElement>('#owner-dialog').close();
        });
        row.append(button);
        return row;
      }),
    );
    if (people.length === 0) list.append(Object.assign(document.createElement('li'), { textContent: `Nobody did anything in ${label}.` }));
  }
}
