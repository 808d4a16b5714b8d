/**
 * The replay page (/b/<id>/replay?t=<ms>&speed=<x>): plays a board's history
 * from the log. It never opens the board's WebSocket, so the live board and
 * its people list are not disturbed.
 */
import { fromSnapshot } from '../../server/board/snapshot.ts';
import { emptyBoard, visibleItems } from '../../server/board/state.ts';
import type { DrawingSession } from '../../server/board/sessions.ts';
import type { LogRecord } from '../../server/protocol/messages.ts';
import { decodePoints } from '../../server/protocol/points.ts';
import { exportMenu } from './export.ts';
import { colorFor } from './identity.ts';
import { Navigation, zoomControls } from './navigation.ts';
import { paintPaper, PaperLayer } from './paper.ts';
import { Renderer } from './renderer.ts';
import { ReplayPlayer, SPEEDS } from './replay-player.ts';
import { readReplay } from './replay-stream.ts';
import { timelapseControls } from './timelapse.ts';
import { View } from './view.ts';

const $ = <T extends HTMLElement>(selector: string) => document.querySelector<T>(selector)!;
const board = decodeURIComponent(location.pathname.split('/')[2] ?? '');
const api = `/api/boards/${encodeURIComponent(board)}`;
const params = new URLSearchParams(location.search);
const canvas = $<HTMLCanvasElement>('#board');
const view = new View();
// Everything drawn at the moment shown, ink and elements; nothing is live (elements moved by the replay are, for a moment: scene-index.ts).
const renderer = new Renderer(canvas, view, { items: () => (player ? visibleItems(player.state) : []), isLive: () => false });
new Navigation(canvas, view, { drawsOnDrag: () => false, spacePans: false });
// The paper the board had at the moment shown: a record of the replay may change it, as any other.
const paper = new PaperLayer(canvas, view);
const timeline = $<HTMLInputElement>('#timeline');
const playButton = $<HTMLButtonElement>('#play');
const speedSelect = $<HTMLSelectElement>('#speed');
const skipIdle = $<HTMLInputElement>('#skip-idle');
const clock = { now: () => performance.now() };

let player: ReplayPlayer | null = null;
let loading: AbortController | null = null;
let first = 0;
let last = 0;
/** Author labels next to strokes drawn in the last moments, by stroke id. */
type Label = { el: HTMLElement; x: number; y: number; until: number };
const labels = new Map<string, Label>();

/** Labels sit next to a world point and follow the view. */
function placeLabel(label: Label): void {
  const at = view.toScreen(label.x, label.y);
  label.el.style.transform = `translate(${at.x + 8}px, ${at.y + 6}px)`;
}
view.onChange(() => labels.forEach(placeLabel));

/** A first look shows the whole drawing; after that the view is the one last used on this board. */
const viewKey = `whiteboard.view.${board}`;
let viewShown = view.restore(viewKey);
let saveTimer = 0;
view.onChange(() => {
  clearTimeout(saveTimer);
  saveTimer = window.setTimeout(() => viewShown && view.save(viewKey), 300);
});
zoomControls($('#zoom'), view, () => view.fit(renderer.contentBounds()));

function setMode(mode: 'loading' | 'playing' | 'paused' | 'ended'): void {
  document.body.dataset.replay = mode;
  playButton.textContent = mode === 'playing' ? 'Pause' : 'Play';
}

function redraw(): void {
  renderer.invalidate();
  // While a new position loads, the old paper stays, as the old drawing does.
  if (player) paper.show(player.paper);
}

function showTime(t: number): void {
  timeline.value = String(Math.round(t));
  $('#clock').textContent = new Date(Math.min(Math.max(t, first), last || t)).toLocaleString();
}

/** Names the author next to the stroke that just grew. */
function label(records: LogRecord[]): void {
  if (!player) return;
  for (const rec of records) {
    if (rec.op.k !== 'begin' && rec.op.k !== 'ext') continue;
    const stroke = player.state.strokes.get(rec.op.id);
    const point = stroke ? decodePoints(rec.op.p, stroke.pr, stroke.q).at(-1) : undefined;
    if (!stroke || !point) continue;
    let entry = labels.get(stroke.id);
    if (!entry) {
      const el = document.createElement('div');
      el.className = 'author';
      el.textContent = stroke.name || 'someone';
      el.style.background = colorFor(stroke.user);
      $('#authors').append(el);
      entry = { el, x: 0, y: 0, until: 0 };
      labels.set(stroke.id, entry);
    }
    entry.x = point.x;
    entry.y = point.y;
    placeLabel(entry);
    entry.until = player.time + 1_200;
  }
  for (const [id, entry] of labels) {
    if (entry.until < player.time) {
      entry.el.remove();
      labels.delete(id);
    }
  }
}

