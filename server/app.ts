/**
 * Builds the whiteboard server around a log. The entry point (main.ts) and
 * the tests both call this; it opens no ports and reads no environment.
 */
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { BoardLog } from './log/board-log.ts';
import { PER_MESSAGE_DEFLATE } from './protocol/compression.ts';
import { CLOSE, LIMITS } from './protocol/messages.ts';
import { Rooms } from './rooms/rooms.ts';
import { boardSocketRoute } from './routes/board-socket.ts';
import { DEFAULT_SESSION_GAP_MS } from './history/sessions.ts';
import { healthRoutes } from './routes/health.ts';
import { historyRoutes } from './routes/history.ts';
import { pageRoutes } from './routes/pages.ts';

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
};

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({ loggerInstance: deps.logger, forceCloseConnections: true });
  const rooms = new Rooms(deps.log, deps.logger, deps.roomIdleMs);

  // Sockets would keep the HTTP server from closing; clients reconnect on 1001.
  app.addHook('preClose', async () => rooms.close(CLOSE.goingAway, 'server shutting down'));

  const perMessageDeflate = deps.compression ? PER_MESSAGE_DEFLATE : false;
  await app.register(fastifyWebsocket, { options: { maxPayload: LIMITS.maxFrameBytes, perMessageDeflate } });
  healthRoutes(app, deps.log);
  boardSocketRoute(app, rooms, deps.logger, deps.heartbeatMs);
  historyRoutes(app, deps.log, deps.sessionGapMs ?? DEFAULT_SESSION_GAP_MS);
  await pageRoutes(app, deps.webRoot);
  return app;
}
