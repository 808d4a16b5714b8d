/**
 * Backup and restore of the embedded log: its LMDB environment
 * (DATA_DIR/log.lmdb: boards, stored states, pictures, statuses) copied
 * whole. The copy is taken by LMDB itself (mdb_env_copy, through lmdb-js
 * `backup`) in a read transaction of this process: a consistent snapshot of
 * the moment it starts, while the server goes on writing from its own
 * process (LMDB is made for several processes on one environment).
 * Compacted: free pages (those of erased boards among them) are not copied.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { open } from 'lmdb';
import { ToolError } from '../board/tool-log.ts';

export const LOG_FILE = 'log.lmdb';
export const MANIFEST = 'backup.json';

export type EmbeddedManifest = { kind: 'embedded'; v: 1; createdAt: number; from: string; file: string; bytes: number };

/** Copies the live environment in `dataDir` into `dest`/log.lmdb, with a manifest. */
export async function backupEmbedded(dataDir: string, dest: string): Promise<EmbeddedManifest> {
  const live = join(dataDir, LOG_FILE);
  if (!existsSync(live)) throw new ToolError(`no embedded log in ${dataDir} (no ${LOG_FILE})`);
  if (existsSync(join(dest, MANIFEST))) throw new ToolError(`${dest} already holds a backup; give a new directory`);
  await mkdir(dest, { recursive: true });
  const partial = join(dest, `${LOG_FILE}.partial`);
  await rm(partial, { force: true });
  const root = open({ path: live, readOnly: true });
  const createdAt = Date.now();
  try {
    await root.backup(partial, true);
  } finally {
    await root.close();
  }
  await rename(partial, join(dest, LOG_FILE));
  const { size } = await stat(join(dest, LOG_FILE));
  const manifest: EmbeddedManifest = { kind: 'embedded', v: 1, createdAt, from: dataDir, file: LOG_FILE, bytes: size };
  await writeFile(join(dest, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/**
 * Puts a backup's environment in place as `dataDir`'s log. Refuses a
 * DATA_DIR that holds a log unless `force`, and then keeps the old one
 * beside it (log.lmdb.before-restore-<time>). The server must be stopped.
 */
export async function restoreEmbedded(src: string, dataDir: string, force: boolean): Promise<string> {
  const copy = join(src, LOG_FILE);
  if (!existsSync(copy)) throw new ToolError(`${src} holds no embedded backup (no ${LOG_FILE})`);
  const live = join(dataDir, LOG_FILE);
  let kept = '';
  if (existsSync(live)) {
    if (!force) throw new ToolError(`${dataDir} already holds a log; stop the server and add --force to replace it (the old one is kept beside it)`);
    kept = `${live}.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    await rename(live, kept);
  }
  await mkdir(dataDir, { recursive: true });
  await rm(`${live}-lock`, { force: true });
  await copyFile(copy, `${live}.partial`);
  await rename(`${live}.partial`, live);
  return kept ? ` (the log it replaced is kept as ${kept})` : '';
}
