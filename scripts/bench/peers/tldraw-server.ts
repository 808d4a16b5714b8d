/**
 * tldraw's sync server as its docs set it up: one `TLSocketRoom`
 * (`@tldraw/sync-core`) per board, tldraw's own schema, its default
 * in-memory storage, clients on `ws://…/<board>?sessionId=…`. What it
 * promises about durability: nothing of its own; the room holds the
 * document in memory and the host persists it, from its change callback or
 * a snapshot, when it chooses. A started bench target (targets.ts); prints
 * "tldraw listening" once it accepts connections.
 */
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';
import { importPeer } from './install.ts';

type Room = { handleSocketConnect(opts: { sessionId: string; socket: unknown }): void; close(): void };
type SyncCore = { TLSocketRoom: new (opts: object) => Room };

const { TLSocketRoom } = await importPeer<SyncCore>('@tldraw/sync-core');
const rooms = new Map<string, Room>();
const http = createServer((_req, res) => res.writeHead(404).end());
const sockets = new WebSocketServer({ server: http });
sockets.on('connection', (socket, req) => {
  const url = new URL(req.url ?? '/', 'http://x');
  const board = url.pathname.slice(1);
  let room = rooms.get(board);
  if (!room) rooms.set(board, (room = new TLSocketRoom({})));
  room.handleSocketConnect({ sessionId: url.searchParams.get('sessionId') ?? String(Math.random()), socket });
});
http.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1', () => console.log('tldraw listening'));
process.once('SIGTERM', () => {
  for (const room of rooms.values()) room.close();
  sockets.close();
  http.close(() => process.exit(0));
});
