/**
 * Following someone's view, and presenting. A click on a person's name
 * follows their view (`follow`): each view the server relays from them is
 * fitted whole into this page's screen. While the owner presents, every
 * other page follows the presenter without asking. This page's own pan or
 * zoom, Escape, or the banner's button stops following; a presentation left
 * can be followed again while it lasts.
 *
 * The other way round, this page sends its view only while someone follows
 * it or it presents (the people list says so): at once when that starts or
 * someone joins its audience, then as it changes, at most ten times a
 * second and always the last one. Nothing of it is stored.
 */
import { LIMITS, type Participant, type ViewRect } from '../../server/protocol/messages.ts';
import type { BoardClient } from './board-client.ts';
import { isTyping } from './shortcuts.ts';
import type { View } from './view.ts';

/** Views go out at most this often: ten a second is smooth enough to follow, and light on the wire. */
const VIEW_INTERVAL_MS = 100;

const $ = <T extends HTMLElement>(selector: string) => document.querySelector<T>(selector)!;

export class Following {
  /** Whom this page follows by choice (a click on their name), or null. */
  private chosen: string | null = null;
  /** The presenter this page stopped following (its own move, Escape, Leave), until their presentation ends. */
  private left: string | null = null;
  /** Who presents, as the people list last said. */
  private presenter: Participant | null = null;
  /** Each person's last view this page was sent: shown at once when following them (again). */
  private readonly views = new Map<string, ViewRect>();
  /** Whose view the screen shows now; a change of leader shows their last view. */
  private shown: string | null = null;
  /** Who receives this page's views: its followers, or everyone while it presents. */
  private audience = new Set<string>();
  private sentAt = -Infinity;
  private sendTimer = 0;

