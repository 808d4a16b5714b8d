/**
 * Who this browser is: a stable user id (owner of undo history) and a
 * nickname, both remembered in localStorage; and a fresh client id per page.
 */
import { ID_PATTERN, LIMITS } from '../../server/protocol/messages.ts';

function randomId(bytes = 9): string {
  const raw = crypto.getRandomValues(new Uint8Array(bytes));
  return btoa(String.fromCharCode(...raw)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function userId(): string {
  let id = localStorage.getItem('whiteboard.user');
  if (!id) {
    id = randomId();
    localStorage.setItem('whiteboard.user', id);
  }
  return id;
}

export function pageClientId(): string {
  return randomId();
}

/** A key a link's fragment brought (`#<param>=<key>`), remembered per board in `slot`, or else a fresh one. */
function linkKey(slot: string, param: string): string {
  const fromLink = new URLSearchParams(location.hash.slice(1)).get(param);
  if (fromLink && ID_PATTERN.test(fromLink)) localStorage.setItem(slot, fromLink);
  let key = localStorage.getItem(slot);
  if (!key || !ID_PATTERN.test(key)) {
    key = randomId(18);
    localStorage.setItem(slot, key);
  }
  return key;
}

/**
 * The edit key this browser holds for a board: the one an edit link
 * (`#edit=<key>`) brought, or else a fresh one (with which it claims a
 * board drawn before owners, from the share dialog).
 */
export function editKey(board: string): string {
  return linkKey(`whiteboard.key.${board}`, 'edit');
}

/**
 * The owner key this browser holds for a board: from an owner link
 * (`#owner=<key>`), or else a fresh one, with which this browser owns the
 * board if it is the first to open it (share.ts).
 */
export function ownerKey(board: string): string {
  return linkKey(`whiteboard.owner.${board}`, 'owner');
}

export function savedNickname(): string | null {
  return localStorage.getItem('whiteboard.name');
}

export function saveNickname(name: string): void {
  localStorage.setItem('whiteboard.name', name);
}

/** Trims and bounds a nickname the way the server will accept it. */
export function cleanNickname(raw: string): string | null {
  const name = raw.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, LIMITS.maxNameLength);
  return name.length > 0 ? name : null;
}

/** A colour per client, the same on every screen. */
export function colorFor(cid: string): string {
  let hash = 0;
  for (let i = 0; i < cid.length; i++) hash = (hash * 31 + cid.charCodeAt(i)) | 0;
  return `hsl(${Math.abs(hash) % 360} 70% 45%)`;
}
