/**
 * Deleting and restoring a board over HTTP, and 410 Gone for a deleted one:
 *   DELETE /api/boards/:board           the owner deletes it (owner key in `x-owner-key`)
 *   POST   /api/boards/:board/restore   the owner brings it back, within the restore window
 *   GET    /api/deletion                how long a deleted board can be restored (BOARD_RESTORE_DAYS)
 *
 * HTTP rather than a socket message: a deleted board takes no socket, so
 * its restore cannot go through one, and the two belong together; and a
 * deletion is not an operation on the board (nothing of it goes into the
 * board's log, which erasure removes).
 *
 * Every other `/api/boards/:board…` route (replay, sessions, export, fork,
 * uploads, and any added later) answers 410 while the board is deleted or
 * erased, and `/files/:hash` for a picture only deleted boards have. The
 * socket's join is refused in rooms/connection.ts, with CLOSE.gone.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { BoardState } from '../board/state.ts';
import { BoardDeletion, deletedMessage, type Refusal } from '../deletion/board-deletion.ts';
import { loadBoard } from '../history/load-board.ts';
import type { BoardLog } from '../log/board-log.ts';
import { ID_PATTERN } from '../protocol/messages.ts';
import type { Quotas } from '../quotas/quotas.ts';
import { ownerKeyHash } from '../rooms/roles.ts';

export type DeletionRouteOptions = {
  quotas: Quotas;
  /** A board's state when a room has it loaded in this process. */
  loadedState(board: string): BoardState | null;
};

const boardParams = {
  type: 'object',
  required: ['board'],
  properties: { board: { type: 'string', pattern: ID_PATTERN.source } },
} as const;

const OWN_ROUTES = new Set(['/api/boards/:board', '/api/boards/:board/restore']);

function refuse(reply: FastifyReply, refusal: Refusal) {
  return reply.code(refusal.status).send({ error: refusal.error });
}

export function deletionRoutes(app: FastifyInstance, log: BoardLog, deletion: BoardDeletion, options: DeletionRouteOptions): void {
  const rateLimit = { max: options.quotas.apiRequestsPerMinute, timeWindow: 60_000 };

  // Added before the other routes, so that it covers them all (and their child scopes).
  app.addHook('onRequest', async (req, reply) => {
    const route = req.routeOptions.url ?? '';
    if (route === '/files/:hash') {
      const { hash } = req.params as { hash?: string };
      if (hash && (await deletion.fileGone(hash))) return reply.code(410).header('cache-control', 'no-store').send({ error: 'this picture was on a deleted board' });
      return;
    }
    if (!route.startsWith('/api/boards/:board') || OWN_ROUTES.has(route)) return;
    const { board } = req.params as { board?: string };
    const status = board ? deletion.gone(board) : null;
    if (!status) return;
    return reply.code(410).header('cache-control', 'no-store').send({ error: 'this board was deleted', deleted: deletedMessage(status, null) });
  });

  // What the Owner dialog tells before a deletion: how long it can be undone.
  app.get('/api/deletion', async () => ({ restoreDays: deletion.settings.restoreMs / 86_400_000 }));

  const ownerHash = (header: unknown) => (typeof header === 'string' && ID_PATTERN.test(header) ? ownerKeyHash(header) : null);

  app.delete<{ Params: { board: string } }>('/api/boards/:board', { config: { rateLimit }, schema: { params: boardParams } }, async (req, reply) => {
    const { board } = req.params;
    const by = ownerHash(req.headers['x-owner-key']);
    if (deletion.gone(board)) return reply.code(410).send({ error: 'this board is deleted already' });
    const state = options.loadedState(board) ?? (await loadBoard(log, board, { logger: req.log })).state;
    if (by === null || state.owner === null || state.owner !== by) return reply.code(403).send({ error: 'only the owner link deletes a board' });
    const result = await deletion.delete(board, by);
    if ('error' in result) return refuse(reply, result);
    return { board, deletedAt: result.deletedAt, restoreUntil: result.restoreUntil };
  });

  app.post<{ Params: { board: string } }>('/api/boards/:board/restore', { config: { rateLimit }, schema: { params: boardParams } }, async (req, reply) => {
    const { board } = req.params;
    const by = ownerHash(req.headers['x-owner-key']);
    if (by === null) {
      const status = deletion.gone(board);
      if (status && (status.erasedAt !== undefined || status.restoreUntil <= Date.now())) return reply.code(410).send({ error: 'this board was erased and can no longer be restored' });
      return reply.code(403).send({ error: 'only the owner link restores a board' });
    }
    const refusal = await deletion.restore(board, by);
    if (refusal) return refuse(reply, refusal);
    return { board };
  });
}