/** Shows the board at `t` at once (the server folds everything before it), then plays on if asked. */
async function load(t: number, autoplay: boolean): Promise<void> {
  loading?.abort();
  const controller = (loading = new AbortController());
  // The old position stops at once; nothing plays until the new one is in.
  player?.pause();
  player = null;
  for (const entry of labels.values()) entry.el.remove();
  labels.clear();
  setMode('loading');
  showTime(t);
  try {
    await readReplay(
      `${api}/replay?from=${Math.max(0, Math.round(t))}`,
      (line) => {
        if (line.t === 'state') {
          player = new ReplayPlayer(fromSnapshot(line.state), t, clock);
          player.speed = Number(speedSelect.value);
          player.skipIdle = skipIdle.checked;
          redraw();
          if (!viewShown) {
            viewShown = true;
            view.fit(renderer.contentBounds());
          }
          if (autoplay) player.play();
          setMode(autoplay ? 'playing' : 'paused');
        } else if (line.t === 'rec') {
          if (player && player.push([line.r]).length > 0) redraw();
        } else if (player) {
          player.complete = true;
        }
      },
      controller.signal,
    );
  } catch (err) {
    if (!controller.signal.aborted) {
      setMode('paused');
      showStatus(`Could not load the history: ${(err as Error).message}`);
    }
  }
}

function frame(): void {
  if (player?.playing) {
    const applied = player.tick();
    if (applied.length > 0) redraw();
    label(applied);
    showTime(player.time);
    if (player.ended) setMode('ended');
  }
  requestAnimationFrame(frame);
}

function showStatus(text: string): void {
  const status = $('#status');
  status.textContent = text;
  status.hidden = !text;
}

function showSessions(sessions: DrawingSession[]): void {
  const time = (ms: number) => new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  $('#sessions').replaceChildren(
    ...sessions.map((s, i) => {
      const item = document.createElement('li');
      const button = document.createElement('button');
      const names = s.participants.map((p) => p.name).join(', ');
      button.textContent = `${new Date(s.start).toLocaleDateString()} ${time(s.start)}–${time(s.end)} · ${s.strokes} strokes · ${names}`;
      button.title = `Play session ${i + 1}`;
      button.addEventListener('click', () => void load(s.start, true));
      item.append(button);
      return item;
    }),
  );
}

// ---------------------------------------------------------------------------

playButton.addEventListener('click', () => {
  if (!player) return;
  if (player.ended) return void load(first, true);
  if (player.playing) {
    player.pause();
    redraw();
    setMode('paused');
  } else {
    player.play();
    setMode('playing');
  }
});
document.addEventListener('keydown', (event) => {
  if (event.code === 'Space') {
    event.preventDefault();
    playButton.click();
  }
});
for (const speed of SPEEDS) speedSelect.append(new Option(`${speed}×`, String(speed)));
const asked = Number(params.get('speed') ?? 1);
speedSelect.value = String(SPEEDS.reduce((best, s) => (Math.abs(s - asked) < Math.abs(best - asked) ? s : best), 1));
speedSelect.addEventListener('change', () => {
  if (player && player.setSpeed(Number(speedSelect.value)).length > 0) redraw();
});
skipIdle.addEventListener('change', () => {
  if (player) player.skipIdle = skipIdle.checked;
});
timeline.addEventListener('input', () => showTime(Number(timeline.value)));
// Keyboard scrubbing fires a change per key press: load once it settles.
let scrubTimer = 0;
timeline.addEventListener('change', () => {
  const wasPlaying = document.body.dataset.replay === 'playing';
  clearTimeout(scrubTimer);
  scrubTimer = window.setTimeout(() => void load(Number(timeline.value), wasPlaying), 250);
});
$('#fork').addEventListener('click', async () => {
  const at = Math.round(player?.time ?? last);
  const response = await fetch(`${api}/fork`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ at }),
  });
  if (!response.ok) return showStatus('Could not create the new board');
  // The owner link: whoever forks owns the new board.
  location.href = ((await response.json()) as { ownerUrl: string }).ownerUrl;
});
const shown = () => player?.time ?? first;
exportMenu($('#export'), { board, renderer, view, state: () => player?.state ?? emptyBoard(), time: shown }, showStatus);
// A timelapse plays from the start: blank the old picture at once, as the history reloads.
const restart = () => {
  void load(first, true);
  redraw();
};
// The video shows the paper the board has at each moment, as the screen does.
const underlay = (ctx: CanvasRenderingContext2D, width: number) => {
  const rect = view.visible();
  if (player) paintPaper(ctx, player.paper, rect, width / (rect.maxX - rect.minX));
};
timelapseControls($('#record'), $('#record-stop'), { canvas, board, restart, underlay, ended: () => player?.ended ?? false, time: shown, onError: showStatus });
$<HTMLAnchorElement>('#back').href = `/b/${encodeURIComponent(board)}`;
window.addEventListener('resize', () => {
  renderer.resize();
  redraw();
});
renderer.resize();

const sessionsResponse = await fetch(`${api}/sessions`);
// 410: the board was deleted (README: Deleting a board); there is nothing to replay.
const gone = sessionsResponse.status === 410;
const { sessions } = gone ? { sessions: [] as DrawingSession[] } : ((await sessionsResponse.json()) as { sessions: DrawingSession[] });
first = sessions[0]?.start ?? Date.now();
last = sessions.at(-1)?.end ?? first;
timeline.min = String(first);
timeline.max = String(last);
showSessions(sessions);
if (sessions.length === 0) showStatus(gone ? 'This board was deleted.' : 'Nothing has been drawn on this board yet.');
const requested = Number(params.get('t'));
if (!gone) void load(Number.isFinite(requested) && requested > 0 ? requested : first, true);
requestAnimationFrame(frame);

// Lets tests and the curious inspect the replay from the console.
Object.assign(window, { replay: { get player() { return player; }, view, renderer, paper } });
