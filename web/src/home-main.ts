/**
 * The home page (/): a New board button, and the boards this browser opened
 * (recent-boards.ts), newest opened first, each with its picture, its name,
 * when it last changed, and a button taking it off the list. A browser that
 * opened none gets a short welcome instead.
 */
import { forgetBoard, isRecentKey, readRecent, type RecentBoard } from './recent-boards.ts';

const $ = <T extends HTMLElement>(selector: string) => document.querySelector<T>(selector)!;

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 86_400_000],
  ['month', 30 * 86_400_000],
  ['week', 7 * 86_400_000],
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
];
const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

/** "changed 5 minutes ago", from a board's last log time; `now` is this browser's clock. */
function changedAgo(changed: number, now: number): string {
  if (changed === 0) return 'nothing drawn yet';
  const ago = now - changed;
  // Within a minute, or ahead of this browser's clock (the time is the server's).
  if (ago < 60_000) return 'changed just now';
  const [unit, ms] = UNITS.find(([, ms]) => ago >= ms)!;
  return `changed ${relative.format(-Math.floor(ago / ms), unit)}`;
}

function boardItem(entry: RecentBoard, now: number): HTMLLIElement {
  const item = document.createElement('li');
  item.dataset.board = entry.id;
  const label = entry.name || entry.id;
  const link = document.createElement('a');
  link.className = 'open';
  link.href = `/b/${encodeURIComponent(entry.id)}`;
  // Only a picture this app made: anything else under the key is not shown.
  if (entry.thumb.startsWith('data:image/')) {
    const picture = document.createElement('img');
    picture.className = 'thumb';
    picture.src = entry.thumb;
    picture.alt = '';
    link.append(picture);
  } else {
    const blank = document.createElement('span');
    blank.className = 'thumb';
    link.append(blank);
  }
  const name = document.createElement('span');
  name.className = 'name';
  name.classList.toggle('unnamed', entry.name === '');
  name.textContent = label;
  name.title = label;
  link.append(name);
  const changed = document.createElement('span');
  changed.className = 'changed';
  changed.textContent = changedAgo(entry.changed, now);
  if (entry.changed > 0) changed.title = new Date(entry.changed).toLocaleString();
  const remove = document.createElement('button');
  remove.className = 'remove';
  remove.textContent = 'Remove';
  remove.title = 'Take it off this list (the board itself stays, for everyone who has its link)';
  remove.setAttribute('aria-label', `Remove ${label} from this list`);
  remove.addEventListener('click', () => {
    const at = [...$('#recent').children].indexOf(item);
    forgetBoard(entry.id);
    show();
    // Keyboard users stay in the list: on the next board's Remove, or else on New board.
    const left = document.querySelectorAll<HTMLElement>('#recent .remove');
    (left[Math.min(at, left.length - 1)] ?? $('#new-board')).focus();
  });
  item.append(link, changed, remove);
  return item;
}

function show(): void {
  const list = readRecent();
  const now = Date.now();
  // A list shown again while another tab draws must not take the focus from whoever is going through it.
  const focused = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  const focusedBoard = focused?.closest<HTMLElement>('#recent li')?.dataset.board;
  $('#welcome').hidden = list.length > 0;
  $('#recent-section').hidden = list.length === 0;
  $('#recent').replaceChildren(...list.map((entry) => boardItem(entry, now)));
  if (focusedBoard === undefined || !focused) return;
  const item = [...$('#recent').children].find((li) => li instanceof HTMLElement && li.dataset.board === focusedBoard);
  item?.querySelector<HTMLElement>(`.${focused.className}`)?.focus();
}

show();
// Another tab opened or renamed a board, or the page came back from the history: the list as it is now.
window.addEventListener('storage', (event) => {
  if (isRecentKey(event.key)) show();
});
window.addEventListener('pageshow', (event) => {
  if (event.persisted) show();
});
