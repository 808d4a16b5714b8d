/**
 * Every log line of a request about a board carries the board's id
 * (`board`), as the board sockets' and rooms' lines do: an operator
 * follows one board through the logs with one filter.
 */
import type { FastifyInstance } from 'fastify';

export function logBoardOfRequests(app: FastifyInstance): void {
  app.addHook('onRequest', async (req, reply) => {
    const params = req.params as Record<string, unknown> | undefined;
    const board = params?.board;
    if (typeof board !== 'string') return;
    // Fastify gives the request and its reply a logger each; both carry the board from here on.
    req.log = req.log.child({ board });
    reply.log = req.log;
  });
}
