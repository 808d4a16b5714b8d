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
import { KafkaLog } from './kafka/kafka-log.ts';

export function openLog(config: Pick<Config, 'dataDir' | 'kafka'>, logger: Logger, embedded: EmbeddedLogOptions = {}): Promise<BoardLog> {
  return config.kafka ? KafkaLog.open(config.kafka, logger) : Promise.resolve(new EmbeddedLog(config.dataDir, embedded));
}
