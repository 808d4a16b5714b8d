import type { FastifyInstance } from 'fastify';
import type { BoardLog } from '../log/board-log.ts';

/** `/healthz`: the process answers. `/readyz`: the log is open and taking appends. */
export function healthRoutes(app: FastifyInstance, log: BoardLog): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    if (log.isReady()) return { status: 'ready' };
    return reply.code(503).send({ status: 'unavailable', reason: 'log is not available' });
  });
}
