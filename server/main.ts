/**
 * Entry point: configuration, the log, listen, graceful shutdown.
 */
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { buildApp } from './app.ts';
import { configFromEnv } from './config.ts';
import type { BoardLog } from './log/board-log.ts';
import { EmbeddedLog } from './log/embedded-log.ts';
import { KafkaLog } from './log/kafka/kafka-log.ts';

const config = configFromEnv();
const logger = pino({ level: config.logLevel });
const log: BoardLog = config.kafka ? await KafkaLog.open(config.kafka, logger) : new EmbeddedLog(config.dataDir);
const app = await buildApp({
  log,
  logger,
  webRoot: fileURLToPath(new URL('../web/dist', import.meta.url)),
  sessionGapMs: config.sessionGapMs,
  compression: config.compression,
});

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  try {
    await app.close();
    await log.close();
    process.exit(0);
  } catch (err) {
    logger.error({ err }, 'shutdown failed');
    process.exit(1);
  }
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

await app.listen({ host: config.host, port: config.port });
logger.info(
  config.kafka ? { log: 'kafka', brokers: config.kafka.brokers, topic: config.kafka.topic } : { log: 'embedded', dataDir: config.dataDir },
  'whiteboard ready',
);
