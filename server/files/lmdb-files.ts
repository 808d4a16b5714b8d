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

  /** A scan of every board's files: asked only of the pictures of deleted boards. */
  async boardsOf(hash: string): Promise<string[]> {
    const boards: string[] = [];
    for (const key of this.boards.getKeys()) if (key[1] === hash) boards.push(key[0]);
    return boards;
  }

  /**
   * The files of a board that no other board has uploaded, with their
   * smaller copies: what erasing the board removes, unless another board
   * names them in its records (a fork, a paste), which only the log knows.
   */
  onlyOn(board: string): Set<string> {
    const hashes = new Set<string>();
    for (const key of this.boards.getKeys({ start: [board, ''], end: [board, '\uffff'] })) hashes.add(key[1]);
    if (hashes.size === 0) return hashes;
    for (const key of this.boards.getKeys()) if (key[0] !== board) hashes.delete(key[1]);
    return hashes;
  }

  /**
   * Removes a board's files; called inside the log's erasing transactions,
   * first to overwrite with zeros what goes (`zero`), then to remove it.
   * `namedBy` gives, for a file of `onlyOn` another board names, that
   * board: the file stays and becomes that board's, so that erasing it in
   * turn removes the bytes.
   */
  eraseIn(board: string, namedBy: ReadonlyMap<string, string>, phase: 'zero' | 'remove'): void {
    const gone = this.onlyOn(board);
    const moved = new Map<string, string>();
    for (const [hash, other] of namedBy) {
      if (!gone.has(hash)) continue;
      const info = this.infos.get(hash);
      for (const kept of [hash, ...Object.values(info?.variants ?? {})]) if (gone.delete(kept)) moved.set(kept, other);
    }
    if (phase === 'zero') {
      for (const hash of gone) {
        const bytes = this.data.getBinary(hash)?.length;
        if (bytes !== undefined) this.data.put(hash, Buffer.alloc(bytes));
      }
      return;
    }
    for (const [hash, other] of moved) {
      const bytes = this.boards.get([board, hash]);
      if (bytes !== undefined) this.boards.put([other, hash], bytes);
    }
    for (const key of this.boards.getKeys({ start: [board, ''], end: [board, '\uffff'] })) this.boards.remove(key);
    for (const hash of gone) {
      this.data.remove(hash);
      this.infos.remove(hash);
    }
  }

  close(): void {
    this.closed = true;
  }
}
