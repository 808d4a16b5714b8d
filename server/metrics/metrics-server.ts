/**
 * The metrics listener: `GET /metrics` on a port of its own (METRICS_PORT,
 * on METRICS_HOST: loopback by default), apart from the public port, so
 * that what the server does is not public unless the operator says so.
 */
import Fastify from 'fastify';
import type { Logger } from '../logger.ts';
import type { Metrics } from './metrics.ts';

export type MetricsListener = {
  /** `http://host:port` it listens on (the port the system chose, given 0). */
  url: string;
  close(): Promise<void>;
};

export async function startMetricsServer(metrics: Metrics, at: { host: string; port: number }, logger: Logger): Promise<MetricsListener> {
  // A scrape every 15 s is not worth a log line each.
  const app = Fastify({ logger: false });
  app.get('/metrics', async (_req, reply) => {
    const { text, contentType } = await metrics.scrape();
    return reply.header('cache-control', 'no-store').type(contentType).send(text);
  });
  await app.listen({ host: at.host, port: at.port });
  const { port } = app.server.address() as { port: number };
  const host = at.host.includes(':') ? `[${at.host}]` : at.host;
  const url = `http://${host}:${port}`;
  logger.info({ url: `${url}/metrics` }, 'metrics listening');
  return { url, close: () => app.close() };
}
