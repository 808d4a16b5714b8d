/**
 * `npm run board -- import <file> [--as <id>]`: appends a board file
 * (npm run board -- export) into the log the settings name, with its
 * records' original times and authors, in order, and its pictures. Refuses
 * a board id that has records.
 */
import { parseArgs } from 'node:util';
import { BoardFileError } from '../../server/history/board-file.ts';
import { BoardExistsError, fileLines, importBoardFile } from '../../server/history/board-import.ts';
import { openBoardStatus } from '../../server/log/open-board-status.ts';
import { isValidBoardId } from '../../server/protocol/validate.ts';
import { describeLog, runTool, ToolError, withConfiguredLog } from './tool-log.ts';

const USAGE = 'usage: npm run board -- import <file> [--as <board id>]';

export function run(args: string[]): Promise<number> {
  return runTool(async () => {
    let parsed;
    try {
      parsed = parseArgs({ args, allowPositionals: true, options: { as: { type: 'string' } } });
    } catch (err) {
      throw new ToolError(`${(err as Error).message}\n${USAGE}`, 2);
    }
    const { values, positionals } = parsed;
    const file = positionals[0];
    if (positionals.length !== 1 || !file || (values.as !== undefined && !isValidBoardId(values.as))) throw new ToolError(USAGE, 2);
    return withConfiguredLog(async (log, config, logger) => {
      const status = await openBoardStatus(log, logger);
      try {
        const started = performance.now();
        const progress = process.stderr.isTTY ? (n: number) => process.stderr.write(`  ${n.toLocaleString('en')} records\r`) : undefined;
        const result = await importBoardFile(log, () => fileLines(file), { ...(values.as ? { as: values.as } : {}), status, ...(progress ? { onProgress: progress } : {}) });
        const seconds = (performance.now() - started) / 1_000;
        return `imported board ${result.board} into the ${describeLog(config)}: ${result.records.toLocaleString('en')} records, ${result.files} files, in ${seconds.toFixed(1)} s`;
      } catch (err) {
        if (err instanceof BoardFileError) throw new ToolError(`${file}: ${err.message}`);
        if (err instanceof BoardExistsError) throw new ToolError(err.message);
        throw err;
      } finally {
        await status.close();
      }
    });
  });
}
