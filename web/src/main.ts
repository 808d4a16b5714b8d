/**
 * The board page: wires the toolbar, the canvas and the connection.
 */
import { isVisible } from '../../server/board/state.ts';
import { ERROR, type LogRecord, type Participant, type Role } from '../../server/protocol/messages.ts';
import { decodePoints, type Point } from '../../server/protocol/points.ts';
import { BoardClient, type Status } from './board-client.ts';
import { Cursors } from './cursors.ts';
import { Drawing, type Tool } from './drawing.ts';
import { exportMenu } from './export.ts';
import { cleanNickname, colorFor, editKey, pageClientId, saveNickname, savedNickname, userId } from './identity.ts';
import { Navigation, zoomControls } from './navigation.ts';
import { Renderer, type Drawable } from './renderer.ts';
import { Sharing } from './share.ts';
import { precisionFor, View } from './view.ts';

const $ = <T extends HTMLElement>(selector: string) => document.querySelector<T>(selector)!;

const board = decodeURIComponent(location.pathname.split('/')[2] ?? '');
const canvas = $<HTMLCanvasElement>('#board');
const view = new View();
const cursors = new Cursors($('#cursors'), view);

function askNickname(): string {
  const saved = savedNickname();
  if (saved) return saved;
  const name = cleanNickname(prompt('Your name on the board:') ?? '') ?? `Guest ${Math.floor(Math.random() * 900 + 100)}`;
  saveNickname(name);
  return name;
}

