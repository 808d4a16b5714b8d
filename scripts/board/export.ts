/**
 * `npm run board -- export <id> [--out <file>]`: writes a board's whole
 * history (records with their times and authors, and its pictures) as a
 * board file (server/history/board-file.ts), to stdout without --out.
 */
import { createWriteStream } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { boardFileLines } from '../../server/history/board-file.ts';
import { openBoardStatus } from '../../server/log/open-board-status.ts';
import type { BoardLog } from '../../server/log/board-log.ts';
import type { Logger } from '../../server/logger.ts';
import { isValidBoardId } from '../../server/protocol/validate.ts';
import { runTool, ToolError, withConfiguredLog } from './tool-log.ts';

const USAGE = 'usage: npm run board -- export <board id> [--out <file>]';

export function run(args: string[]): Promise<number> {
  return runTool(async () => {
    const { values, positionals } = parse(args);
    const board = positionals[0];
    if (positionals.length !== 1 || !board || !isValidBoardId(board)) throw new ToolError(USAGE, 2);
    return withConfiguredLog(async (log, _config, logger) => {
      const records = await exportBoard(log, board, values.out, logger);
      if (records === 0) throw new ToolError(`board ${board} has no records`);
      return values.out ? `exported board ${board}: ${records.toLocaleString('en')} records to ${values.out}` : '';
    });
  });
}

function parse(args: string[]) {
  try {
    return parseArgs({ args, allowPositionals: true, options: { out: { type: 'string' } } });
  } catch (err) {
    throw new ToolError(`${(err as Error).message}\n${USAGE}`, 2);
  }
}

/**
 * Writes the board file to `out` (through a temporary name, so a file of
 * that name is always whole) or stdout. Resolves with the record count.
 */
export async function exportBoard(log: BoardLog, board: string, out: string | undefined, logger: Logger): Promise<number> {
  const status = await openBoardStatus(log, logger);
  let records = 0;
  try {
    async function* counted() {
      for await (const chunk of boardFileLines(log, board, { status: status.get(board) })) {
        if (records === 0 && chunk.startsWith('{"format"')) records = (JSON.parse(chunk) as { records: number }).records;
        yield chunk;
      }
    }
    if (!out) {
      await pipeline(Readable.from(counted()), process.stdout, { end: false });
      return records;
    }
    const partial = `${out}.partial`;
    await pipeline(Readable.from(counted()), createWriteStream(partial));
    if (records > 0) await rename(partial, out);
    else await unlink(partial);
    return records;
  } finally {
    await status.close();
  }
}
