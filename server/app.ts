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
import { fileRoutes } from './routes/files.ts';
import { healthRoutes } from './routes/health.ts';
import { historyRoutes } from './routes/history.ts';
import { pageRoutes } from './routes/pages.ts';
import { securityHeaders } from './routes/security.ts';

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
  const rooms = new Rooms(deps.log, deps.logger, { maxBoardPoints: quotas.maxBoardPoints, storageProblem, presence }, deps.roomIdleMs);

  // Sockets would keep the HTTP server from closing; clients reconnect on 1001.
  // Other instances are told at once that this one's people left.
  app.addHook('preClose', async () => {
    rooms.close(CLOSE.goingAway, 'server shutting down');
    presence?.close();
  });

  await securityHeaders(app);
  await app.register(fastifyRateLimit, { global: false });
  const perMessageDeflate = deps.compression ? PER_MESSAGE_DEFLATE : false;
  await app.register(fastifyWebsocket, { options: { maxPayload: LIMITS.maxFrameBytes, perMessageDeflate } });
  healthRoutes(app, deps.log, storageProblem);
  boardSocketRoute(app, rooms, deps.logger, { quotas, allowedOrigins: deps.allowedOrigins ?? [], heartbeatMs: deps.heartbeatMs });
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
