/**
 * The board page: wires the toolbar, the canvas, the editing tools and the
 * connection. Each tool lives in its own module; this file only routes
 * pointer and keyboard input to the tool chosen.
 */
import { isLocked } from '../../server/board/elements.ts';
import { isVisible } from '../../server/board/state.ts';
import { textLayoutOf } from '../../server/board/outline.ts';
import { ERROR, type Role } from '../../server/protocol/messages.ts';
import { BoardClient } from './board-client.ts';
import { wireBoardName } from './board-name.ts';
import { BoardScene } from './board-scene.ts';
import { wireClipboard } from './clipboard.ts';
import { Cursors } from './cursors.ts';
import { Drawing } from './drawing.ts';
import type { EditorContext } from './editor-context.ts';
import { exportMenu } from './export.ts';
import { Following } from './follow.ts';
import { cleanNickname, editKey, ownerKey, pageClientId, saveNickname, savedNickname, userId } from './identity.ts';
import { zoomControls } from './navigation.ts';
import { showPeople, showProgress, showStatus, toast } from './page-chrome.ts';
import { wirePictureInput } from './picture-input.ts';
import { LaserPointer, LaserTrails } from './laser.ts';
import { isShapeTool, PointerInput } from './pointer-input.ts';
import { rememberBoard } from './recent-boards.ts';
import { Renderer } from './renderer.ts';
import { SelectTool } from './select-tool.ts';
import { Selection } from './selection.ts';
import { deleteSelection, duplicateSelection, nudge, restack, selectAll, selectedIds, unlockAll } from './selection-actions.ts';
import { SelectionOverlay } from './selection-overlay.ts';
import { ShapeTool } from './shape-tool.ts';
import { Sharing } from './share.ts';
import { OwnerTools } from './owner-tools.ts';
import { DeletedBoard } from './deleted-board.ts';
import { PaperLayer, wirePaper } from './paper.ts';
import { fillShortcutLists, handleShortcut, isTyping, type Command, type ToolName } from './shortcuts.ts';
import { defaultStyle } from './style.ts';
import { showStyleOf, wireStylePanel } from './style-panel.ts';
import { TextEditor } from './text-editor.ts';
import { View } from './view.ts';

const $ = <T extends Element>(selector: string) => document.querySelector<T>(selector)!;

