/**
 * Changes that go on over many frames, sent as one undo step: a drag is an
 * `xf` naming its targets, then one `{ k: 'xf', c: 1 }` per animation frame
 * with the step since the last; typing or dragging a line's end is a `set`,
 * then `set` with `c: 1`. At most one operation per frame, however fast the
 * pointer or the keys, and everyone sees the change as it happens.
 */
import { IDENTITY, multiply, type Matrix, type Props } from '../../server/board/elements.ts';
import { LIMITS } from '../../server/protocol/messages.ts';
import type { EditorContext } from './editor-context.ts';
import { chunks } from './element-specs.ts';
import { stepBetween } from './transform-math.ts';

/** Runs `run` on the next animation frame, once however often it is asked for before then. */
class NextFrame {
  private frame = 0;
  constructor(private readonly run: () => void) {}
  request(): void {
    this.frame ||= requestAnimationFrame(() => {
      this.frame = 0;
      this.run();
    });
  }
  cancel(): void {
    cancelAnimationFrame(this.frame);
    this.frame = 0;
  }
}

/** A move, resize or rotation of some items (or of all of them) by a transform that changes as the pointer moves. */
export class LiveTransform {
  private sent: Matrix = IDENTITY;
  private wanted: Matrix = IDENTITY;
  private begun = false;
  private readonly next = new NextFrame(() => this.flush());
  /** More ids than one operation may name: shown as a preview, sent in parts on release. */
  private readonly deferred: boolean;

  constructor(
    private readonly ctx: EditorContext,
    private readonly targets: readonly string[] | 'all',
  ) {
    this.deferred = targets !== 'all' && targets.length > LIMITS.maxIdsPerOp;
  }

  /** The transform from where the items were when the gesture began. */
  update(wanted: Matrix): void {
    this.wanted = wanted;
    if (this.deferred) {
      this.ctx.scene.preview = chunks(this.targets as string[]).map((ids) => ({ k: 'xf', v: 1, ids, m: wanted }));
      this.ctx.redraw();
      return;
    }
    this.next.request();
  }

  /** The log refused the change: nothing more is sent (a `c: 1` would continue an older change). */
  abort(): void {
    this.next.cancel();
    this.wanted = this.sent;
    if (this.deferred) this.ctx.scene.preview = [];
    this.ctx.redraw();
  }

  /** Sends what is left; the gesture is over. */
  finish(): void {
    this.next.cancel();
    if (this.deferred) {
      this.ctx.scene.preview = [];
      if (stepBetween(IDENTITY, this.wanted)) for (const ids of chunks(this.targets as string[])) this.ctx.client.send({ k: 'xf', v: 1, ids, m: this.wanted });
      this.ctx.redraw();
      return;
    }
    this.flush();
  }

  private flush(): void {
    const step = stepBetween(this.sent, this.wanted);
    if (!step) return;
    const { client } = this.ctx;
    if (this.begun) client.send({ k: 'xf', v: 1, c: 1, m: step });
    else if (this.targets === 'all') client.send({ k: 'xf', v: 1, all: 1, m: step });
    else client.send({ k: 'xf', v: 1, ids: [...this.targets], m: step });
    this.begun = true;
    this.sent = multiply(step, this.sent);
    this.ctx.redraw();
  }
}

/** Properties of some items that change as the user types or drags (a text, a line's end). */
export class LiveProps {
  private pending: Props | null = null;
  private begun = false;
  private readonly next = new NextFrame(() => this.flush());

  constructor(
    private readonly ctx: EditorContext,
    private readonly ids: readonly string[],
  ) {}

  /** Values to set; those given in updates of one frame go out together. */
  update(p: Props): void {
    this.pending = { ...this.pending, ...p };
    this.ctx.redraw();
    this.next.request();
  }

  /** The log refused the change: what is pending is dropped. */
  abort(): void {
    this.next.cancel();
    this.pending = null;
  }

  /** Sends what is left now (before an operation that must come after it). */
  flush(): void {
    this.next.cancel();
    const p = this.pending;
    if (!p || Object.keys(p).length === 0) return;
    this.pending = null;
    if (this.begun) this.ctx.client.send({ k: 'set', v: 1, c: 1, p });
    else this.ctx.client.send({ k: 'set', v: 1, ids: [...this.ids], p });
    this.begun = true;
    this.ctx.redraw();
  }

  /** Whether anything was sent (a first `set` exists to continue). */
  get started(): boolean {
    return this.begun;
  }
}
