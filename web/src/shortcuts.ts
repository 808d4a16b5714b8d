/**
 * Keyboard shortcuts, by physical key (event.code) so they sit in the same
 * place on every layout. One table drives both the keys and the `?`
 * dialog that lists them. None fires while typing in a field or editing
 * text on the board; copy, cut and paste are the browser's own events
 * (clipboard.ts), so they are listed here but not handled.
 */

export type ToolName = 'select' | 'hand' | 'pen' | 'eraser' | 'laser' | 'rect' | 'ellipse' | 'diamond' | 'line' | 'arrow' | 'text' | 'note';

/** Tools with their key and name, in toolbar order. */
export const TOOLS: readonly { tool: ToolName; code: string; key: string; name: string }[] = [
  { tool: 'select', code: 'KeyV', key: 'V', name: 'Select' },
  { tool: 'hand', code: 'KeyH', key: 'H', name: 'Hand (move around)' },
  { tool: 'pen', code: 'KeyP', key: 'P', name: 'Pen' },
  { tool: 'eraser', code: 'KeyE', key: 'E', name: 'Eraser' },
  { tool: 'laser', code: 'KeyK', key: 'K', name: 'Laser pointer (seen by everyone, never saved)' },
  { tool: 'rect', code: 'KeyR', key: 'R', name: 'Rectangle' },
  { tool: 'ellipse', code: 'KeyO', key: 'O', name: 'Ellipse' },
  { tool: 'diamond', code: 'KeyD', key: 'D', name: 'Diamond' },
  { tool: 'line', code: 'KeyL', key: 'L', name: 'Line' },
  { tool: 'arrow', code: 'KeyA', key: 'A', name: 'Arrow' },
  { tool: 'text', code: 'KeyT', key: 'T', name: 'Text' },
  { tool: 'note', code: 'KeyN', key: 'N', name: 'Sticky note' },
];

export type Command = 'delete' | 'selectAll' | 'duplicate' | 'undo' | 'redo' | 'front' | 'back' | 'help' | 'escape' | 'edit' | 'nudge';

export type Shortcuts = {
  tool(tool: ToolName): void;
  command(command: Command, detail?: { dx: number; dy: number }): void;
};

/** What the `?` dialog lists, besides the tools. */
export const COMMAND_KEYS: readonly [keys: string, what: string][] = [
  ['Ctrl/⌘ + A', 'Select everything'],
  ['Shift + click', 'Add to or take from the selection'],
  ['Delete / Backspace', 'Delete the selection'],
  ['Ctrl/⌘ + C, X, V', 'Copy, cut, paste (also between boards)'],
  ['Ctrl/⌘ + D', 'Duplicate the selection'],
  ['Ctrl/⌘ + ]', 'Bring to front'],
  ['Ctrl/⌘ + [', 'Send to back'],
  ['Arrow keys', 'Move the selection by 1 (with Shift: by 10)'],
  ['Enter / double-click', 'Edit the text of the selected text or note'],
  ['Escape', 'Stop editing, clear the selection, stop following someone'],
  ['Ctrl/⌘ + Z', 'Undo your last change'],
  ['Ctrl/⌘ + Shift + Z, Ctrl/⌘ + Y', 'Redo'],
  ['Shift while drawing or resizing', 'Squares, circles, 15° steps, keep proportions'],
  ['Space + drag, wheel', 'Move around; Ctrl/⌘ + wheel zooms'],
  ['?', 'This list'],
];

const ARROWS: Record<string, [number, number]> = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };

/** Whether a key event is aimed at something that takes typing. */
export function isTyping(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && target.closest('input, textarea, select, dialog, [contenteditable]') !== null;
}

/** Handles one keydown; true when it was a shortcut. */
export function handleShortcut(event: KeyboardEvent, on: Shortcuts): boolean {
  if (isTyping(event.target) || event.altKey) return false;
  const mod = event.ctrlKey || event.metaKey;
  const code = event.code;
  let run: (() => void) | null = null;
  if (mod) {
    if (code === 'KeyA') run = () => on.command('selectAll');
    else if (code === 'KeyD') run = () => on.command('duplicate');
    else if (code === 'KeyZ') run = () => on.command(event.shiftKey ? 'redo' : 'undo');
    else if (code === 'KeyY') run = () => on.command('redo');
    else if (code === 'BracketRight') run = () => on.command('front');
    else if (code === 'BracketLeft') run = () => on.command('back');
  } else if (event.key === '?' || (code === 'Slash' && event.shiftKey)) {
    run = () => on.command('help');
  } else if (code === 'Delete' || code === 'Backspace') {
    run = () => on.command('delete');
  } else if (code === 'Escape') {
    run = () => on.command('escape');
  } else if (code === 'Enter' && !(event.target instanceof HTMLElement && event.target.closest('button, a, summary'))) {
    // Enter on a focused button presses it; only on the board does it edit.
    run = () => on.command('edit');
  } else if (ARROWS[code]) {
    const [dx, dy] = ARROWS[code]!;
    const step = event.shiftKey ? 10 : 1;
    run = () => on.command('nudge', { dx: dx * step, dy: dy * step });
  } else if (!event.shiftKey) {
    const tool = TOOLS.find((t) => t.code === code);
    if (tool) run = () => on.tool(tool.tool);
  }
  if (!run) return false;
  event.preventDefault();
  run();
  return true;
}

/** Fills the shortcuts dialog's lists (tools, then the rest) from the tables above. */
export function fillShortcutLists(tools: HTMLElement, commands: HTMLElement): void {
  const rows = (list: readonly (readonly [string, string])[]) =>
    list.flatMap(([keys, what]) => {
      const dt = document.createElement('dt');
      const kbd = document.createElement('kbd');
      kbd.textContent = keys;
      dt.append(kbd);
      const dd = document.createElement('dd');
      dd.textContent = what;
      return [dt, dd];
    });
  tools.replaceChildren(...rows(TOOLS.map((t) => [t.key, t.name] as const)));
  commands.replaceChildren(...rows(COMMAND_KEYS));
}
