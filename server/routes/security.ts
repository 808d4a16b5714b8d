/**
 * Web hygiene: security headers with a Content-Security-Policy the pages
 * pass (no inline script or style, sockets and fetches to this origin
 * only), and the Origin check on board sockets, so a page elsewhere cannot
 * draw on boards through its visitors' browsers.
 */
import fastifyHelmet from '@fastify/helmet';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/**
 * `instanceOrigins`: with partition ownership, the other instances' origins
 * (PUBLIC_URL), where a page's socket may be sent (`moved`); known at the
 * time the page is served.
 */
export async function securityHeaders(app: FastifyInstance, instanceOrigins?: () => ReadonlySet<string>): Promise<void> {
  const instanceSockets = () => {
    const sources = ["'self'"];
    for (const origin of instanceOrigins?.() ?? []) sources.push(origin, origin.replace(/^http/, 'ws'));
    return sources.join(' ');
  };
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'style-src': ["'self'"],
        'img-src': ["'self'", 'data:', 'blob:'],
        'connect-src': [instanceSockets],
        'worker-src': ["'self'", 'blob:'],
        'media-src': ["'self'", 'blob:'],
        'object-src': ["'none'"],
        'base-uri': ["'self'"],
        'form-action': ["'self'"],
        'frame-ancestors': ["'none'"],
        // No upgrade-insecure-requests: a whiteboard on a LAN is often served over plain http.
      },
    },
    // HSTS belongs to whoever terminates TLS for the domain, not to this app.
    strictTransportSecurity: false,
  });
}

/**
 * Whether a WebSocket upgrade may proceed: browsers always send Origin, and
 * only pages of this server (same host) or of an allowed origin may open a
 * socket. Clients that are not browsers send none and are let through.
 */
export function originAllowed(req: FastifyRequest, allowedOrigins: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (allowedOrigins.includes(origin)) return true;
  try {
    return new URL(origin).host === req.host;
  } catch {
    return false;
  }
}
