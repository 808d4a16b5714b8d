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
import { Rooms } from './rooms/rooms.ts';
import { boardSocketRoute } from './routes/board-socket.ts';
import { DEFAULT_SESSION_GAP_MS } from './history/sessions.ts';
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
  const rooms = new Rooms(deps.log, deps.logger, { maxBoardPoints: quotas.maxBoardPoints, storageProblem }, deps.roomIdleMs);

  // Sockets would keep the HTTP server from closing; clients reconnect on 1001.
  app.addHook('preClose', async () => rooms.close(CLOSE.goingAway, 'server shutting down'));

  await securityHeaders(app);
  await app.register(fastifyRateLimit, { global: false });
  const perMessageDeflate = deps.compression ? PER_MESSAGE_DEFLATE : false;
  await app.register(fastifyWebsocket, { options: { maxPayload: LIMITS.maxFrameBytes, perMessageDeflate } });
  healthRoutes(app, deps.log, storageProblem);
  boardSocketRoute(app, rooms, deps.logger, { quotas, allowedOrigins: deps.allowedOrigins ?? [], heartbeatMs: deps.heartbeatMs });
  historyRoutes(app, deps.log, { defaultGapMs: deps.sessionGapMs ?? DEFAULT_SESSION_GAP_MS, quotas, storageProblem });
  await pageRoutes(app, deps.webRoot);
  return app;
}
