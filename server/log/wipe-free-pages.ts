/**
 * Overwrites the free pages of an LMDB environment, so that what was
 * removed (an erased board) is no longer anywhere in its file.
 *
 * LMDB never writes a page in place: a removal frees the pages that held
 * the data, and the bytes stay in the file until a later write reuses the
 * pages. So after an erasure we write filler values of zeros, one page
 * each, until LMDB has used every free page and starts growing the file,
 * then remove them: the free pages now hold zeros. A read transaction
 * older than the erasure keeps its pages from reuse; the filler then grows
 * the file at once, and we try again a little later.
 */
import type { RootDatabase } from 'lmdb';

/** A value this size fills one overflow page of a 4 KiB page size. */
const FILLER_BYTES = 4_000;
const PER_TRANSACTION = 256;
const ATTEMPTS = 5;

type EnvStats = { lastPageNumber: number; pageSize: number };

/** True when every page free at the start was written over. */
export async function wipeFreePages(root: RootDatabase): Promise<boolean> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (await fillOnce(root)) return true;
    await new Promise((r) => setTimeout(r, 200 * (attempt + 1)));
  }
  return false;
}

async function fillOnce(root: RootDatabase): Promise<boolean> {
  const filler = root.openDB<Buffer, number>({ name: 'wipe', encoding: 'binary' });
  const zeros = Buffer.alloc(FILLER_BYTES);
  const start = root.getStats() as EnvStats;
  let written = 0;
  let wroteAll = false;
  try {
    // Never more pages than the file has: past that, it is only growing.
    while (written < start.lastPageNumber + PER_TRANSACTION) {
      await root.transaction(() => {
        for (let i = 0; i < PER_TRANSACTION; i++) filler.put(written++, zeros);
      });
      const now = root.getStats() as EnvStats;
      // The file grew by about what we wrote: no free page is left. Growth
      // by less means some pages came from the free list.
      if (now.lastPageNumber - start.lastPageNumber >= PER_TRANSACTION) {
        wroteAll = written > PER_TRANSACTION;
        break;
      }
    }
  } finally {
    await filler.drop();
  }
  return wroteAll;
}
