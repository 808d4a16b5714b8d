/**
 * The boards this browser opened, for the home page to list: each one's id,
 * name, when it was last opened here, when it last changed, and a small
 * picture of it. Each board has a localStorage key of its own, and at most
 * MAX_RECENT are kept (the longest unopened go), so the list never grows
 * past a few hundred kilobytes however many boards are opened.
 *
 * A key per board, not one list: tabs of one browser may run in different
 * processes, each reading its own copy of the storage, which another tab's
 * write reaches a moment later. A tab that rewrote a whole list would put
 * back what it last saw of the other boards, undoing another tab's save
 * made just before. A board page writes only its own board's key (and
 * takes out others only to keep to MAX_RECENT, or pictures when the storage
 * is full).
 *
 * The board page adds its board on opening (rememberBoard) and keeps the
 * entry up to date as the board changes; the home page reads the entries and
 * removes them (which never touches the boards themselves).
 */
import type { BoardClient } from './board-client.ts';

/** Each board's entry is under this prefix followed by its id. */
export const RECENT_PREFIX = 'whiteboard.recent.';
/** Where earlier versions kept the whole list; read once, into keys of their own. */
const LEGACY_KEY = 'whiteboard.recent';
export const MAX_RECENT = 50;

/** Whether a change to this localStorage key (null: all cleared) changes the list. */
export const isRecentKey = (key: string | null): boolean => key === null || key === LEGACY_KEY || key.startsWith(RECENT_PREFIX);

export type RecentBoard = {
  id: string;
  /** The board's name as last seen here ('' for none). */
  name: string;
  /** When a page here last opened it (this browser's clock, ms). */
  opened: number;
  /** The log time of its last record as last seen here (ms); 0 for an empty board. */
  changed: number;
  /** A data: URL of a small JPEG of the board as last shown here, or '' before the first. */
  thumb: string;
};

/** The thumbnail's size in pixels: small enough for fifty in localStorage. */
export const THUMB_WIDTH = 240;
export const THUMB_HEIGHT = 160;
/** A thumbnail longer than this (a busy board in JPEG) is saved at a lower quality, or not at all. */
const MAX_THUMB_CHARS = 16_000;
/** While the board changes, its entry is written at most this often. */
const SAVE_EVERY_MS = 10_000;
/** After a change, the picture is taken once the canvas has had time to show it. */
const SETTLE_MS = 800;

function isRecentBoard(value: unknown): value is RecentBoard {
  if (typeof value !== 'object' || value === null) return false;
  const entry = value as Record<string, unknown>;
  return (
    typeof entry.id === 'string' &&
    typeof entry.name === 'string' &&
    typeof entry.opened === 'number' &&
    typeof entry.changed === 'number' &&
    typeof entry.thumb === 'string'
  );
}

function parsed(text: string | null): unknown {
  try {
    return text === null ? null : (JSON.parse(text) as unknown);
  } catch {
    return null;
  }
}

/** One board's entry, or null when it is not listed (or is unreadable: mangled by hand, or written by a later version). */
function readEntry(id: string): RecentBoard | null {
  const entry = parsed(localStorage.getItem(RECENT_PREFIX + id));
  return isRecentBoard(entry) && entry.id === id ? entry : null;
}

/** The list an earlier version kept under one key, moved to a key per board (an entry already under its own key is newer and stays). */
function moveLegacyList(): void {
  const legacy = parsed(localStorage.getItem(LEGACY_KEY));
  if (legacy === null) return;
  localStorage.removeItem(LEGACY_KEY);
  if (!Array.isArray(legacy)) return;
  for (const entry of legacy) if (isRecentBoard(entry) && readEntry(entry.id) === null) writeEntry(entry);
}

/** The list, newest opened first; entries this version cannot read are left out. */
export function readRecent(): RecentBoard[] {
  moveLegacyList();
  const list: RecentBoard[] = [];
  for (let i = 0; i < localStorage.length; i++) {
    const key = localStorage.key(i);
    if (!key?.startsWith(RECENT_PREFIX)) continue;
    const entry = readEntry(key.slice(RECENT_PREFIX.length));
    if (entry) list.push(entry);
  }
  return list.sort((a, b) => b.opened - a.opened);
}

/**
 * Saves one board's entry. Storage full (other keys of this origin take
 * room too): the pictures of the older half of the list go, then this
 * entry's own, then the entry is given up on rather than the page failing.
 */
