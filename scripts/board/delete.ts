/** `npm run board -- delete <id>`: deletes a board as the operator; restorable (by the operator) for BOARD_RESTORE_DAYS. */
import { OPERATOR } from '../../server/log/board-status.ts';
import { CommandError, withDeletion } from './deletion-command.ts';

export function run(args: string[]): Promise<number> {
  return withDeletion(args, 'delete', async (deletion, board) => {
    const result = await deletion.delete(board, OPERATOR);
    if ('error' in result) throw new CommandError(`${board}: ${result.error}`);
    return `${board} deleted; it can be restored (npm run board -- restore ${board}) until ${new Date(result.restoreUntil).toISOString()}`;
  });
}
