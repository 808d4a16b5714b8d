/**
 * The boards this browser opened, for the home page to list: each one's id,
 * name, when it was last opened here, when it last changed, and a small
 * picture of it. The list lives under one localStorage key, newest opened
 * first and at most MAX_RECENT long, so it never grows past a few hundred
 * kilobytes however many boards are opened.
 *
 * The board page adds its board on opening (rememberBoard) and keeps the
 * entry up to date as the board changes; the home page reads the list and
 * removes entries from it (which never touches the boards themselves).
 */
import type { BoardClient } from './board-client.ts';

export const RECENT_KEY = 'whiteboard.recent';
export const MAX_RECENT = 50;

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

/** The list, newest opened first; entries this version cannot read (or a list another tab mangled) are left out. */
export function readRecent(): RecentBoard[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(localStorage.getItem(RECENT_KEY) ?? '[]');
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  return parsed.filter(isRecentBoard).sort((a, b) => b.opened - a.opened);
}

/**
 * Saves the list, cut to MAX_RECENT. Storage full (other keys of this
 * origin take room too): the older half's pictures go, then the list is
 * given up on rather than the page failing.
 */
function writeRecent(list: RecentBoard[]): void {
  const kept = list.slice(0, MAX_RECENT);
  try {
    localStorage.setItem(RECENT_KEY, JSON.stringify(kept));
  } catch {
    const half = Math.ceil(kept.length / 2);
    try {
      localStorage.setItem(RECENT_KEY, JSON.stringify(kept.map((entry, i) => (i < half ? entry : { ...entry, thumb: '' }))));
    } catch {
      // Nothing more to do: the home page lists what was saved before.
    }
  }
}

/** Takes a board off the list (the home page's Remove). */
export function forgetBoard(id: string): void {
  writeRecent(readRecent().filter((entry) => entry.id !== id));
}

/** A page here opened the board now: it goes to the top, keeping what was known of it. */
export function noteOpened(id: string, at: number): void {
  const list = readRecent();
  const known = list.find((entry) => entry.id === id);
  const entry: RecentBoard = { id, name: '', changed: 0, thumb: '', ...known, opened: at };
  writeRecent([entry, ...list.filter((e) => e !== known)]);
}

/**
 * What a page learnt of its board since. Only an entry still listed is
 * updated: a board removed on the home page while a page on it is open
 * stays removed until it is opened again.
 */
export function noteBoard(id: string, seen: Partial<Pick<RecentBoard, 'name' | 'changed' | 'thumb'>>): void {
  const list = readRecent();
  const at = list.findIndex((entry) => entry.id === id);
  if (at < 0) return;
  list[at] = { ...list[at]!, ...seen };
  writeRecent(list);
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
