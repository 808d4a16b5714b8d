/**
 * `/metrics` on the public port: only when METRICS_TOKEN is set, and only
 * to `Authorization: Bearer <token>` (a hosted Prometheus that cannot reach
 * the metrics port). Without a token the route does not exist: 404, as for
 * any unknown path. The metrics port itself is metrics/metrics-server.ts.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../metrics/metrics.ts';

/** Compared as hashes, so that neither the length nor the content of the token leaks through timing. */
const digest = (text: string) => createHash('sha256').update(text).digest();

export function publicMetricsRoute(app: FastifyInstance, metrics: Metrics, token: string | null): void {
  if (!token) return;
  const expected = digest(`Bearer ${token}`);
  app.get('/metrics', async (req, reply) => {
    const given = req.headers.authorization;
    if (given === undefined || !timingSafeEqual(digest(given), expected)) {
      return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'metrics need Authorization: Bearer <METRICS_TOKEN>' });
    }
    const { text, contentType } = await metrics.scrape();
    return reply.header('cache-control', 'no-store').type(contentType).send(text);
  });
}
