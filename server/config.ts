/** Settings come from explicit environment variables, each with a default. */
import { resolve } from 'node:path';
import { kafkaSettingsFromEnv, type KafkaSettings } from './log/kafka/settings.ts';

export type Config = {
  host: string;
  port: number;
  /** Where the embedded log keeps its files. */
  dataDir: string;
  logLevel: string;
  /** Idle time separating drawing sessions in a board's history. */
  sessionGapMs: number;
  /** permessage-deflate on board sockets (WS_COMPRESSION=on); see protocol/compression.ts. */
  compression: boolean;
  /** Set when KAFKA_BROKERS is: the log lives in Kafka instead of DATA_DIR. */
  kafka: KafkaSettings | null;
};

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): Config {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got ${env.PORT}`);
  const sessionGapMs = Number(env.SESSION_GAP_MS ?? 10 * 60_000);
  if (!Number.isInteger(sessionGapMs) || sessionGapMs < 1) throw new Error(`SESSION_GAP_MS must be a positive integer, got ${env.SESSION_GAP_MS}`);
  const compression = env.WS_COMPRESSION ?? 'off';
  if (compression !== 'on' && compression !== 'off') throw new Error(`WS_COMPRESSION must be on or off, got ${compression}`);
  return {
    host: env.HOST ?? '0.0.0.0',
    port,
    dataDir: resolve(env.DATA_DIR ?? './data'),
    logLevel: env.LOG_LEVEL ?? 'info',
    sessionGapMs,
    compression: compression === 'on',
    kafka: kafkaSettingsFromEnv(env),
  };
}
