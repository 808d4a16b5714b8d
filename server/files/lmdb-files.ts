/**
 * Files in the embedded log's LMDB environment, so that one copy of it
 * (a backup) holds the boards and their pictures alike:
 *   files       hash             -> the bytes
 *   file-info   hash             -> FileInfo
 *   board-files [board, hash]    -> bytes of that file (the board's upload limit)
 * The three are written in one transaction: a file is stored whole or not
 * at all.
 */
import type { Database, RootDatabase } from 'lmdb';
import { LogUnavailableError } from '../log/board-log.ts';
import type { FileInfo, FileStore } from './file-store.ts';

export class LmdbFiles implements FileStore {
  private readonly data: Database<Buffer, string>;
  private readonly infos: Database<FileInfo, string>;
  private readonly boards: Database<number, [string, string]>;
  private closed = false;

  constructor(private readonly root: RootDatabase) {
    this.data = root.openDB({ name: 'files', encoding: 'binary' });
    this.infos = root.openDB({ name: 'file-info' });
    this.boards = root.openDB({ name: 'board-files' });
  }

  async put(board: string, info: FileInfo, data: Buffer): Promise<void> {
    if (this.closed) throw new LogUnavailableError('log is closed');
    await this.root.transaction(() => {
      if (this.infos.get(info.hash) === undefined) {
        this.data.put(info.hash, data);
        this.infos.put(info.hash, info);
      }
      this.boards.put([board, info.hash], info.bytes);
    });
  }

  async get(hash: string): Promise<{ info: FileInfo; data: Buffer } | null> {
    if (this.closed) throw new LogUnavailableError('log is closed');
    const info = this.infos.get(hash);
    const data = info ? this.data.getBinary(hash) : undefined;
    // A copy: LMDB may reuse the buffer it read into.
    return info && data ? { info, data: Buffer.from(data) } : null;
  }

  async info(hash: string): Promise<FileInfo | null> {
    if (this.closed) throw new LogUnavailableError('log is closed');
    return this.infos.get(hash) ?? null;
  }

  async boardFiles(board: string): Promise<ReadonlyMap<string, number>> {
    const files = new Map<string, number>();
    for (const { key, value } of this.boards.getRange({ start: [board, ''], end: [board, '\uffff'] })) files.set(key[1], value);
    return files;
  }

  close(): void {
    this.closed = true;
  }
}
