import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedLog } from '../../server/log/embedded-log.ts';
import { LmdbBoardStatus } from '../../server/log/lmdb-board-status.ts';
import { registerBoardStatusContract } from './board-status-contract.ts';

registerBoardStatusContract('embedded (LMDB sub-database)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'board-status-'));
  // Each store on a log of its own over one directory: as the server and the CLI in two processes.
  const logs: EmbeddedLog[] = [];
  return {
    open: async () => {
      const log = new EmbeddedLog(dir);
      logs.push(log);
      return new LmdbBoardStatus(log.environment, undefined, 200);
    },
    dispose: async () => {
      for (const log of logs) await log.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
