/**
 * Hocuspocus as a whiteboard's sync server would run it: `@hocuspocus/server`
 * with its SQLite extension storing every document in DATA_DIR/documents.sqlite,
 * defaults otherwise. What it promises about durability: a document is
 * stored debounced (2 s after a change, at most 10 s while changes keep
 * coming) and on unload; a change is sent to the other clients at once,
 * before it is on disk. A started bench target (targets.ts); prints
 * "hocuspocus listening" once it accepts connections.
 */
import { join } from 'node:path';
import { importPeer } from './install.ts';

type ServerModule = { Server: new (configuration: object) => { listen(): Promise<unknown>; destroy(): Promise<void> } };
type SqliteModule = { SQLite: new (configuration: { database: string }) => object };

const { Server } = await importPeer<ServerModule>('@hocuspocus/server');
const { SQLite } = await importPeer<SqliteModule>('@hocuspocus/extension-sqlite');

const server = new Server({
  port: Number(process.env.PORT),
  address: process.env.HOST ?? '127.0.0.1',
  quiet: true,
  extensions: [new SQLite({ database: join(process.env.DATA_DIR!, 'documents.sqlite') })],
});
await server.listen();
console.log('hocuspocus listening');
process.once('SIGTERM', () => void server.destroy().then(() => process.exit(0)));
