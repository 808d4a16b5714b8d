/**
 * A timelapse of the replay: its playback recorded as a WebM video
 * (canvas.captureStream and MediaRecorder), saved when the replay ends or
 * when stopped.
 *
 * Recording starts the replay over from the beginning of the history, at
 * the chosen speed (and skipping idle gaps if asked): a timelapse shows the
 * drawing come about from an empty board, whatever moment the page was
 * showing, and Stop ends it early. It starts over once the recorder has
 * begun (see `onstart`): until then the encoder drops frames, and a stop
 * would save an empty file. The view is the one on screen, so framing the
 * drawing first frames the video.
 *
 * The board canvas is transparent where nothing is drawn (the page's white
 * shows through), and video has no transparency: each frame is copied onto
 * white (and the board's paper) in a canvas of its own, which is what is recorded. Frames are
 * taken at a steady rate from animation frames and handed to the stream
 * one by one (captureStream(0) and requestFrame), so the video's clock
 * follows the playback's even while the picture does not change.
 */
import { download, fileName } from './export.ts';

/** Frames per second of the video. */
const FPS = 30;
/** The video's longest side at most: larger frames take more to encode than a browser keeps up with at FPS. */
const MAX_SIDE = 1920;
/** The finished drawing stays on screen this long at the end of the video. */
const TAIL_MS = 1_000;
/** Longest the tail grows by for an encoder running late (below). */
const MAX_LAG_MS = 5_000;
/** WebM codecs by preference: VP9 is smaller for the same picture, VP8 is everywhere. */
const TYPES = ['video/webm;codecs=vp9', 'video/webm;codecs=vp8', 'video/webm'];

export type TimelapseOptions = {
  /** The replay's canvas. */
  canvas: HTMLCanvasElement;
  /** Paints what lies under the drawing (the board's paper) on a frame of this size, after its white. */
  underlay?(ctx: CanvasRenderingContext2D, width: number, height: number): void;
  board: string;
  /** Starts the replay over from the beginning of the history, playing. */
  restart(): void;
  /** Whether the replay has played to the end. */
  ended(): boolean;
  /** The moment the replay shows, epoch milliseconds (names the file). */
  time(): number;
  /** Recording started (true) or stopped (false). */
  onChange?(recording: boolean): void;
  onError?(message: string): void;
};

export function timelapseSupported(): boolean {
  return typeof MediaRecorder !== 'undefined' && typeof HTMLCanvasElement.prototype.captureStream === 'function' && TYPES.some((t) => MediaRecorder.isTypeSupported(t));
}

export class Timelapse {
  private recorder: MediaRecorder | null = null;
  private frame = 0;

  constructor(private readonly options: TimelapseOptions) {}

  get recording(): boolean {
    return this.recorder !== null;
  }

  start(): void {
    if (this.recorder) return;
    const { canvas } = this.options;
    const scale = Math.min(1, MAX_SIDE / Math.max(canvas.width, canvas.height, 1));
    // Even sizes: some encoders and players refuse odd ones.
    const width = Math.max(2, Math.floor((canvas.width * scale) / 2) * 2);
    const height = Math.max(2, Math.floor((canvas.height * scale) / 2) * 2);
    const frames = document.createElement('canvas');
    frames.width = width;
    frames.height = height;
    const ctx = frames.getContext('2d')!;
    const stream = frames.captureStream(0);
    const track = stream.getVideoTracks()[0] as CanvasCaptureMediaStreamTrack;
    const mimeType = TYPES.find((t) => MediaRecorder.isTypeSupported(t));
    const recorder = new MediaRecorder(stream, mimeType ? { mimeType } : {});
    const chunks: Blob[] = [];
    /** Whether this recording has begun (its start event), and how long after start() it did. */
    let started = false;
    let lag = 0;
    const requested = performance.now();
    recorder.ondataavailable = (event) => {
      if (event.data.size > 0) chunks.push(event.data);
    };
    recorder.onstop = () => {
      for (const t of stream.getTracks()) t.stop();
      if (!started) this.options.onError?.('Stopped before anything was recorded');
      else if (chunks.length > 0) download(new Blob(chunks, { type: 'video/webm' }), fileName(this.options, 'webm'));
      else this.options.onError?.('The recording is empty');
    };
    recorder.onerror = () => this.options.onError?.('Recording failed');
    // Chromium fires start with the encoder's first output, a second or more
    // after start() on a busy machine. Until then frames are dropped, and a
    // stop hands over an empty recording: the replay starts over only now,
    // and the end of the replay cannot stop it before.
    recorder.onstart = () => {
      if (this.recorder !== recorder) return;
      started = true;
      lag = Math.min(MAX_LAG_MS, performance.now() - requested);
      this.options.restart();
    };

    const shoot = () => {
      ctx.fillStyle = '#ffffff';
      ctx.fillRect(0, 0, width, height);
      this.options.underlay?.(ctx, width, height);
      // The canvas may have been resized since: the video keeps its size and takes it scaled.
      // Before the replay starts over, the old picture stays out of the video.
      if (started) ctx.drawImage(canvas, 0, 0, width, height);
      track.requestFrame();
    };
    let last = -Infinity;
    let endedAt: number | null = null;
    const tick = (now: number) => {
      this.frame = requestAnimationFrame(tick);
      // Animation frames come at the screen's rate (60, 120 Hz…): take one every 1/FPS s.
      if (now - last < 1000 / FPS - 2) return;
      last = now;
      shoot();
      if (!started) return;
      if (endedAt === null && this.options.ended()) endedAt = now;
      // An encoder that was slow to start runs that far behind, and a stop drops the frames it has not
      // encoded yet: the tail waits for it, or the video would end before the finished drawing.
      if (endedAt !== null && now - endedAt >= TAIL_MS + lag) this.stop();
    };
    this.recorder = recorder;
    // Chunks every second, so a long recording is not one buffer handed over at the end.
    recorder.start(1_000);
    this.frame = requestAnimationFrame(tick);
    this.options.onChange?.(true);
  }

  /** Ends the recording and saves what there is (a Stop before it began saves nothing, and says so). */
  stop(): void {
    const recorder = this.recorder;
    if (!recorder) return;
    this.recorder = null;
    cancelAnimationFrame(this.frame);
    if (recorder.state !== 'inactive') recorder.stop();
    this.options.onChange?.(false);
  }
}

/**
 * The page's two buttons: Record starts a timelapse, Stop (shown only
 * while recording) ends it early. A browser that cannot record WebM does
 * not see Record at all.
 */
export function timelapseControls(record: HTMLButtonElement, stop: HTMLButtonElement, options: TimelapseOptions): Timelapse {
  const timelapse = new Timelapse({
    ...options,
    onChange(recording) {
      record.hidden = recording;
      stop.hidden = !recording;
      options.onChange?.(recording);
    },
  });
  record.hidden = !timelapseSupported();
  stop.hidden = true;
  record.addEventListener('click', () => timelapse.start());
  stop.addEventListener('click', () => timelapse.stop());
  return timelapse;
}