  constructor(
    private readonly client: BoardClient,
    private readonly view: View,
  ) {
    client.on('people', (people) => this.peopleChanged(people));
    client.on('view', (cid, rect) => this.viewOf(cid, rect));
    client.on('access', () => this.show());
    client.on('status', (status) => status === 'live' && this.resume());
    view.onMovedByHand(() => this.stop());
    let [width, height] = [0, 0];
    view.onChange(() => {
      // The screen changed size: the leader's view is fitted into it again.
      if (view.width !== width || view.height !== height) {
        [width, height] = [view.width, view.height];
        this.showLast();
      }
      if (this.audience.size > 0) this.sendSoon();
    });
    document.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && !isTyping(event.target)) this.stop();
    });
    $('#present').addEventListener('click', () => client.signal({ t: 'present', on: !this.presenting }));
    $('#follow-action').addEventListener('click', () => this.bannerAction());
    this.show();
  }

  /** Whether this page presents, as the server last said. */
  get presenting(): boolean {
    return this.presenter !== null && this.presenter.cid === this.client.cid;
  }

  /** Whose view this page shows: the presenter's (unless this page left it), else the person it chose. */
  leader(): string | null {
    const p = this.presenter;
    if (p && p.cid !== this.client.cid && this.left !== p.cid) return p.cid;
    return this.chosen;
  }

  /** A click on someone's name: follows their view, or stops when it is theirs already. */
  toggle(cid: string): void {
    if (cid === this.client.cid) return;
    if (this.leader() === cid) return this.stop();
    const p = this.presenter;
    const presenting = p && p.cid !== this.client.cid ? p.cid : null;
    if (cid === presenting) {
      // Back to the presentation.
      this.choose(null);
      this.left = null;
    } else {
      if (presenting) this.left = presenting;
      this.choose(cid);
    }
    this.settle();
  }

  /** Stops following: this page's own move, Escape, or the banner's button. */
  stop(): void {
    const leader = this.leader();
    if (!leader) return;
    if (leader === this.presenter?.cid) this.left = leader;
    else this.choose(null);
    this.settle();
  }

  private choose(cid: string | null): void {
    if (cid === this.chosen) return;
    this.chosen = cid;
    this.client.signal({ t: 'follow', cid });
  }

  private viewOf(cid: string, rect: ViewRect): void {
    this.views.set(cid, rect);
    if (cid === this.leader()) this.view.show(rect);
  }

  private peopleChanged(people: Participant[]): void {
    const me = this.client.cid;
    const here = new Set(people.map((p) => p.cid));
    for (const cid of this.views.keys()) if (!here.has(cid)) this.views.delete(cid);
    // The person followed left the board.
    if (this.chosen && !here.has(this.chosen)) this.choose(null);
    const presenter = people.find((p) => p.presenting) ?? null;
    if (presenter?.cid !== this.presenter?.cid) {
      this.left = null;
      // Someone else's presentation takes over from following by choice.
      if (presenter && presenter.cid !== me) this.choose(null);
    }
    this.presenter = presenter;
    // This page's audience: everyone while it presents, else those following it.
    const audience = new Set(people.filter((p) => p.cid !== me && (this.presenting || p.follows === me)).map((p) => p.cid));
    const joined = [...audience].some((cid) => !this.audience.has(cid));
    this.audience = audience;
    // A newcomer gets the view at once: the server may not have it (a room just opened on another instance).
    if (joined) this.sendView();
    this.settle();
  }

  /**
   * A new connection is a new session for the server, which knows nothing
   * of the last one: it is told again whom this page follows, that it
   * presents, and where it looks for those following it.
   */
  private resume(): void {
    if (this.chosen) this.client.signal({ t: 'follow', cid: this.chosen });
    if (this.presenting && this.client.role === 'owner') this.client.signal({ t: 'present', on: true });
    if (this.audience.size > 0) this.sendView();
  }

  private bannerAction(): void {
    if (this.presenting) return this.client.signal({ t: 'present', on: false });
    if (this.leader()) return this.stop();
    // Follow the presentation again.
    this.left = null;
    this.settle();
  }

  /** After any change of whom to follow: a new leader's last view is shown, and the banner says what is going on. */
  private settle(): void {
    const leader = this.leader();
    if (leader !== this.shown) {
      this.shown = leader;
      this.showLast();
    }
    this.show();
  }

  private showLast(): void {
    const rect = this.shown && this.views.get(this.shown);
    if (rect) this.view.show(rect);
  }

  /** Sends this page's view now, or as soon as the interval allows (the latest one then). */
  private sendSoon(): void {
    if (this.sendTimer) return;
    const wait = this.sentAt + VIEW_INTERVAL_MS - performance.now();
    if (wait <= 0) return this.sendView();
    this.sendTimer = window.setTimeout(() => {
      this.sendTimer = 0;
      if (this.audience.size > 0) this.sendView();
    }, wait);
  }

  private sendView(): void {
    clearTimeout(this.sendTimer);
    this.sendTimer = 0;
    if (this.view.width === 0 || this.view.height === 0) return;
    this.sentAt = performance.now();
    const { x, y, w, h } = this.view.rect();
    // Within what the server accepts (a view far off the board would be refused), to a hundredth of a unit.
    const coord = (v: number) => Math.round(Math.max(-LIMITS.maxCoord, Math.min(LIMITS.maxCoord, v)) * 100) / 100;
    const extent = (v: number) => Math.max(0.01, Math.round(Math.min(2 * LIMITS.maxCoord, v) * 100) / 100);
    this.client.signal({ t: 'view', x: coord(x), y: coord(y), w: extent(w), h: extent(h) });
  }

  /** The Present button (owners only) and the banner. */
  private show(): void {
    const present = $<HTMLButtonElement>('#present');
    present.hidden = this.client.role !== 'owner';
    // An icon: its name says what a click does.
    present.setAttribute('aria-label', this.presenting ? 'Stop presenting' : 'Present');
    present.setAttribute('aria-pressed', String(this.presenting));
    present.classList.toggle('active', this.presenting);
    const leader = this.leader();
    const p = this.presenter;
    const [text, action, mode] = this.presenting
      ? ['You are presenting —', 'Stop', 'presenting']
      : p && leader === p.cid
        ? [`${p.name} is presenting —`, 'Leave', 'presentation']
        : leader
          ? [`Following ${this.client.people.find((q) => q.cid === leader)?.name ?? 'someone'} — Esc to stop`, 'Stop', 'following']
          : p
            ? [`${p.name} is presenting —`, 'Follow again', 'left']
            : ['', '', ''];
    const banner = $('#follow-banner');
    banner.hidden = text === '';
    banner.dataset.mode = mode;
    $('#follow-text').textContent = text;
    $('#follow-action').textContent = action;
  }
}
