import type { FastifyInstance } from 'fastify';
import type { Logger } from '../logger.ts';
import { Connection } from '../rooms/connection.ts';
import type { Rooms } from '../rooms/rooms.ts';

/** `/ws/<board>`: a thin adapter from a WebSocket to a room Connection. */
export function boardSocketRoute(app: FastifyInstance, rooms: Rooms, logger: Logger): void {
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
    socket.on('message', (data, isBinary) => connection.onMessage(isBinary ? null : data.toString()));
    socket.on('close', () => connection.onClose());
    socket.on('error', (err) => logger.debug({ err, board: req.params.board }, 'socket error'));
  });
}
