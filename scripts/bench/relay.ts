/**
 * The floor we measure ourselves against: a bare WebSocket broadcast relay
 * speaking the same frames as the server (binary in each connection's
 * context, server/protocol/wire.ts), with no log, no validation and no
 * board state. Each op is stamped and echoed to everyone on its board, in
 * one frame per turn of the event loop as the server does.
 *
 *   PORT=4000 npx tsx scripts/bench/relay.ts
 */
import { WebSocketServer, type WebSocket } from 'ws';
import { PER_MESSAGE_DEFLATE } from '../../server/protocol/compression.ts';
import { PROTOCOL_VERSION, type LogRecord, type Op } from '../../server/protocol/messages.ts';
import { DownEncoder, UpDecoder } from '../../server/protocol/wire.ts';

const port = Number(process.env.PORT ?? 4000);
/** A page: its own encoder (the board's context, adopted on hello) and the parts of its next frame. */
type Peer = { socket: WebSocket; encoder: DownEncoder; parts: Uint8Array[]; scheduled: boolean };
/** A board encodes each record once, for all its pages, as the server does. */
const boards = new Map<string, { pos: number; peers: Set<Peer>; encoder: DownEncoder }>();

function flush(peer: Peer): void {
  peer.scheduled = false;
  if (peer.encoder.pending) peer.parts.unshift(peer.encoder.take());
  if (peer.parts.length === 0) return;
  peer.socket.send(Buffer.concat(peer.parts));
  peer.parts = [];
}

function queue(peer: Peer, bytes: Uint8Array): void {
  peer.parts.push(bytes);
  if (peer.scheduled) return;
  peer.scheduled = true;
  setImmediate(() => flush(peer));
}
// Compressed when the server would be: WS_COMPRESSION=on, as the server reads it.
const perMessageDeflate = process.env.WS_COMPRESSION === 'on' ? PER_MESSAGE_DEFLATE : false;
const server = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate });

server.on('connection', (socket, request) => {
  const board = (request.url ?? '').split('/')[2] ?? '';
  let room = boards.get(board);
  if (!room) boards.set(board, (room = { pos: -1, peers: new Set(), encoder: new DownEncoder() }));
  const joined = room;
  const me: Peer = { socket, encoder: new DownEncoder(), parts: [], scheduled: false };
  const decoder = new UpDecoder();
  let who = { user: '', cid: '' };
  socket.on('message', (data, isBinary) => {
    if (isBinary) {
      const decoded = decoder.decode(new Uint8Array(data as Buffer));
      if (!decoded.ok || decoded.value.t !== 'op') return;
      const rec: LogRecord = { board, pos: ++joined.pos, ts: Date.now(), ...who, seq: decoded.value.s as number, op: decoded.value.o as Op };
      joined.encoder.record(rec);
      const bytes = joined.encoder.take();
      for (const peer of joined.peers) queue(peer, bytes);
      return;
    }
    const message = JSON.parse(data.toString()) as { t: string; user?: string; cid?: string };
    if (message.t === 'hello') {
      who = { user: message.user!, cid: message.cid! };
      joined.peers.add(me);
      socket.send(JSON.stringify({ t: 'welcome', v: PROTOCOL_VERSION, board, ...who, role: 'editor', state: { pos: joined.pos, ts: 0, strokes: [], actions: [], history: [], seqs: [], size: 0, editKey: null, owner: null, keyGen: 0, paused: false, settings: { name: '', paper: 'blank' } } }));
      socket.send(JSON.stringify({ t: 'synced', pos: joined.pos }));
      me.encoder.adopt(joined.encoder);
      queue(me, me.encoder.take());
    }
  });
  socket.on('close', () => joined.peers.delete(me));
});
server.on('listening', () => console.log(`relay listening on ${port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
