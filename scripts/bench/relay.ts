/**
 * The floor we measure ourselves against: a bare WebSocket broadcast relay
 * speaking the same frames as the server, with no log, no validation and no
 * board state. Each op is stamped and echoed to everyone on its board.
 *
 *   PORT=4000 npx tsx scripts/bench/relay.ts
 */
import { WebSocketServer, type WebSocket } from 'ws';
import { PER_MESSAGE_DEFLATE } from '../../server/protocol/compression.ts';
import { PROTOCOL_VERSION } from '../../server/protocol/messages.ts';

const port = Number(process.env.PORT ?? 4000);
const boards = new Map<string, { pos: number; sockets: Set<WebSocket> }>();
// Compressed when the server would be: WS_COMPRESSION=on, as the server reads it.
const perMessageDeflate = process.env.WS_COMPRESSION === 'on' ? PER_MESSAGE_DEFLATE : false;
const server = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate });

server.on('connection', (socket, request) => {
  const board = (request.url ?? '').split('/')[2] ?? '';
  let room = boards.get(board);
  if (!room) boards.set(board, (room = { pos: -1, sockets: new Set() }));
  const joined = room;
  let who = { user: '', cid: '' };
  socket.on('message', (data) => {
    const message = JSON.parse(data.toString()) as { t: string; user?: string; cid?: string; s?: number; o?: unknown };
    if (message.t === 'hello') {
      who = { user: message.user!, cid: message.cid! };
      joined.sockets.add(socket);
      socket.send(JSON.stringify({ t: 'welcome', v: PROTOCOL_VERSION, board, ...who, role: 'editor', state: { pos: joined.pos, ts: 0, strokes: [], actions: [], history: [], seqs: [], size: 0, editKey: null } }));
      socket.send(JSON.stringify({ t: 'synced', pos: joined.pos }));
    } else if (message.t === 'op') {
      const text = JSON.stringify({ t: 'rec', r: { board, pos: ++joined.pos, ts: Date.now(), ...who, seq: message.s, op: message.o } });
      for (const peer of joined.sockets) peer.send(text);
    }
  });
  socket.on('close', () => joined.sockets.delete(socket));
});
server.on('listening', () => console.log(`relay listening on ${port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
