/**
 * Rewrites the embedded log's LMDB file as a fresh copy of what it holds,
 * so that nothing removed from it (an erased board) is left anywhere in it.
 *
 * Why not LMDB's own copy: a page in LMDB is written whole, and the unused
 * middle of a page is whatever its buffer held before: bytes of another
 * page this process wrote earlier, an erased board's among them. Freed
 * pages can be overwritten (wipe-free-pages.ts), but those gaps are inside
 * pages in use, and LMDB's compacting copy copies pages whole. So the copy
 * is made key by key into a new environment, by a process that has read
 * only what it copies: every page of the new file holds live data and
 * zeros.
 *
 * The server does it as it starts, before it opens the log, when an
 * erasure since the last copy left its mark (ERASED_MARK in DATA_DIR).
 */
import { existsSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { open } from 'lmdb';

export const ERASED_MARK = 'erased-since-copy';
const BATCH = 5_000;

/** Leaves the mark: the next start rewrites the file. */
export function markErased(dir: string): void {
  writeFileSync(join(dir, ERASED_MARK), `${new Date().toISOString()}\n`);
}

export function erasedSinceCopy(dir: string): boolean {
  return existsSync(join(dir, ERASED_MARK));
}

/** Copies log.lmdb key by key into a new file and puts it in its place; bytes of the file before and after. */
export async function rewriteFresh(dir: string): Promise<{ before: number; after: number }> {
  const path = join(dir, 'log.lmdb');
  const fresh = join(dir, 'log.lmdb.fresh');
  rmSync(fresh, { force: true });
  rmSync(`${fresh}-lock`, { force: true });
  const before = statSync(path).size;
  const from = open({ path, readOnly: true });
  const to = open({ path: fresh, overlappingSync: false });
  try {
    const names = [...from.getKeys()].filter((key): key is string => typeof key === 'string');
    for (const name of names) {
      const source = from.openDB<Buffer, Buffer>({ name, encoding: 'binary', keyEncoding: 'binary' });
      const target = to.openDB<Buffer, Buffer>({ name, encoding: 'binary', keyEncoding: 'binary' });
      let batch: [Buffer, Buffer][] = [];
      const flush = async () => {
        const entries = batch;
        batch = [];
        await to.transaction(() => {
          for (const [key, value] of entries) target.put(key, value);
        });
      };
      for (const { key, value } of source.getRange({})) {
        batch.push([Buffer.from(key), Buffer.from(value)]);
        if (batch.length >= BATCH) await flush();
      }
      await flush();
    }
  } finally {
    await to.close();
    await from.close();
  }
  renameSync(fresh, path);
  rmSync(`${fresh}-lock`, { force: true });
  rmSync(join(dir, ERASED_MARK), { force: true });
  return { before, after: statSync(path).size };
}
