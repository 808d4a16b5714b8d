/**
 * Builds the whiteboard server around a log. The entry point (main.ts) and
 * the tests both call this; it opens no ports and reads no environment.
 */
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { BoardLog } from './log/board-log.ts';
import { PER_MESSAGE_DEFLATE } from './protocol/compression.ts';
import { CLOSE, LIMITS } from './protocol/messages.ts';
import type { DiskGuard } from './quotas/disk-guard.ts';
import { DEFAULT_QUOTAS, type Quotas } from './quotas/quotas.ts';
import type { PresenceBus } from './presence/presence-bus.ts';
import { SharedPresence } from './presence/shared-presence.ts';
import { Rooms } from './rooms/rooms.ts';
import { boardSocketRoute } from './routes/board-socket.ts';
import { SESSION_GAP_MS } from './board/sessions.ts';
import { BoardDeletion, DEFAULT_DELETION, deletedMessage, type DeletionSettings } from './deletion/board-deletion.ts';
import type { BoardStatusStore } from './log/board-status.ts';
import { openBoardStatus } from './log/open-board-status.ts';
import { deletionRoutes } from './routes/deletion.ts';
import { fileRoutes } from './routes/files.ts';
import { healthRoutes } from './routes/health.ts';
import { historyRoutes } from './routes/history.ts';
import { pageRoutes } from './routes/pages.ts';
import { securityHeaders } from './routes/security.ts';
import { countHttpThrottles } from './metrics/http-throttles.ts';
import { Metrics } from './metrics/metrics.ts';
import { logBoardOfRequests } from './routes/board-logging.ts';
import { publicMetricsRoute } from './routes/metrics.ts';

export type AppDeps = {
  log: BoardLog;
  logger: FastifyBaseLogger;
  /** Directory of the built web app (web/dist). */
  webRoot: string;
  /** How long an empty board stays in memory. */
  roomIdleMs?: number;
  /** Idle time that separates two drawing sessions of a board. */
  sessionGapMs?: number;
  /** How often sockets are pinged; a client that misses a pong is dropped. */
  heartbeatMs?: number;
  /** permessage-deflate on board sockets (default off); see protocol/compression.ts. */
  compression?: boolean;
  /** Overrides of the default quotas (quotas/quotas.ts). */
  quotas?: Partial<Quotas>;
  /** Watches DATA_DIR's free space (embedded log); appends stop when it runs low. */
  diskGuard?: DiskGuard | null;
  /** Origins, besides this server's own, whose pages may open board sockets. */
  allowedOrigins?: readonly string[];
  /** Fastify's trustProxy: whose X-Forwarded-For to believe for client addresses. */
  trustProxy?: boolean | string[];
  /**
   * How instances sharing a Kafka log show each other's people and cursors
   * (presence/presence-bus.ts); absent on one instance. The caller closes it
   * after the app, so the app's goodbyes go out.
   */
  presenceBus?: PresenceBus | null;
  /** Which boards are deleted (log/board-status.ts); default: the store beside the log, opened and closed by the app. */
  status?: BoardStatusStore;
  /** How long a deleted board can be restored, and how often the sweeper looks for boards to erase. */
  deletion?: Partial<DeletionSettings>;
  /** What /metrics reports (metrics/metrics.ts); default: a registry of the app's own. main.ts serves it on the metrics port. */
  metrics?: Metrics;
  /** METRICS_TOKEN: also serves /metrics on this app's port, to `Authorization: Bearer <token>`; without it that path is 404. */
  metricsToken?: string | null;
};

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const quotas: Quotas = { ...DEFAULT_QUOTAS, ...deps.quotas };
  const storageProblem = () => deps.diskGuard?.problem() ?? null;
  const app: FastifyInstance = Fastify({
    loggerInstance: deps.logger,
    forceCloseConnections: true,
    trustProxy: deps.trustProxy ?? false,
    // The only bodies are fork requests: `{"at": <ms>}`.
    bodyLimit: 16 * 1024,
  });
  const presence = deps.presenceBus ? new SharedPresence(deps.presenceBus, deps.logger) : null;
  const metrics = deps.metrics ?? new Metrics();
  const rooms = new Rooms(deps.log, deps.logger, { maxBoardPoints: quotas.maxBoardPoints, storageProblem, presence, metrics }, deps.roomIdleMs);
  const { diskGuard, log } = deps;
  metrics.watch({
    census: () => rooms.census(),
    ...(diskGuard ? { diskFreeBytes: () => diskGuard.free } : {}),
    ...(log.fanoutLag ? { fanoutLag: () => log.fanoutLag!() } : {}),
    ...(log.fanoutCounts ? { fanoutRecords: () => log.fanoutCounts!() } : {}),
    ...(log.produceRequests ? { produceRequests: () => log.produceRequests!() } : {}),
  });
  logBoardOfRequests(app);
  countHttpThrottles(app, metrics);

  // Deleted boards: refused on join and closed wherever they were deleted; erased past their restore window.
  const status = deps.status ?? (await openBoardStatus(deps.log, deps.logger));
  const deletion = new BoardDeletion(deps.log, status, { ...DEFAULT_DELETION, ...deps.deletion }, deps.logger);
  rooms.gone = (board, ownerHash) => {
    const gone = deletion.gone(board);
    return gone && deletedMessage(gone, ownerHash);
  };
  const unwatchStatus = status.onChange((board, gone) => gone && rooms.closeGone(board));
  deletion.startSweeping();
  void deletion.sweep();
  app.addHook('onClose', async () => {
    unwatchStatus();
    await deletion.close();
    if (!deps.status) await status.close();
  });

  // Sockets would keep the HTTP server from closing; clients reconnect on 1001.
  // Other instances are told at once that this one's people left.
  app.addHook('preClose', async () => {
    // With partition ownership, pages go straight to their boards' new owners;
    // if that fails, they still reconnect (1001) and are sent on from wherever they land.
    await deps.log.placement?.handOver().catch((err: unknown) => deps.logger.warn({ err }, 'handing partitions over failed'));
    rooms.close(CLOSE.goingAway, 'server shutting down');
    presence?.close();
  });

  const placement = deps.log.placement;
  await securityHeaders(app, placement && (() => placement.instanceOrigins()));
  await app.register(fastifyRateLimit, { global: false });
  const perMessageDeflate = deps.compression ? PER_MESSAGE_DEFLATE : false;
  await app.register(fastifyWebsocket, { options: { maxPayload: LIMITS.maxFrameBytes, perMessageDeflate } });
  healthRoutes(app, deps.log, storageProblem);
  deletionRoutes(app, deps.log, deletion, { quotas, loadedState: (board) => rooms.loadedState(board) });
  boardSocketRoute(app, rooms, deps.logger, { placement: deps.log.placement, quotas, allowedOrigins: deps.allowedOrigins ?? [], heartbeatMs: deps.heartbeatMs, metrics });
  publicMetricsRoute(app, metrics, deps.metricsToken ?? null);
  historyRoutes(app, deps.log, {
    defaultGapMs: deps.sessionGapMs ?? SESSION_GAP_MS,
    quotas,
    storageProblem,
    loadedState: (board) => rooms.loadedState(board),
  });
  await fileRoutes(app, deps.log, { quotas, storageProblem, loadedState: (board) => rooms.loadedState(board) });
  await pageRoutes(app, deps.webRoot);
  return app;
}
