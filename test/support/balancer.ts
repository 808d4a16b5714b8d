/**
 * A plain TCP load balancer on loopback, as in front of several instances:
 * each connection goes to the next backend in turn, skipping one that
 * refuses. It knows nothing of boards, so a page lands on any instance.
 */
import net from 'node:net';

export type Balancer = { url: string; ws: string; close(): Promise<void> };

export async function startBalancer(backends: () => readonly number[]): Promise<Balancer> {
  let turn = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.pause();
    const ports = backends();
    const tryBackend = (attempt: number): void => {
      if (attempt >= ports.length) return void client.destroy();
      const port = ports[turn++ % ports.length]!;
      const upstream = net.connect({ host: '127.0.0.1', port });
      upstream.once('error', () => tryBackend(attempt + 1));
      upstream.once('connect', () => {
        upstream.removeAllListeners('error');
        sockets.add(upstream);
        upstream.on('close', () => sockets.delete(upstream));
        client.pipe(upstream).pipe(client);
        client.resume();
        const end = () => {
          client.destroy();
          upstream.destroy();
        };
        upstream.on('error', end);
        client.on('error', end);
      });
    };
    tryBackend(0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    ws: `ws://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