function writeEntry(entry: RecentBoard): void {
  const put = (value: RecentBoard) => {
    try {
      localStorage.setItem(RECENT_PREFIX + value.id, JSON.stringify(value));
      return true;
    } catch {
      return false;
    }
  };
  if (put(entry)) return;
  const list = readRecent().filter((e) => e.id !== entry.id);
  for (const older of list.slice(Math.floor(list.length / 2))) if (older.thumb) put({ ...older, thumb: '' });
  if (put(entry)) return;
  put({ ...entry, thumb: '' });
  // Nothing more to do: the home page lists what was saved before.
}

/** Takes a board off the list (the home page's Remove). */
export function forgetBoard(id: string): void {
  localStorage.removeItem(RECENT_PREFIX + id);
}

/** A page here opened the board now: it goes to the top, keeping what was known of it; past MAX_RECENT, the longest unopened go. */
export function noteOpened(id: string, at: number): void {
  const known = readEntry(id);
  writeEntry({ id, name: '', changed: 0, thumb: '', ...known, opened: at });
  for (const old of readRecent().slice(MAX_RECENT)) if (old.id !== id) forgetBoard(old.id);
}

/**
 * What a page learnt of its board since. Only an entry still listed is
 * updated: a board removed on the home page while a page on it is open
 * stays removed until it is opened again.
 */
export function noteBoard(id: string, seen: Partial<Pick<RecentBoard, 'name' | 'changed' | 'thumb'>>): void {
  const known = readEntry(id);
  if (known) writeEntry({ ...known, ...seen });
}

/**
 * A small JPEG of the board as the page shows it: the middle of the board's
 * canvas, scaled down to fill THUMB_WIDTH × THUMB_HEIGHT, on white (the
 * canvas is transparent where nothing is drawn). One scaled copy of pixels
 * already painted, however large the board: cheap enough for every save.
 * '' when the canvas has no size yet or the picture would be too large.
 */
export function thumbnailOf(canvas: HTMLCanvasElement): string {
  if (canvas.width === 0 || canvas.height === 0) return '';
  const thumb = document.createElement('canvas');
  thumb.width = THUMB_WIDTH;
  thumb.height = THUMB_HEIGHT;
  const ctx = thumb.getContext('2d')!;
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, THUMB_WIDTH, THUMB_HEIGHT);
  const scale = Math.max(THUMB_WIDTH / canvas.width, THUMB_HEIGHT / canvas.height);
  const [w, h] = [THUMB_WIDTH / scale, THUMB_HEIGHT / scale];
  // Thin ink scaled down four times or more would vanish without proper filtering.
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(canvas, (canvas.width - w) / 2, (canvas.height - h) / 2, w, h, 0, 0, THUMB_WIDTH, THUMB_HEIGHT);
  for (const quality of [0.7, 0.4]) {
    const url = thumb.toDataURL('image/jpeg', quality);
    if (url.length <= MAX_THUMB_CHARS) return url;
  }
  return '';
}

/**
 * The board page's side: lists the board as opened now, then keeps its
 * name, last change and picture up to date: a new name at once, the rest
 * at most every SAVE_EVERY_MS while the board changes, and when the page
 * is left. Nothing is written before the board's state has arrived, so an
 * entry is never overwritten with an empty board's.
 */
export function rememberBoard(client: BoardClient, board: string, canvas: HTMLCanvasElement): void {
  noteOpened(board, Date.now());
  let loaded = false;
  let savedName: string | null = null;
  let lastSave = 0;
  let timer = 0;
  const save = (withPicture: boolean) => {
    const { name } = client.state.settings;
    savedName = name;
    const thumb = withPicture ? thumbnailOf(canvas) : '';
    noteBoard(board, { name, changed: client.state.ts, ...(thumb ? { thumb } : {}) });
  };
  const saveSoon = () => {
    if (timer) return;
    timer = window.setTimeout(
      () => {
        timer = 0;
        lastSave = Date.now();
        save(true);
      },
      Math.max(SETTLE_MS, lastSave + SAVE_EVERY_MS - Date.now()),
    );
  };
  client.on('change', () => {
    loaded = true;
    if (client.state.settings.name !== savedName) save(false);
    saveSoon();
  });
  window.addEventListener('pagehide', () => {
    if (!loaded) return;
    clearTimeout(timer);
    timer = 0;
    save(true);
  });
}
