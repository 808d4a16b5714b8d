/**
 * The board status store beside a log (log/board-status.ts): in the
 * embedded log's LMDB environment, or in the Kafka log's `<topic>-status`
 * topic. The server (app.ts) and the operator's CLI (npm run board) open it
 * the same way, so they always agree on which boards are deleted.
 */
import type { Logger } from '../logger.ts';
import type { BoardLog } from './board-log.ts';
import type { BoardStatusStore } from './board-status.ts';
import { EmbeddedLog } from './embedded-log.ts';
import { LmdbBoardStatus } from './lmdb-board-status.ts';

export async function openBoardStatus(log: BoardLog, logger: Logger): Promise<BoardStatusStore> {
  if (log instanceof EmbeddedLog) return new LmdbBoardStatus(log.environment, (err) => logger.error({ err }, 'reading board statuses failed'));
  // The Kafka side is loaded only for a Kafka log (open-log.ts).
  const { KafkaLog } = await import('./kafka/kafka-log.ts');
  if (log instanceof KafkaLog) {
    const { KafkaBoardStatus } = await import('./kafka/kafka-board-status.ts');
    return KafkaBoardStatus.open(log.settings, logger);
  }
  throw new Error('no board status store for this log: pass one to buildApp (AppDeps.status)');
}
