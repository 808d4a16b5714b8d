import type { FastifyInstance } from 'fastify';
import type { BoardLog } from '../log/board-log.ts';

/**
 * `/healthz`: the process answers. `/readyz`: the log is open and taking
 * appends, and there is disk to put them on.
 */
export function healthRoutes(app: FastifyInstance, log: BoardLog, storageProblem: () => string | null): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    if (!log.isReady()) return reply.code(503).send({ status: 'unavailable', reason: 'log is not available' });
    const problem = storageProblem();
    if (problem) return reply.code(503).send({ status: 'unavailable', reason: problem });
    return { status: 'ready' };
  });
}
