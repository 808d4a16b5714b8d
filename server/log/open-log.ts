/**
 * The log the settings name: Kafka when KAFKA_BROKERS is set, else the
 * embedded log in DATA_DIR. The server and the tools that write boards
 * (npm run seed) open it the same way, so they always agree on where a
 * board lives.
 */
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { BoardLog } from './board-log.ts';
import { EmbeddedLog, type EmbeddedLogOptions } from './embedded-log.ts';
import { erasedSinceCopy, rewriteFresh } from './fresh-copy.ts';
import type { Placement } from './kafka/settings.ts';

/** `placement`: the server's (KAFKA_PLACEMENT); tools leave it out and never take a share of the boards. */
export async function openLog(config: Pick<Config, 'dataDir' | 'kafka'>, logger: Logger, embedded: EmbeddedLogOptions = {}, placement?: Placement): Promise<BoardLog> {
  if (config.kafka) {
    // Loaded only here: a server on the embedded log never needs kafkajs
    // and the Kafka backend (with sharp and pino-pretty, also loaded when
    // needed, about 12 MB of an idle server's memory).
    const { KafkaLog } = await import('./kafka/kafka-log.ts');
    return KafkaLog.open(config.kafka, logger, placement);
  }
  if (erasedSinceCopy(config.dataDir)) {
    // An erased board's last fragments leave the file (fresh-copy.ts).
    const started = performance.now();
    const { before, after } = await rewriteFresh(config.dataDir);
    logger.info({ before, after, ms: Math.round(performance.now() - started) }, 'log file rewritten after an erasure');
  }
  return new EmbeddedLog(config.dataDir, embedded);
}
