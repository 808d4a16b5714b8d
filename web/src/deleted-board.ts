/**
 * Deleting a board and what a deleted board's page shows (server/routes/deletion.ts).
 *
 * The owner deletes from the Owner dialog, in two steps: *Delete board…*,
 * then a question naming the board and saying until when it can be
 * restored. Every page on the board is then told (`deleted`) and closed:
 * the notice says so and nothing can be drawn. A page holding the owner
 * key shows *Restore* and until when; the others ask the server again now
 * and then (board-client.ts) and come back by themselves once it is restored.
 */
import type { Deleted } from '../../server/protocol/messages.ts';
import type { BoardClient } from './board-client.ts';

const $ = <T extends HTMLElement>(selector: string) => document.querySelector<T>(selector)!;

const when = (ms: number) => new Date(ms).toLocaleString(undefined, { dateStyle: 'full', timeStyle: 'short' });

/** A request with the owner key; the server's reason on failure. */
async function ownerRequest(method: 'DELETE' | 'POST', path: string, owner: string): Promise<{ ok: true; body: Record<string, unknown> } | { ok: false; error: string }> {
  try {
    const res = await fetch(path, { method, headers: { 'x-owner-key': owner } });
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    return res.ok ? { ok: true, body } : { ok: false, error: typeof body.error === 'string' ? body.error : `the server answered ${res.status}` };
  } catch {
    return { ok: false, error: 'the server could not be reached' };
  }
}

export class DeletedBoard {
  constructor(
    private readonly client: BoardClient,
    private readonly board: string,
    /** The owner key this browser holds for the board, if any. */
    private readonly owner: string | undefined,
    private readonly toast: (text: string) => void,
  ) {
    client.on('deleted', (deleted) => this.show(deleted));
    $('#restore-board').addEventListener('click', () => void this.restore());
    $('#delete-board').addEventListener('click', () => void this.ask());
    $('#delete-cancel').addEventListener('click', () => this.step(1));
    $('#delete-confirm').addEventListener('click', () => void this.delete());
    $<HTMLDialogElement>('#owner-dialog').addEventListener('close', () => this.step(1));
  }

  private step(n: 1 | 2): void {
    $('#delete-step-1').hidden = n !== 1;
    $('#delete-step-2').hidden = n !== 2;
  }

  /** The second step: which board, what happens, until when it can be restored. */
  private async ask(): Promise<void> {
    const name = this.client.state.settings.name || this.board;
    const res = await fetch('/api/deletion').then((r) => r.json() as Promise<{ restoreDays: number }>, () => ({ restoreDays: 7 }));
    const days = res.restoreDays;
    const window = days >= 1 ? `${Math.round(days)} day${Math.round(days) === 1 ? '' : 's'}` : `${Math.max(1, Math.round(days * 24 * 60))} minutes`;
    $('#delete-question').textContent =
      `Delete “${name}”? Everyone on it is disconnected at once, and nobody can open, replay, export or fork it. ` +
      `You can restore it from this owner link for ${window}; after that it is erased for good.`;
    $('#delete-confirm').textContent = `Delete “${name}”`;
    this.step(2);
  }

  private async delete(): Promise<void> {
    if (!this.owner) return;
    const result = await ownerRequest('DELETE', `/api/boards/${encodeURIComponent(this.board)}`, this.owner);
    $<HTMLDialogElement>('#owner-dialog').close();
    // The page is told by its socket, as every other page is.
    if (!result.ok) this.toast(`Not deleted: ${result.error}`);
  }

  private async restore(): Promise<void> {
    if (!this.owner) return;
    const result = await ownerRequest('POST', `/api/boards/${encodeURIComponent(this.board)}/restore`, this.owner);
    if (!result.ok) {
      this.toast(`Not restored: ${result.error}`);
      return;
    }
    this.toast('Board restored');
    this.client.reconnectNow();
  }

  /** The notice over a deleted board (null: hidden, the board is back). */
  private show(deleted: Deleted | null): void {
    document.body.classList.toggle('deleted', deleted !== null);
    $('#deleted-notice').hidden = deleted === null;
    if (!deleted) return;
    $('#deleted-text').textContent = deleted.by === 'operator' ? "This board was deleted by the server's operator" : 'This board was deleted by its owner';
    // The server says until when only to the page holding the key that deleted it.
    const restorable = deleted.restoreUntil !== undefined;
    $('#restore-board').hidden = !restorable;
    const until = $('#deleted-until');
    until.hidden = !restorable;
    until.textContent = restorable ? `You can restore it until ${when(deleted.restoreUntil!)}.` : '';
  }
}
