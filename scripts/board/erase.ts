/**
 * `npm run board -- erase <id>`: erases a board from the log now, deleted or
 * not, before its restore window ends; its id answers 410 for good.
 */
import { withDeletion } from './deletion-command.ts';

export function run(args: string[]): Promise<number> {
  return withDeletion(args, 'erase', async (deletion, board) => {
    const status = await deletion.erase(board);
    return `${board} erased at ${new Date(status.erasedAt!).toISOString()}`;
  });
}
