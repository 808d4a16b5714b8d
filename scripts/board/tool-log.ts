/**
 * What the operator's data tools (board export/import, migrate, backup,
 * restore) share: the log the settings name, opened as `npm start` opens
 * it (DATA_DIR, or KAFKA_*), with logs on stderr so stdout says what was
 * done, and failures as exit codes.
 */
import { configFromEnv, type Config } from '../../server/config.ts';
import { createLogger, type Logger } from '../../server/logger.ts';
import type { BoardLog } from '../../server/log/board-log.ts';
import { openLog } from '../../server/log/open-log.ts';

/** A refusal or a wrong argument: its message is the command's answer. */
export class ToolError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

export function toolLogger(): Logger {
  return createLogger(process.env.LOG_LEVEL ?? 'warn', { write: (line: string) => process.stderr.write(line) });
}

/** Runs `action`, printing its answer on stdout or its failure on stderr; resolves with the exit code. */
export async function runTool(action: () => Promise<string>): Promise<number> {
  try {
    const answer = await action();
    if (answer !== '') process.stdout.write(`${answer}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    return err instanceof ToolError ? err.exitCode : 1;
  }
}

/** Opens the configured log for `use`, and closes it after. */
export async function withConfiguredLog<T>(use: (log: BoardLog, config: Config, logger: Logger) => Promise<T>): Promise<T> {
  const config = configFromEnv();
  const logger = toolLogger();
  const log = await openLog(config, logger);
  try {
    return await use(log, config, logger);
  } finally {
    await log.close();
  }
}

/** Where the configured log is, in words. */
export function describeLog(config: Pick<Config, 'dataDir' | 'kafka'>): string {
  return config.kafka ? `Kafka topic ${config.kafka.topic} (${config.kafka.brokers.join(',')})` : `embedded log in ${config.dataDir}`;
}
