/**
 * A load-generator client of Hocuspocus through its own provider
 * (`@hocuspocus/provider`, one WebSocket per client as one per browser),
 * drawing as a Yjs whiteboard does: the document holds a map of strokes,
 * each stroke a Y.Array of coordinates (x, y, x, y…), created with its first
 * batch and appended to as the pen moves. The provider sends each change
 * as it is made (its default, no flush delay) and keeps presence
 * (awareness) as it does for a page.
 *
 * A batch is known on arrival by its stroke and the array's length after
 * it (4 coordinates per batch of 2 points), however updates are merged.
 */
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import type { Batch, BenchClient, Connect } from '../bench-client.ts';
import { importPeer } from './install.ts';

/** Coordinates per point. */
const PER_POINT = 2;

// The little of yjs and the provider this client uses.
type YArray = { length: number; push(items: number[]): void };
type YEvent = { target: unknown; path: (string | number)[]; changes: { delta: { retain?: number; insert?: unknown[] | string }[]; keys: Map<string, { action: string }> } };
type YMap = { get(key: string): YArray | undefined; set(key: string, value: YArray): void; observeDeep(f: (events: YEvent[], txn: { local: boolean }) => void): void };
type YDoc = { getMap(name: string): YMap; transact(f: () => void): void; destroy(): void };
type Yjs = { Doc: new () => YDoc; Array: new () => YArray };
type Provider = { on(event: string, f: (...args: unknown[]) => void): void; destroy(): void; configuration: { websocketProvider: { webSocket: WebSocket | null } } };
type ProviderModule = { HocuspocusProvider: new (configuration: object) => Provider };

const Y = await importPeer<Yjs>('yjs');
const { HocuspocusProvider } = await importPeer<ProviderModule>('@hocuspocus/provider');

export const connectYjs: Connect = (url, board, drawer, meter) =>
  new Promise((resolve, reject) => {
    const doc = new Y.Doc();
    const strokes = doc.getMap('strokes');
    const provider = new HocuspocusProvider({ url, name: board, document: doc, WebSocketPolyfill: WebSocket });
    const socket = () => provider.configuration.websocketProvider.webSocket;
    // A batch of another client's stroke arrived: every batch boundary up to the array's new end.
    const arrived = (stroke: string, from: number, to: number) => {
      meter.received((to - from) / PER_POINT);
      for (let end = from + 2 * PER_POINT; end <= to; end += 2 * PER_POINT) meter.delivered(`${stroke}:${end}`, 2);
    };
    strokes.observeDeep((events, txn) => {
      if (txn.local) return;
      for (const event of events) {
        if (event.target === strokes) {
          // New strokes, their first batches inside.
          for (const [key, change] of event.changes.keys) if (change.action === 'add') arrived(key, 0, strokes.get(key)!.length);
          continue;
        }
        let at = 0;
        for (const part of event.changes.delta) {
          if (part.retain) at += part.retain;
          else if (Array.isArray(part.insert)) {
            arrived(String(event.path[0]), at, at + part.insert.length);
            at += part.insert.length;
          }
        }
      }
    });
    let synced = false;
    provider.on('synced', () => {
      if (synced) return;
      synced = true;
      resolve(client);
    });
    provider.on('close', () => {
      if (!meter.stopping && meter.measuring) meter.error('hocuspocus socket closed');
    });
    setTimeout(() => (synced ? undefined : reject(new Error(`hocuspocus: ${board} not synced within 30 s`))), 30_000).unref();
    const client: BenchClient = {
      drawer,
      open: () => socket()?.readyState === WebSocket.OPEN,
      tcp: () => (socket() as unknown as { _socket: Socket | null } | null)?._socket ?? null,
      close: () => {
        provider.destroy();
        doc.destroy();
      },
      send(batch: Batch) {
        const coordinates = batch.points.flatMap((p) => [p.x, p.y]);
        let line = strokes.get(batch.stroke);
        const end = (line?.length ?? 0) + coordinates.length;
        meter.sent(`${batch.stroke}:${end}`);
        if (line) line.push(coordinates);
        else {
          line = new Y.Array();
          line.push(coordinates);
          strokes.set(batch.stroke, line);
        }
      },
    };
  });
