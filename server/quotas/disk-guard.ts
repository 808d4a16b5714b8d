/**
 * Watches the free space of the embedded log's disk. Below the threshold,
 * appends are refused with a clear reason and /readyz fails, before LMDB
 * meets a full disk mid-write.
 */
import { statfs } from 'node:fs/promises';
import type { Logger } from '../logger.ts';

const CHECK_EVERY_MS = 2_000;

export class DiskGuard {
  private freeBytes = Infinity;
  private timer: NodeJS.Timeout | null = null;

  private constructor(
    private readonly dir: string,
    private readonly minFreeBytes: number,
    private readonly logger: Logger,
  ) {}

  /** Checks once, then every couple of seconds until closed. */
  static async start(dir: string, minFreeBytes: number, logger: Logger, everyMs = CHECK_EVERY_MS): Promise<DiskGuard> {
    const guard = new DiskGuard(dir, minFreeBytes, logger);
    await guard.check();
    guard.timer = setInterval(() => void guard.check(), everyMs);
    guard.timer.unref();
    return guard;
  }

  /** Free bytes on the directory's disk at the last check (for metrics). */
  get free(): number {
    return this.freeBytes;
  }

  /** Why appends must stop now, or null. */
  problem(): string | null {
    if (this.freeBytes >= this.minFreeBytes) return null;
    return 'the server is out of disk space: nothing more can be saved until an administrator frees some';
  }

  async check(): Promise<void> {
    const wasLow = this.problem() !== null;
    try {
      const stats = await statfs(this.dir);
      this.freeBytes = stats.bavail * stats.bsize;
    } catch (err) {
      this.logger.error({ err, dir: this.dir }, 'cannot read free disk space');
      this.freeBytes = 0;
    }
    const low = this.problem() !== null;
    if (low !== wasLow) {
      const details = { dir: this.dir, freeMB: Math.floor(this.freeBytes / 2 ** 20), minFreeMB: Math.floor(this.minFreeBytes / 2 ** 20) };
      if (low) this.logger.error(details, 'disk nearly full: refusing appends');
      else this.logger.warn(details, 'disk space back: taking appends again');
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
