/**
 * Entry point: configuration, the log, listen, graceful shutdown, and the
 * way out on a fatal error.
 */
import { fileURLToPath } from 'node:url';
import { buildApp } from './app.ts';
import { configFromEnv } from './config.ts';
import { exitOnFatalErrors } from './fatal.ts';
import { createLogger } from './logger.ts';
import { chooseLogFormat } from './log-format.ts';
import { startMetricsServer, type MetricsListener } from './metrics/metrics-server.ts';
import { Metrics } from './metrics/metrics.ts';
import { openLog } from './log/open-log.ts';
import { DiskGuard } from './quotas/disk-guard.ts';

const config = configFromEnv();
const logger = createLogger(config.logLevel, undefined, chooseLogFormat(config.logFormat, process.stdout.isTTY === true));
exitOnFatalErrors(logger);

const log = await openLog(config, logger, {}, config.placement);
// Only the embedded log writes to DATA_DIR; Kafka keeps its own disks.
const diskGuard = config.kafka ? null : await DiskGuard.start(config.dataDir, config.quotas.minFreeDiskBytes, logger);
// In broadcast, instances sharing a Kafka log share who is on each board
// too. With partition ownership a board's people are all on its owner;
// alone, there is nobody to tell.
const presenceBus = config.kafka && config.placement.mode === 'broadcast' ? await (await import('./presence/kafka-presence-bus.ts')).KafkaPresenceBus.open(config.kafka, logger) : null;
const metrics = new Metrics();
const app = await buildApp({
  log,
  logger,
  webRoot: fileURLToPath(new URL('../web/dist', import.meta.url)),
  sessionGapMs: config.sessionGapMs,
  compression: config.compression,
  quotas: config.quotas,
  diskGuard,
  allowedOrigins: config.allowedOrigins,
  trustProxy: config.trustProxy,
  presenceBus,
  deletion: { restoreMs: config.restoreMs },
  metrics,
  metricsToken: config.metrics.token,
});
// Off the public port (METRICS_PORT), started once the app listens.
let metricsListener: MetricsListener | null = null;

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  try {
    await app.close();
    await metricsListener?.close();
    await presenceBus?.close();
    diskGuard?.close();
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
const metricsAt = config.metrics;
if (metricsAt.port !== null) metricsListener = await startMetricsServer(metrics, { host: metricsAt.host, port: metricsAt.port }, logger);
logger.info(
  config.kafka
    ? { log: 'kafka', brokers: config.kafka.brokers, topic: config.kafka.topic, placement: config.placement.mode, ...(config.placement.mode === 'ownership' ? { publicUrl: config.placement.publicUrl } : {}) }
    : { log: 'embedded', dataDir: config.dataDir },
  'whiteboard ready',
);
