/**
 * Edit and view-only links on the page (server/rooms/roles.ts): the share
 * dialog, the address bar, and the claim that makes a new board's first
 * browser its editor.
 */
import type { LogRecord } from '../../server/protocol/messages.ts';
import type { BoardClient } from './board-client.ts';

const $ = <T extends HTMLElement>(selector: string) => document.querySelector<T>(selector)!;

export class Sharing {
  private claimChecked = false;

  constructor(
    private readonly client: BoardClient,
    private readonly board: string,
    /** This browser's edit key for the board (identity.ts). */
    private readonly key: string,
    toast: (text: string) => void,
  ) {
    $('#share').addEventListener('click', () => {
      this.showLinks();
      $<HTMLDialogElement>('#share-dialog').showModal();
    });
    $('#claim').addEventListener('click', () => client.send({ k: 'claim' }));
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

  private get editLink(): string {
    return `${this.viewLink}#edit=${this.key}`;
  }

  /** Editors of a claimed board keep the edit link in the address bar, so copying it shares drawing as before. */
  update(): void {
    const claimed = this.client.state.editKey !== null;
    const wanted = this.client.role === 'editor' && claimed ? this.editLink : this.viewLink;
    if (location.href !== wanted) history.replaceState(null, '', wanted);
    this.showLinks();
  }

  /**
   * A claim was folded. Ours: this page keeps drawing, with the edit link.
   * Someone else's: this page hears its new role from the server next.
   */
  onRecord(record: LogRecord): void {
    if (record.op.k === 'claim' && record.cid === this.client.cid) this.update();
  }

  /**
   * The first browser on a new board claims it: its key becomes the board's
   * edit key. A board drawn on before edit links existed stays open until an
   * editor claims it from the share dialog.
   */
  claimIfNew(): void {
    if (this.claimChecked || this.client.status !== 'live') return;
    this.claimChecked = true;
    const { role, state } = this.client;
    if (role === 'editor' && state.editKey === null && state.pos === -1) this.client.send({ k: 'claim' });
  }

  private showLinks(): void {
    const claimed = this.client.state.editKey !== null;
    $('#share-open').hidden = claimed;
    $('#share-edit').hidden = !claimed || this.client.role !== 'editor';
    $('#share-view').hidden = !claimed;
    $<HTMLInputElement>('#open-link').value = this.viewLink;
    $<HTMLInputElement>('#edit-link').value = this.editLink;
    $<HTMLInputElement>('#view-link').value = this.viewLink;
  }
}
