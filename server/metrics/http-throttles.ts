/**
 * Counts the HTTP quotas' refusals (429) by quota. Every quota on the
 * public API answers 429 (@fastify/rate-limit, or the route's own token
 * bucket), so one hook counts them all. Which quota follows from the
 * route: forks and uploads have quotas of their own, every other route
 * the shared API limit (README, "Quotas").
 */
import type { FastifyInstance } from 'fastify';
import type { Metrics, Quota } from './metrics.ts';

const QUOTA_OF_ROUTE: Readonly<Record<string, Quota>> = {
  '/api/boards/:board/fork': 'forks',
  '/api/boards/:board/files': 'uploads',
};

export function countHttpThrottles(app: FastifyInstance, metrics: Pick<Metrics, 'throttled'>): void {
  app.addHook('onResponse', async (req, reply) => {
    if (reply.statusCode !== 429) return;
    metrics.throttled(QUOTA_OF_ROUTE[req.routeOptions.url ?? ''] ?? 'api_requests');
  });
}
