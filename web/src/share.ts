/**
 * Owner, edit and view-only links on the page (server/rooms/roles.ts): the
 * share dialog, the address bar, and owning a new board. The first browser
 * on a new board owns it: its owner key (identity.ts) becomes the board's,
 * and the server tells it the edit key derived from it.
 */
import type { LogRecord } from '../../server/protocol/messages.ts';
import type { BoardClient } from './board-client.ts';

const $ = <T extends HTMLElement>(selector: string) => document.querySelector<T>(selector)!;

export class Sharing {
  private ownChecked = false;

  constructor(
    private readonly client: BoardClient,
    private readonly board: string,
    /** This browser's edit and owner keys for the board (identity.ts). */
    private readonly keys: { edit: string; owner: string },
    private readonly toast: (text: string) => void,
  ) {
    $('#share').addEventListener('click', () => {
      this.showLinks();
      $<HTMLDialogElement>('#share-dialog').showModal();
    });
    // A board drawn before owners (or edit links) existed: an editor makes it theirs.
    for (const button of [$('#claim'), $('#become-owner')]) button.addEventListener('click', () => client.send({ k: 'own' }));
    for (const button of document.querySelectorAll<HTMLElement>('[data-copy]')) {
      button.addEventListener('click', () => {
        const input = $<HTMLInputElement>(`#${button.dataset.copy}`);
        input.select();
        // The clipboard API needs a secure context; on plain http the link stays selected to copy by hand.
        void navigator.clipboard?.writeText(input.value).then(() => toast('Link copied'));
      });
    }
  }

  private get viewLink(): string {
    return `${location.origin}/b/${encodeURIComponent(this.board)}`;
  }

  /**
   * The owner is told the edit key by the server; an editor holds it. An
   * owner the server told none (it knows of none this browser may show)
   * has none to share until it replaces the link.
   */
  private get editLink(): string | null {
    const key = this.client.role === 'owner' ? this.client.edit : (this.client.edit ?? this.keys.edit);
    return key ? `${this.viewLink}#edit=${key}` : null;
  }

  private get ownerLink(): string {
    return `${this.viewLink}#owner=${this.keys.owner}`;
  }

  /**
   * Those who may draw on a claimed board keep the edit link in the address
   * bar (never the owner link: copying the address must not hand out the
   * board), so copying it shares drawing as before.
   */
  update(): void {
    const claimed = this.client.state.editKey !== null;
    const wanted = (this.client.role !== 'viewer' && claimed ? this.editLink : null) ?? this.viewLink;
    if (location.href !== wanted) history.replaceState(null, '', wanted);
    this.showLinks();
  }

  /**
   * A claim was folded. Ours: this page keeps drawing, with the edit link.
   * Someone else's: this page hears its new role from the server next.
   */
  onRecord(record: LogRecord): void {
    if (record.cid !== this.client.cid) return;
    if (record.op.k === 'claim') this.update();
    // Owning or a new edit link: the server's `role` message, right behind the record, brings
    // the edit key to show (this page's own key is not the board's), and the links follow it.
    if (record.op.k === 'own') this.toast('You own this board: the share dialog has its links');
  }

  /** The owner replaced the edit link, and this page held the old one. */
  lostEditLink(): void {
    this.toast('The owner replaced the edit link: this page only watches now');
    this.update();
  }

  /** The first browser on a new board owns it. */
  ownIfNew(): void {
    if (this.ownChecked || this.client.status !== 'live') return;
    this.ownChecked = true;
    const { role, state } = this.client;
    if (role === 'editor' && state.owner === null && state.editKey === null && state.pos === -1) this.client.send({ k: 'own' });
  }

  private showLinks(): void {
    const { role, state } = this.client;
    const claimed = state.editKey !== null;
    $('#share-open').hidden = claimed;
    $('#share-owner').hidden = role !== 'owner';
    $('#share-edit').hidden = !claimed || role === 'viewer' || this.editLink === null;
    $('#share-view').hidden = !claimed;
    $('#share-unowned').hidden = !claimed || state.owner !== null || role !== 'editor';
    $<HTMLInputElement>('#open-link').value = this.viewLink;
    $<HTMLInputElement>('#owner-link').value = this.ownerLink;
    $<HTMLInputElement>('#edit-link').value = this.editLink ?? '';
    $<HTMLInputElement>('#view-link').value = this.viewLink;
  }
}
