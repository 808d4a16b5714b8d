/** Settings come from explicit environment variables, each with a default. */
import { resolve } from 'node:path';
import { kafkaSettingsFromEnv, placementFromEnv, type KafkaSettings, type Placement } from './log/kafka/settings.ts';
import { DEFAULT_QUOTAS, type Quotas } from './quotas/quotas.ts';
import { parseLogFormat, type LogFormatSetting } from './log-format.ts';

export type Config = {
  host: string;
  port: number;
  /** Where the embedded log keeps its files. */
  dataDir: string;
  logLevel: string;
  /** JSON or pretty log lines (LOG_FORMAT); `auto`: pretty when stdout is a terminal. */
  logFormat: LogFormatSetting;
  /**
   * The metrics listener (METRICS_HOST, METRICS_PORT; port null: METRICS_PORT=off),
   * and the token that also serves /metrics on the public port (METRICS_TOKEN).
   */
  metrics: { host: string; port: number | null; token: string | null };
  /** Idle time separating drawing sessions in a board's history. */
  sessionGapMs: number;
  /** permessage-deflate on board sockets (WS_COMPRESSION=on); see protocol/compression.ts. */
  compression: boolean;
  quotas: Quotas;
  /** Origins, besides the server's own, whose pages may open board sockets (ALLOWED_ORIGINS). */
  allowedOrigins: string[];
  /** Fastify's trustProxy (TRUST_PROXY): false, true, or the proxies' addresses. */
  trustProxy: boolean | string[];
  /** Set when KAFKA_BROKERS is: the log lives in Kafka instead of DATA_DIR. */
  kafka: KafkaSettings | null;
  /** With Kafka: how this server shares the boards with other instances (KAFKA_PLACEMENT, PUBLIC_URL). */
  placement: Placement;
  /** How long a deleted board can be restored by its owner before it is erased (BOARD_RESTORE_DAYS). */
  restoreMs: number;
};

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min) throw new Error(`${name} must be an integer of at least ${min}, got ${raw}`);
  return n;
}

function quotasFromEnv(env: NodeJS.ProcessEnv): Quotas {
  const d = DEFAULT_QUOTAS;
  const quotas: Quotas = {
    writePointsPerSecond: integer(env, 'WRITE_POINTS_PER_SECOND', d.writePointsPerSecond, 1),
    writeBurstPoints: integer(env, 'WRITE_BURST_POINTS', d.writeBurstPoints, 1),
    maxConnectionsPerIp: integer(env, 'MAX_CONNECTIONS_PER_IP', d.maxConnectionsPerIp, 1),
    maxBoardPoints: integer(env, 'MAX_BOARD_POINTS', d.maxBoardPoints, 1),
    minFreeDiskBytes: integer(env, 'MIN_FREE_DISK_MB', d.minFreeDiskBytes / 2 ** 20, 0) * 2 ** 20,
    apiRequestsPerMinute: integer(env, 'API_REQUESTS_PER_MINUTE', d.apiRequestsPerMinute, 1),
    forksPerMinute: integer(env, 'FORKS_PER_MINUTE', d.forksPerMinute, 1),
    forkPointsPerHour: integer(env, 'FORK_POINTS_PER_HOUR', d.forkPointsPerHour, 1),
    maxFileBytes: integer(env, 'MAX_FILE_MB', d.maxFileBytes / 2 ** 20, 1) * 2 ** 20,
    maxImagePixels: integer(env, 'MAX_IMAGE_MEGAPIXELS', d.maxImagePixels / 1e6, 1) * 1e6,
    maxImageSide: integer(env, 'MAX_IMAGE_SIDE', d.maxImageSide, 64),
    maxBoardFileBytes: integer(env, 'MAX_BOARD_FILES_MB', d.maxBoardFileBytes / 2 ** 20, 1) * 2 ** 20,
    uploadsPerHour: integer(env, 'UPLOADS_PER_HOUR', d.uploadsPerHour, 1),
  };
  // Below one full operation (1000 points), every full operation would have to wait.
  if (quotas.writeBurstPoints < 1_000) throw new Error(`WRITE_BURST_POINTS must be at least 1000 (one full operation), got ${quotas.writeBurstPoints}`);
  return quotas;
}

function metricsFromEnv(env: NodeJS.ProcessEnv, publicPort: number): Config['metrics'] {
  const raw = env.METRICS_PORT || '9464';
  const port = raw === 'off' ? null : Number(raw);
  if (port !== null && (!Number.isInteger(port) || port < 0 || port > 65535)) throw new Error(`METRICS_PORT must be a port number or off, got ${raw}`);
  if (port !== null && port !== 0 && port === publicPort) throw new Error(`METRICS_PORT must differ from PORT (${publicPort}); set METRICS_TOKEN to serve /metrics on the public port`);
  const token = env.METRICS_TOKEN ?? '';
  return { host: env.METRICS_HOST ?? '127.0.0.1', port, token: token === '' ? null : token };
}

function trustProxyFromEnv(raw: string | undefined): boolean | string[] {
  if (raw === undefined || raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  return raw.split(',').map((a) => a.trim()).filter(Boolean);
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): Config {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got ${env.PORT}`);
  const sessionGapMs = Number(env.SESSION_GAP_MS ?? 10 * 60_000);
  if (!Number.isInteger(sessionGapMs) || sessionGapMs < 1) throw new Error(`SESSION_GAP_MS must be a positive integer, got ${env.SESSION_GAP_MS}`);
  const compression = env.WS_COMPRESSION ?? 'off';
  if (compression !== 'on' && compression !== 'off') throw new Error(`WS_COMPRESSION must be on or off, got ${compression}`);
  const allowedOrigins = (env.ALLOWED_ORIGINS ?? '').split(',').map((o) => o.trim()).filter(Boolean);
  for (const origin of allowedOrigins) {
    if (!URL.canParse(origin) || new URL(origin).origin !== origin) throw new Error(`ALLOWED_ORIGINS takes origins like https://board.example.org, got ${origin}`);
  }
  return {
    host: env.HOST ?? '0.0.0.0',
    port,
    dataDir: resolve(env.DATA_DIR ?? './data'),
    logLevel: env.LOG_LEVEL ?? 'info',
    logFormat: parseLogFormat(env.LOG_FORMAT),
    metrics: metricsFromEnv(env, port),
    sessionGapMs,
    compression: compression === 'on',
    quotas: quotasFromEnv(env),
    allowedOrigins,
    trustProxy: trustProxyFromEnv(env.TRUST_PROXY),
    kafka: kafkaSettingsFromEnv(env),
    placement: placementFromEnv(env),
    restoreMs: integer(env, 'BOARD_RESTORE_DAYS', 7, 0) * 24 * 3600_000,
  };
}
