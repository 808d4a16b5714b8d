import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { BoardPlacement } from '../log/board-log.ts';
import type WebSocket from 'ws';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { CLOSE, type Moved } from '../protocol/messages.ts';
import { ConnectionsPerIp } from '../quotas/connections-per-ip.ts';
import type { Quotas } from '../quotas/quotas.ts';
import { WriteBudgets } from '../quotas/write-budget.ts';
import { Connection } from '../rooms/connection.ts';
import type { Rooms } from '../rooms/rooms.ts';
import { originAllowed } from './security.ts';

/** Frames kept while the instance serving the board is being found. */
const MAX_EARLY_FRAMES = 64;

export type BoardSocketOptions = {
  /** Which instance serves which board (Kafka, partition ownership); absent where this one serves all. */
  placement?: BoardPlacement;
  quotas: Quotas;
  allowedOrigins: readonly string[];
  heartbeatMs?: number;
  metrics: Metrics;
};

/**
 * `/ws/<board>`: a thin adapter from a WebSocket to a room Connection.
 * Upgrades from foreign origins are refused before a socket exists; an
 * address over its connection quota is closed with a reason. Sockets are
 * pinged every `heartbeatMs`; one that misses a pong is dropped, so a
 * vanished client leaves the people list instead of lingering there.
 */
export function boardSocketRoute(app: FastifyInstance, rooms: Rooms, logger: Logger, options: BoardSocketOptions): void {
  const perIp = new ConnectionsPerIp(options.quotas.maxConnectionsPerIp);
  const budgets = new WriteBudgets(options.quotas);
  const heartbeatMs = options.heartbeatMs ?? 30_000;

  app.get<{ Params: { board: string } }>(
    '/ws/:board',
    {
      websocket: true,
      preValidation: async (req, reply) => {
        if (originAllowed(req, options.allowedOrigins)) return;
        // A page of another instance's, moved here (PUBLIC_URL).
        if (req.headers.origin && options.placement?.instanceOrigins().has(req.headers.origin)) return;
        logger.info({ origin: req.headers.origin, board: req.params.board }, 'board socket from a foreign origin refused');
        return reply.code(403).send({ error: 'this origin may not open board sockets' });
      },
    },
    (socket, req) => {
      const { placement } = options;
      if (!placement) return serve(socket, req);
      // Where the board is served is known at once, or after the instances
      // have rebalanced; what the page sends meanwhile is kept for its room.
      const early: Frame[] = [];
      const keep = (data: WebSocket.RawData, isBinary: boolean) => {
        // An honest page sends its hello and waits; a flood before its room exists is cut off.
        if (early.push({ data, isBinary }) > MAX_EARLY_FRAMES) socket.close(CLOSE.rateLimited, 'too many messages before joining');
      };
      socket.on('message', keep);
      const board = req.params.board;
      placement.whereIs(board).then(
        (url) => {
          socket.off('message', keep);
          if (socket.readyState !== socket.OPEN) return;
          if (url === null) return serve(socket, req, early);
          const moved: Moved = { t: 'moved', url };
          socket.send(JSON.stringify(moved));
          socket.close(CLOSE.moved, 'this board is served by another instance');
        },
        (err: unknown) => {
          logger.warn({ err, board }, 'no instance serves this board yet');
          socket.close(CLOSE.unavailable, 'this board is not served yet; reconnecting');
        },
      );
    },
  );

  function serve(socket: WebSocket, req: FastifyRequest<{ Params: { board: string } }>, early: Frame[] = []): void {
    const ip = req.ip;
    const { metrics } = options;
    if (!perIp.acquire(ip)) {
      metrics.throttled('connections_per_ip');
      socket.close(CLOSE.rateLimited, 'too many connections from your address');
      return;
    }
    const connection = new Connection(
      req.params.board,
      {
        send: (frame) => {
          metrics.socketSent(typeof frame === 'string' ? Buffer.byteLength(frame) : frame.byteLength);
          socket.send(frame);
        },
        sendTextBytes: (frame) => {
          metrics.socketSent(frame.byteLength);
          socket.send(frame, { binary: false });
        },
        close: (code, reason) => socket.close(code, reason),
        isOpen: () => socket.readyState === socket.OPEN,
        bufferedAmount: () => socket.bufferedAmount,
        pause: () => socket.pause(),
        resume: () => socket.resume(),
      },
      rooms,
      logger,
      budgets.forConnection(ip),
      metrics,
    );
    let alive = true;
    socket.on('pong', () => (alive = true));
    const heartbeat = setInterval(() => {
      if (!alive) return socket.terminate();
      alive = false;
      socket.ping();
    }, heartbeatMs);
    heartbeat.unref();
    const receive = (data: WebSocket.RawData, isBinary: boolean) => {
      metrics.socketReceived(byteLength(data));
      connection.onMessage(isBinary ? toBytes(data) : data.toString());
    };
    for (const { data, isBinary } of early) receive(data, isBinary);
    socket.on('message', receive);
    socket.on('close', () => {
      clearInterval(heartbeat);
      perIp.release(ip);
      connection.onClose();
    });
    socket.on('error', (err) => logger.debug({ err, board: req.params.board }, 'socket error'));
  }
}

/** A frame the page sent before its room was chosen. */
type Frame = { data: WebSocket.RawData; isBinary: boolean };

function byteLength(data: WebSocket.RawData): number {
  return Array.isArray(data) ? data.reduce((sum, part) => sum + part.byteLength, 0) : data.byteLength;
}

/** A binary frame as ws hands it over (one Buffer, or fragments). */
function toBytes(data: WebSocket.RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}