const key = editKey(board);
const client = new BoardClient({
  url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws/${encodeURIComponent(board)}`,
  user: userId(),
  cid: pageClientId(),
  name: askNickname(),
  key,
});

/** Confirmed strokes, with this page's own unacknowledged strokes drawn from local points. */
function* onScreen(): Iterable<Drawable> {
  for (const stroke of client.state.strokes.values()) {
    if (!isVisible(stroke) || drawing.erasing.has(stroke.id)) continue;
    yield drawing.local.get(stroke.id) ?? stroke;
  }
  for (const stroke of drawing.local.values()) {
    if (!client.state.strokes.has(stroke.id)) yield stroke;
  }
}

const renderer = new Renderer(canvas, view, onScreen);
const redraw = () => renderer.invalidate();

const drawing = new Drawing({
  client,
  strokesTouching: (a, b, radius) => renderer.strokesTouching(a, b, radius),
  zoom: () => view.zoom,
  redraw,
});
const sharing = new Sharing(client, board, key, toast);

client.on('change', redraw);
client.on('resync', () => {
  showFirstView();
  // A snapshot acknowledges without records: settle local drafts against it.
  for (const id of drawing.local.keys()) if (client.state.strokes.get(id)?.ended) drawing.local.delete(id);
  const pendingErase = new Set(client.pendingOps().flatMap((op) => (op.k === 'erase' ? op.ids : [])));
  for (const id of drawing.erasing) if (!pendingErase.has(id) && !drawing.isErasingNow(id)) drawing.erasing.delete(id);
});
client.on('record', (record) => {
  sharing.onRecord(record);
  if (record.cid !== client.cid) return followTip(record);
  const op = record.op;
  if (op.k === 'end') drawing.local.delete(op.id);
  if (op.k === 'erase') for (const id of op.ids) drawing.erasing.delete(id);
});
client.on('refused', (reason, op, code) => {
  if (op && (op.k === 'begin' || op.k === 'ext' || op.k === 'end')) drawing.abandon(op.id);
  if (op?.k === 'erase') for (const id of op.ids) drawing.erasing.delete(id);
  // Someone else got there first (erased it, cleared, claimed): nothing to report.
  if (code !== ERROR.noEffect) toast(op ? `Not saved: ${reason}` : reason);
  redraw();
});
client.on('access', showAccess);
client.on('status', showStatus);
client.on('people', showPeople);
client.on('cursor', (cid, x, y) => cursors.move(cid, x, y));

/** Someone drawing sends no cursor frames: their pen's tip is where their pointer is. */
function followTip(record: LogRecord): void {
  const op = record.op;
  if (op.k !== 'begin' && op.k !== 'ext') return;
  const stroke = client.state.strokes.get(op.id);
  if (!stroke || stroke.user !== record.user) return;
  const tip = decodePoints(op.p, stroke.pr, stroke.q ?? 0).at(-1);
  if (tip) cursors.move(record.cid, tip.x, tip.y);
}

// ---------------------------------------------------------------------------
// Pointer input (mouse, touch and pen alike).

/** The pointer's place on the board in world units, as precise as the zoom needs (see view.ts). */
function pointOf(event: PointerEvent): Point {
  const rect = canvas.getBoundingClientRect();
  const world = view.toWorld(event.clientX - rect.left, event.clientY - rect.top);
  const unit = 2 ** precisionFor(view.zoom);
  const point: Point = { x: Math.round(world.x * unit) / unit, y: Math.round(world.y * unit) / unit };
  // Pens report real pressure; mice report a constant 0.5 or 0.
  if (event.pointerType === 'pen') point.p = Math.round(event.pressure * 100) / 100;
  return point;
}

const canDraw = () => client.role === 'editor' && !client.full;

let activePointer: number | null = null;
const navigation = new Navigation(canvas, view, {
  drawsOnDrag: () => canDraw() && tool !== 'hand',
  onGestureStart: () => {
    // A second finger: a stroke only just begun was the start of a pinch, not a line.
    if (activePointer === null) return;
    activePointer = null;
    drawing.cancel();
  },
});
canvas.addEventListener('pointerdown', (event) => {
  event.preventDefault(); // no text selection or native drag while drawing
  if (navigation.takes(event)) return;
  if (activePointer !== null || event.button !== 0) return;
  activePointer = event.pointerId;
  canvas.setPointerCapture(event.pointerId);
  drawing.down(pointOf(event), event.pointerType === 'pen', event.pointerType === 'touch');
});
// Cursor positions go out at most once per frame.
let cursorAt: Point | null = null;
let cursorFrame = 0;
function shareCursor(point: Point): void {
  cursorAt = point;
  cursorFrame ||= requestAnimationFrame(() => {
    cursorFrame = 0;
    if (cursorAt) client.cursor(Math.round(cursorAt.x * 10) / 10, Math.round(cursorAt.y * 10) / 10);
  });
}

canvas.addEventListener('pointermove', (event) => {
  if (navigation.move(event)) return;
  const point = pointOf(event);
  // While the pen draws, the stroke's tip shows the others where the pointer is (followTip).
  const drawingNow = event.pointerId === activePointer && tool === 'pen';
  if (event.pointerType !== 'touch' && !drawingNow) shareCursor(point);
  if (event.pointerId !== activePointer) return;
  const events = event.getCoalescedEvents?.() ?? [];
  drawing.move(events.length > 0 ? events.map(pointOf) : [point]);
});
const release = (event: PointerEvent) => {
  navigation.release(event);
  if (event.pointerId !== activePointer) return;
  activePointer = null;
  drawing.up();
};
canvas.addEventListener('pointerup', release);
canvas.addEventListener('pointercancel', release);
canvas.addEventListener('lostpointercapture', release);
canvas.addEventListener('pointerleave', (event) => {
  if (event.pointerType === 'touch') return;
  cursorAt = null;
  client.cursor(null, null);
});

// ---------------------------------------------------------------------------
// The view: remembered per board, fit to the drawing on a first visit.

const viewKey = `whiteboard.view.${board}`;
let viewShown = view.restore(viewKey);
function showFirstView(): void {
  if (viewShown) return;
  viewShown = true;
  view.fit(renderer.contentBounds());
}
let saveTimer = 0;
view.onChange(() => {
  clearTimeout(saveTimer);
  saveTimer = window.setTimeout(() => viewShown && view.save(viewKey), 300);
});
zoomControls($('#zoom'), view, () => view.fit(renderer.contentBounds()));

// ---------------------------------------------------------------------------
// Toolbar.

let tool: Tool | 'hand' = 'pen';
function selectTool(next: Tool | 'hand'): void {
  tool = next;
  if (next !== 'hand') drawing.tool = next;
  navigation.hand = next === 'hand';
  for (const button of document.querySelectorAll<HTMLElement>('[data-tool]')) {
    button.classList.toggle('active', button.dataset.tool === next);
  }
  canvas.dataset.tool = next;
}
for (const button of document.querySelectorAll<HTMLElement>('[data-tool]')) {
  button.addEventListener('click', () => selectTool(button.dataset.tool as Tool | 'hand'));
}
for (const swatch of document.querySelectorAll<HTMLElement>('[data-color]')) {
  swatch.style.background = swatch.dataset.color!;
  swatch.addEventListener('click', () => {
    drawing.color = swatch.dataset.color!;
    document.querySelectorAll('[data-color]').forEach((s) => s.classList.toggle('active', s === swatch));
    selectTool('pen');
  });
}
for (const button of document.querySelectorAll<HTMLElement>('[data-width]')) {
  button.addEventListener('click', () => {
    drawing.width = Number(button.dataset.width);
    document.querySelectorAll('[data-width]').forEach((b) => b.classList.toggle('active', b === button));
    selectTool('pen');
  });
}
/** History ops go after whatever of the stroke in progress is drawn so far. */
function command(k: 'undo' | 'redo' | 'clear'): void {
  if (!canDraw()) return;
  drawing.flushCurrent();
  client.send({ k });
}
$('#undo').addEventListener('click', () => command('undo'));
$('#redo').addEventListener('click', () => command('redo'));
$('#clear').addEventListener('click', () => command('clear'));
$('#toolbar-toggle').addEventListener('click', () => {
  const open = $('#toolbar').classList.toggle('open');
  $('#toolbar-toggle').setAttribute('aria-expanded', String(open));
});
$('#rename').addEventListener('click', () => {
  const name = cleanNickname(prompt('Your name on the board:', savedNickname() ?? '') ?? '');
  if (!name) return;
  saveNickname(name);
  client.rename(name);
});
exportMenu($('#export'), { board, renderer, view, state: () => client.state, time: () => Date.now() }, toast);
$<HTMLAnchorElement>('#history').href = `/b/${encodeURIComponent(board)}/replay`;
document.addEventListener('keydown', (event) => {
  // Undo in the share dialog's link fields is the browser's, not the board's.
  if ((event.target as HTMLElement | null)?.closest('input, textarea, select, dialog, [contenteditable]')) return;
  // Physical keys, so the shortcuts work on every keyboard layout.
  const mod = event.ctrlKey || event.metaKey;
  if (mod && event.code === 'KeyZ') {
    event.preventDefault();
    command(event.shiftKey ? 'redo' : 'undo');
  } else if (mod && event.code === 'KeyY') {
    event.preventDefault();
    command('redo');
  }
});

// ---------------------------------------------------------------------------
// Status, people, toasts.

function showStatus(status: Status, detail: string): void {
  const banner = $('#status');
  document.body.dataset.status = status;
  if (status === 'live') sharing.claimIfNew();
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
  banner.hidden = status === 'live' && !full;
}

function showPeople(people: Participant[]): void {
  const list = $('#people');
  list.replaceChildren(
    ...people.map((person) => {
      const chip = document.createElement('li');
      const you = person.cid === client.cid ? ' (you)' : '';
      chip.textContent = `${person.name}${you}${person.role === 'viewer' ? ' · watching' : ''}`;
      chip.title = person.role === 'viewer' ? 'watching (view-only link)' : 'drawing';
      chip.classList.toggle('viewer', person.role === 'viewer');
      chip.style.setProperty('--who', colorFor(person.cid));
      if (person.cid !== client.cid) {
        chip.tabIndex = 0;
        chip.title += ' · click to go where they are';
        chip.addEventListener('click', () => jumpTo(person));
      }
      return chip;
    }),
  );
  cursors.setPeople(people);
}

/** Takes the view to where a person's pointer is (or was last). */
function jumpTo(person: Participant): void {
  const at = cursors.positionOf(person.cid);
  if (at) view.centerOn(at.x, at.y);
  else toast(`${person.name} has not pointed at the board yet`);
}

/** Viewers and full boards lose the drawing tools; see share.ts for the links. */
function showAccess(role: Role, full: boolean): void {
  document.body.dataset.access = full ? 'full' : role;
  showStatus(client.status, '');
  if (role !== 'editor' && tool !== 'hand') selectTool('pen');
  sharing.update();
}

let toastTimer = 0;
function toast(text: string): void {
  const el = $('#toast');
  el.textContent = text;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = window.setTimeout(() => (el.hidden = true), 4_000);
}

window.addEventListener('resize', () => {
  renderer.resize();
  redraw();
});
renderer.resize();
selectTool('pen');
showStatus('connecting', '');
client.connect();

// Lets tests and the curious inspect the live board from the console.
Object.assign(window, { whiteboard: { client, drawing, view, renderer } });