const board = decodeURIComponent(location.pathname.split('/')[2] ?? '');
const canvas = $<HTMLCanvasElement>('#board');
const stage = $<HTMLElement>('.stage');
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
const owner = ownerKey(board);
const client = new BoardClient({
  url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws/${encodeURIComponent(board)}`,
  user: userId(),
  cid: pageClientId(),
  name: askNickname(),
  key,
  owner,
});

/** Viewers watch; a full board takes nothing; while the owner paused drawing, only the owner draws. */
const canDraw = () => client.role !== 'viewer' && !client.full && !(client.state.paused && client.role !== 'owner') && client.deleted === null;
const drawing = new Drawing({
  client,
  strokesTouching: (a, b, radius) => renderer.itemsTouching(a, b, radius),
  zoom: () => view.zoom,
  redraw: () => redraw(),
});
const scene = new BoardScene(client, drawing);
const renderer = new Renderer(canvas, view, scene);
const selection = new Selection();
const style = defaultStyle();
const ctx: EditorContext = { client, scene, hit: renderer, view, selection, style, canEdit: canDraw, redraw: () => redraw(), toast };
const selectTool = new SelectTool(ctx);
const shapeTool = new ShapeTool(ctx, {
  made(id, edit) {
    setTool('select');
    selection.set([id]);
    redraw();
    if (edit) textEditor.open(id);
  },
});
const textEditor = new TextEditor(ctx, stage);
const overlay = new SelectionOverlay(ctx, $<SVGSVGElement>('#selection'), () => selectTool.marquee);

function redraw(): void {
  scene.invalidate();
  renderer.invalidate();
  overlay.request();
}

const sharing = new Sharing(client, board, { edit: key, owner }, toast);
const ownerTools = new OwnerTools(client, toast);
new DeletedBoard(client, board, owner, toast);
/** The Unlock button shows while something is locked; looked for at most twice a second, not at every change. */
let lockCheck = 0;
function showUnlock(): void {
  lockCheck ||= window.setTimeout(() => {
    lockCheck = 0;
    $<HTMLElement>('#unlock-all').hidden = ![...client.state.shapes.values()].some((s) => isLocked(s) && isVisible(s));
  }, 500);
}
client.on('change', () => {
  redraw();
  showUnlock();
  selection.keepOnly((id) => scene.itemOf(id) !== undefined);
  textEditor.check();
});
client.on('resync', () => {
  showFirstView();
  // A snapshot acknowledges without records: settle local drafts against it.
  for (const id of drawing.local.keys()) if (client.state.strokes.get(id)?.ended) drawing.local.delete(id);
  const pendingErase = new Set(client.pendingOps().flatMap((op) => (op.k === 'erase' ? op.ids : [])));
  for (const id of drawing.erasing) if (!pendingErase.has(id) && !drawing.isErasingNow(id)) drawing.erasing.delete(id);
});
client.on('record', (record) => {
  sharing.onRecord(record);
  if (record.op.k === 'pause') showAccess(client.role, client.full);
  if (record.cid !== client.cid) return PointerInput.followTip(record, ctx, cursors);
  const op = record.op;
  if (op.k === 'end') drawing.local.delete(op.id);
  if (op.k === 'erase') for (const id of op.ids) drawing.erasing.delete(id);
});
client.on('refused', (reason, op, code) => {
  if (op && (op.k === 'begin' || op.k === 'ext' || op.k === 'end')) drawing.abandon(op.id);
  if (op?.k === 'erase') for (const id of op.ids) drawing.erasing.delete(id);
  // A drag or typing whose first operation failed must not continue an older change.
  if (op && (op.k === 'xf' || op.k === 'set') && selectTool.busy) selectTool.cancel(true);
  // Someone else got there first (erased it, cleared, claimed): nothing to report.
  if (code !== ERROR.noEffect) toast(op ? `Not saved: ${reason}` : reason);
  redraw();
});
client.on('access', showAccess);
client.on('deleted', () => showAccess(client.role, client.full));
client.on('status', (status, detail) => showStatus(client, sharing, status, detail));
/** When this tab last reloaded to reach a board's new instance. */
const STRANDED_RELOAD_KEY = 'whiteboard.strandedReload';
client.on('stranded', () => {
  // A fresh page lists the instances there are now. Nothing unsaved is thrown away, and a
  // server that stays out of reach is not asked again and again: once in half a minute.
  const last = Number(sessionStorage.getItem(STRANDED_RELOAD_KEY) ?? 0);
  if (client.unacknowledged > 0 || Date.now() - last < 30_000) {
    toast('This board moved to a server this page cannot reach; reload the page to go on.');
    return;
  }
  sessionStorage.setItem(STRANDED_RELOAD_KEY, String(Date.now()));
  location.reload();
});
const following = new Following(client, view);
const laser = new LaserPointer(client, new LaserTrails($('#laser'), view, client));
/** A click on one's own name in the people list renames one. */
function rename(): void {
  const name = cleanNickname(prompt('Your name on the board:', savedNickname() ?? '') ?? '');
  if (!name) return;
  saveNickname(name);
  client.rename(name);
}
client.on('people', (people) => showPeople(client, cursors, following, people, rename));
client.on('cursor', (cid, x, y) => cursors.move(cid, x, y));


// ---------------------------------------------------------------------------
// Pointer input, routed to the tool chosen (pointer-input.ts).

let tool: ToolName = 'pen';
function editText(id: string): void {
  selection.set([id]);
  textEditor.open(id);
}
const pointer = new PointerInput(canvas, ctx, { drawing, selectTool, shapeTool, textEditor, laser, tool: () => tool, editText });

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
// Toolbar, style panel, keyboard, clipboard.

/** A tool the user picked: viewers only move around. */
function chooseTool(next: ToolName): void {
  if (canDraw() || next === 'hand' || (next === 'laser' && laser.allowed())) setTool(next);
}
function setTool(next: ToolName): void {
  if (textEditor.editing) textEditor.close();
  pointer.cancel();
  tool = next;
  if (next === 'pen' || next === 'eraser') drawing.tool = next;
  if (isShapeTool(next)) shapeTool.kind = next;
  if (next !== 'select') selection.clear();
  pointer.navigation.hand = next === 'hand';
  for (const button of document.querySelectorAll<HTMLElement>('[data-tool]')) button.classList.toggle('active', button.dataset.tool === next);
  canvas.dataset.tool = next;
  canvas.style.cursor = '';
  showStylePanel();
  showStyleOf(ctx);
}
/** The style panel shows while something can take a style: a selection, or a tool that makes elements. */
function showStylePanel(): void {
  const panel = $<HTMLElement>('#style-panel');
  panel.hidden = !canDraw() || (tool === 'select' ? selection.size === 0 : !isShapeTool(tool) && tool !== 'text' && tool !== 'note');
  panel.dataset.for = tool === 'select' ? 'selection' : tool;
}
selection.onChange(showStylePanel);
for (const button of document.querySelectorAll<HTMLElement>('[data-tool]')) {
  button.addEventListener('click', () => chooseTool(button.dataset.tool as ToolName));
}
wireStylePanel(ctx, {
  chosen() {
    drawing.color = style.color;
    drawing.width = style.sw;
    if (tool === 'eraser' || tool === 'hand') setTool('pen');
  },
});

/** History ops go after whatever of the stroke or text in progress is drawn so far. */
function history(k: 'undo' | 'redo' | 'clear'): void {
  if (!canDraw()) return;
  drawing.flushCurrent();
  if (textEditor.editing) textEditor.close();
  client.send({ k });
}
$('#undo').addEventListener('click', () => history('undo'));
$('#redo').addEventListener('click', () => history('redo'));
$('#clear').addEventListener('click', () => history('clear'));
const help = $<HTMLDialogElement>('#shortcuts-dialog');
fillShortcutLists($('#shortcut-tools'), $('#shortcut-list'));
$('#shortcuts').addEventListener('click', () => help.showModal());

function command(name: Command, detail?: { dx: number; dy: number }): void {
  if (name === 'help') return help.showModal();
  if (name === 'undo' || name === 'redo') return history(name);
  if (name === 'escape') {
    // A shape or marquee being drawn is dropped; else the selection is cleared.
    pointer.cancel();
    selection.clear();
    if (tool !== 'select' && canDraw()) setTool('select');
    return;
  }
  if (!canDraw()) return;
  if (name === 'selectAll') {
    setTool('select');
    return selectAll(ctx);
  }
  if (name === 'delete') return deleteSelection(ctx);
  if (name === 'duplicate') return duplicateSelection(ctx);
  if (name === 'front' || name === 'back') return restack(ctx, name);
  if (name === 'nudge' && detail) return nudge(ctx, detail.dx, detail.dy);
  if (name === 'edit') {
    const ids = selectedIds(ctx);
    const shape = ids.length === 1 ? scene.shapeOf(ids[0]!) : undefined;
    if (shape && (shape.type === 'text' || shape.type === 'note')) editText(shape.id);
  }
}
document.addEventListener('keydown', (event) => {
  if (textEditor.editing) return;
  handleShortcut(event, { tool: chooseTool, command });
});
wirePictureInput(
  ctx,
  {
    board,
    editKey: key,
    ownerKey: owner,
    centre: () => [view.x + view.width / 2 / view.zoom, view.y + view.height / 2 / view.zoom],
    viewSize: () => ({ w: view.width / view.zoom, h: view.height / view.zoom }),
    boardPoint: (clientX, clientY) => {
      const box = canvas.getBoundingClientRect();
      const at = view.toWorld(clientX - box.left, clientY - box.top);
      return [at.x, at.y];
    },
    active: () => !textEditor.editing && !isTyping(document.activeElement),
    progress: (label, done) => showProgress($('#import-progress'), label, done),
    placed: () => setTool('select'),
  },
  stage,
  $<HTMLInputElement>('#picture-file'),
  $('#insert-picture'),
);
$('#unlock-all').addEventListener('click', () => unlockAll(ctx));
wireClipboard(ctx, {
  // What is pasted is selected, to move it at once.
  pasted: () => setTool('select'),
  pasteAt: () => pointer.pointerAt ?? [view.x + view.width / 2 / view.zoom, view.y + view.height / 2 / view.zoom],
  active: () => !textEditor.editing && !isTyping(document.activeElement),
});

$('#toolbar-toggle').addEventListener('click', () => {
  const open = $('#toolbar').classList.toggle('open');
  $('#toolbar-toggle').setAttribute('aria-expanded', String(open));
});
exportMenu($('#export'), { board, renderer, view, state: () => client.state, time: () => Date.now() }, toast);
wirePaper(client, new PaperLayer(canvas, view), $<HTMLSelectElement>('#paper'));
$<HTMLAnchorElement>('#history').href = `/b/${encodeURIComponent(board)}/replay`;
wireBoardName(client, $<HTMLButtonElement>('#board-name'), board, canDraw);
rememberBoard(client, board, canvas);

/** Viewers, full and paused boards lose the editing tools and select nothing; see share.ts for the links. */
let shownRole: Role | null = null;
function showAccess(role: Role, full: boolean): void {
  // An editor who becomes a viewer on an owned board: the owner replaced the edit link.
  if (shownRole === 'editor' && role === 'viewer' && client.state.owner !== null) sharing.lostEditLink();
  shownRole = role;
  document.body.dataset.access = full ? 'full' : client.state.paused && role !== 'owner' ? 'paused' : role;
  ownerTools.show();
  showStatus(client, sharing, client.status, '');
  if (!canDraw()) {
    textEditor.close();
    selection.clear();
    if (tool !== 'hand' && !(tool === 'laser' && laser.allowed())) tool = 'pen';
  }
  sharing.update();
  redraw();
}

/** The board's box changed (the window, the screen's density, the toolbar's rows): the canvas, and the view sent to followers, follow it. */
const fitCanvas = () => renderer.resize() && redraw();
window.addEventListener('resize', fitCanvas);
new ResizeObserver(fitCanvas).observe(canvas);
renderer.resize();
setTool('pen');
showStatus(client, sharing, 'connecting', '');
client.connect();

// Lets tests and the curious inspect the live board from the console.
// textLines: the lines a text or note is drawn in here (tests compare pages).
const textLines = (id: string) => {
  const shape = scene.shapeOf(id);
  return shape ? (textLayoutOf(shape)?.lines ?? []) : [];
};
Object.assign(window, { whiteboard: { client, drawing, view, renderer, scene, selection, style, textEditor, textLines, tool: () => tool } });
