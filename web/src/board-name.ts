/**
 * The board's name on the board page (board-settings.ts): shown in the
 * toolbar and in the tab's title, for everyone; renamed by whoever may draw
 * with a `board` operation, which is undone like any other. Viewers see the
 * name and cannot change it.
 */
import { cleanBoardName } from '../../server/board/board-settings.ts';
import { LIMITS } from '../../server/protocol/messages.ts';
import type { BoardClient } from './board-client.ts';

/** What the toolbar shows for a board without a name. */
export const UNTITLED = 'Untitled board';

/** The tab's title: the board's name, or its id while it has none. */
export function boardTitle(name: string, board: string): string {
  return `${name || board} — Whiteboard`;
}

/**
 * Keeps `button` showing the board's name and renames the board when it is
 * clicked. `canRename` is the page's own rule for drawing (a viewer, a full
 * board or a paused one cannot), asked at every change of access or state.
 */
export function wireBoardName(client: BoardClient, button: HTMLButtonElement, board: string, canRename: () => boolean): void {
  /** A name sent and not yet folded: shown meanwhile, so the rename does not flicker back. */
  let chosen: string | null = null;
  const show = () => {
    const name = client.state.settings.name;
    if (chosen === name) chosen = null;
    const shown = chosen ?? name;
    const may = canRename();
    button.textContent = shown || UNTITLED;
    button.classList.toggle('untitled', shown === '');
    button.disabled = !may;
    // The whole name, which the toolbar may cut short.
    button.title = may ? `${shown || UNTITLED}: click to rename this board, for everyone on it` : shown || UNTITLED;
    document.title = boardTitle(shown, board);
  };
  client.on('change', show);
  client.on('access', show);
  client.on('refused', (_reason, op) => {
    // Refused (a paused board, say): the board keeps the name it has.
    if (op?.k !== 'board' || op.name === undefined) return;
    chosen = null;
    show();
  });
  button.addEventListener('click', () => {
    if (!canRename()) return;
    const current = chosen ?? client.state.settings.name;
    const typed = prompt('Name of this board (empty: no name):', current);
    if (typed === null) return;
    const name = cleanBoardName(typed, LIMITS.maxBoardNameLength);
    if (name === current) return;
    chosen = name;
    client.send({ k: 'board', v: 1, name });
    show();
  });
  show();
}
