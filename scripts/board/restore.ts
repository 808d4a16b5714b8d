/** `npm run board -- restore <id>`: brings a deleted board back, whoever deleted it, within its restore window. */
import { OPERATOR } from '../../server/log/board-status.ts';
import { CommandError, withDeletion } from './deletion-command.ts';

export function run(args: string[]): Promise<number> {
  return withDeletion(args, 'restore', async (deletion, board) => {
    const refusal = await deletion.restore(board, OPERATOR);
    if (refusal) throw new CommandError(`${board}: ${refusal.error}`);
    return `${board} restored`;
  });
}
