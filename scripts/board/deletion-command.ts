/**
 * What `npm run board -- delete|restore|erase <id>` share: the log and the
 * board status store the settings name (the server's own, server/main.ts),
 * and the same BoardDeletion the server uses, acting as the operator.
 * A running server learns of the change within a second (through the
 * status store) and closes the board's pages.
 */
import { configFromEnv } from '../../server/config.ts';
import { BoardDeletion, DEFAULT_DELETION } from '../../server/deletion/board-deletion.ts';
import { createLogger } from '../../server/logger.ts';
import { openBoardStatus } from '../../server/log/open-board-status.ts';
import { openLog } from '../../server/log/open-log.ts';
import { isValidBoardId } from '../../server/protocol/validate.ts';

/** Runs `action` on the board named by the first argument; resolves with the process's exit code. */
export async function withDeletion(args: string[], usage: string, action: (deletion: BoardDeletion, board: string) => Promise<string>): Promise<number> {
  const board = args[0];
  if (args.length !== 1 || !board || !isValidBoardId(board)) {
    process.stderr.write(`usage: npm run board -- ${usage} <board id>\n`);
    return 2;
  }
  const config = configFromEnv();
  // Logs go to stderr: stdout says what was done.
  const logger = createLogger(process.env.LOG_LEVEL ?? 'warn', { write: (line: string) => process.stderr.write(line) });
  const log = await openLog(config, logger);
  const status = await openBoardStatus(log, logger);
  const deletion = new BoardDeletion(log, status, { ...DEFAULT_DELETION, restoreMs: config.restoreMs }, logger);
  try {
    process.stdout.write(`${await action(deletion, board)}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    await deletion.close();
    await status.close();
    await log.close();
  }
}

/** A refusal becomes the command's error. */
export class CommandError extends Error {}
