import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedLog } from '../../server/log/embedded-log.ts';
import { registerBoardLogContract } from './board-log-contract.ts';

registerBoardLogContract('embedded (LMDB)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'board-log-'));
  return {
    open: async () => new EmbeddedLog(dir),
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
});
