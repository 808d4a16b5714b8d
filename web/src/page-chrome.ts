/**
 * The board page around the board: the connection banner, the people on
 * the board (a click follows someone's view), toasts, and an import's
 * progress.
 */
import type { Participant } from '../../server/protocol/messages.ts';
import type { BoardClient, Status } from './board-client.ts';
import type { Cursors } from './cursors.ts';
import type { Following } from './follow.ts';
import { colorFor } from './identity.ts';
import type { Sharing } from './share.ts';

const $ = <T extends HTMLElement>(selector: string) => document.querySelector<T>(selector)!;

let toastTimer = 0;
export function toast(text: string): void {
  const el = $('#toast');
  el.textContent = text;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = window.setTimeout(() => (el.hidden = true), 4_000);
}

/** A long import's progress (a PDF's pages): its label and how much is done, 0-1; hidden when the label is null. */
export function showProgress(el: HTMLElement, label: string | null, done = 0): void {
  el.hidden = label === null;
  if (label === null) return;
  el.querySelector('span')!.textContent = label;
  el.querySelector('progress')!.value = done;
}

export function showStatus(client: BoardClient, sharing: Sharing, status: Status, detail: string): void {
  const banner = $('#status');
  document.body.dataset.status = status;
  if (status === 'live') sharing.ownIfNew();
  const full = client.full && status === 'live';
  banner.textContent = full
    ? 'This board is full: it is read-only now. Start a new board to go on drawing.'
    : status === 'live'
      ? ''
      : status === 'failed'
        ? `Cannot open this board: ${detail}`
        : status === 'reconnecting'
          ? 'Reconnecting… your drawing is kept and will be saved'
          : 'Connecting…';
  // A deleted board has a notice of its own (deleted-board.ts).
  banner.hidden = (status === 'live' && !full) || status === 'deleted';
}

/** The people on the board: a click on someone follows their view; on oneself, renames (`rename`). */
export function showPeople(client: BoardClient, cursors: Cursors, following: Following, people: Participant[], rename: () => void): void {
  const list = $('#people');
  const follows = people.find((p) => p.cid === client.cid)?.follows;
  list.replaceChildren(
    ...people.map((person) => {
      const chip = document.createElement('li');
      const you = person.cid === client.cid ? ' (you)' : '';
      chip.textContent = `${person.name}${you}${person.role === 'viewer' ? ' · watching' : ''}${person.presenting ? ' · presenting' : ''}`;
      chip.title = person.role === 'viewer' ? 'watching (view-only link)' : 'drawing';
      chip.classList.toggle('viewer', person.role === 'viewer');
      chip.classList.toggle('followed', person.cid === follows);
      chip.style.setProperty('--who', colorFor(person.cid));
      if (person.cid === client.cid) {
        chip.tabIndex = 0;
        chip.setAttribute('role', 'button');
        chip.id = 'me';
        chip.title = 'you · click to change your name';
        chip.addEventListener('click', rename);
        chip.addEventListener('keydown', (event) => {
          if (event.key !== 'Enter' && event.key !== ' ') return;
          event.preventDefault();
          event.stopPropagation();
          rename();
        });
      } else {
        chip.tabIndex = 0;
        chip.setAttribute('role', 'button');
        chip.setAttribute('aria-pressed', String(person.cid === follows));
        chip.title += person.cid === follows ? ' · click to stop following them' : ' · click to follow their view';
        // Follows what they see, as they pan and zoom (follow.ts).
        chip.addEventListener('click', () => following.toggle(person.cid));
        chip.addEventListener('keydown', (event) => {
          if (event.key !== 'Enter' && event.key !== ' ') return;
          // A key on the chip is for the chip, not a board shortcut.
          event.preventDefault();
          event.stopPropagation();
          following.toggle(person.cid);
        });
      }
      return chip;
    }),
  );
  cursors.setPeople(people);
}
