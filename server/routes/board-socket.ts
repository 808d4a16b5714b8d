import type { FastifyInstance } from 'fastify';
import type { Logger } from '../logger.ts';
import { Connection } from '../rooms/connection.ts';
import type { Rooms } from '../rooms/rooms.ts';

/**
 * `/ws/<board>`: a thin adapter from a WebSocket to a room Connection.
 * Sockets are pinged every `heartbeatMs`; one that misses a pong is dropped,
 * so a vanished client leaves the people list instead of lingering there.
 */
export function boardSocketRoute(app: FastifyInstance, rooms: Rooms, logger: Logger, heartbeatMs = 30_000): void {
  app.get<{ Params: { board: string } }>('/ws/:board', { websocket: true }, (socket, req) => {
    const connection = new Connection(
      req.params.board,
      {
        send: (text) => socket.send(text),
        close: (code, reason) => socket.close(code, reason),
        isOpen: () => socket.readyState === socket.OPEN,
        bufferedAmount: () => socket.bufferedAmount,
      },
      rooms,
      logger,
    );
    let alive = true;
    socket.on('pong', () => (alive = true));
    const heartbeat = setInterval(() => {
      if (!alive) return socket.terminate();
      alive = false;
      socket.ping();
    }, heartbeatMs);
    heartbeat.unref();
    socket.on('message', (data, isBinary) => connection.onMessage(isBinary ? null : data.toString()));
    socket.on('close', () => {
      clearInterval(heartbeat);
      connection.onClose();
    });
    socket.on('error', (err) => logger.debug({ err, board: req.params.board }, 'socket error'));
  });
}
