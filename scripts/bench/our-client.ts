/**
 * A load-generator client speaking our protocol, as the page does: binary
 * frames in its own context (server/protocol/wire.ts), its operations
 * numbered 1, 2, 3… A `moved` sends it to the board's owner (partition
 * ownership); a socket lost while measuring (its instance killed)
 * reconnects at `home` every 250 ms until live again.
 */
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import { PER_MESSAGE_DEFLATE } from '../../server/protocol/compression.ts';
import { PROTOCOL_VERSION, type ClientOp } from '../../server/protocol/messages.ts';
import { encodePoints } from '../../server/protocol/points.ts';
import { DownDecoder, UpEncoder } from '../../server/protocol/wire.ts';
import type { Batch, BenchClient, Connect, Meter } from './bench-client.ts';

type ReceivedRecord = { cid: string; seq: number; op: { k: string; p?: unknown } };

/** Points per batch the generator draws (load-worker.ts). */
const POINTS_PER_BATCH = 2;

export const connectOurs: Connect = (home, board, drawer, meter) =>
  new Promise((resolve, reject) => {
    const user = randomBytes(9).toString('base64url');
    const cid = randomBytes(9).toString('base64url');
    let socket: WebSocket;
    let up = new UpEncoder();
    let serverCid = '';
    let seq = 0;
    let first = true;
    const client: BenchClient = {
      drawer,
      open: () => socket.readyState === WebSocket.OPEN,
      tcp: () => (socket as unknown as { _socket: Socket | null })._socket,
      close: () => socket.terminate(),
      send(batch: Batch) {
        const p = encodePoints(batch.points, false);
        const op: ClientOp = batch.first ? { k: 'begin', id: batch.stroke, color: '#1e1e1e', w: 4, p } : { k: 'ext', id: batch.stroke, p };
        seq++;
        meter.sent(`${serverCid}:${seq}`);
        socket.send(up.op({ t: 'op', s: seq, o: op }));
        if (batch.last) socket.send(up.op({ t: 'op', s: ++seq, o: { k: 'end', id: batch.stroke } }));
      },
    };
    const received = (record: ReceivedRecord, m: Meter) => {
      if (record.op.k === 'begin' || record.op.k === 'ext') m.received(POINTS_PER_BATCH);
      if (record.cid === serverCid) return; // the sender's own echo is its acknowledgement
      m.delivered(`${record.cid}:${record.seq}`, POINTS_PER_BATCH);
    };
    const open = (url: string) => {
      // Offers permessage-deflate as browsers do; the target decides.
      const current = new WebSocket(url, { perMessageDeflate: PER_MESSAGE_DEFLATE });
      socket = current;
      up = new UpEncoder();
      const down = new DownDecoder(board);
      let moving = false;
      current.once('error', (err) => (first ? reject(err) : undefined));
      current.on('open', () => current.send(JSON.stringify({ t: 'hello', v: PROTOCOL_VERSION, user, cid, name: 'load' })));
      current.on('close', (code, reason) => {
        if (moving || meter.stopping || socket !== current) return;
        if (meter.measuring) meter.error(`socket closed ${code} ${reason.toString()}`);
        if (!first) setTimeout(() => open(`${home}/ws/${board}`), 250);
      });
      current.on('message', (data, isBinary) => {
        if (isBinary) {
          for (const message of down.decode(new Uint8Array(data as Buffer))) if (message.t === 'rec') received(message.r as ReceivedRecord, meter);
          return;
        }
        const message = JSON.parse(data.toString()) as { t: string; cid?: string; url?: string };
        if (message.t === 'welcome') serverCid = message.cid!;
        if (message.t === 'moved') {
          moving = true;
          current.terminate();
          open(message.url!);
        }
        if (message.t === 'synced') {
          if (first) resolve(client);
          else meter.resynced();
          first = false;
        }
        if (message.t === 'error') meter.error(JSON.stringify(message));
      });
    };
    open(`${home}/ws/${board}`);
  });
