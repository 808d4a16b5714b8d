import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'lmdb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { foldRecords } from '../../server/board/fold.ts';
import { SNAPSHOT_VERSION, toSnapshot } from '../../server/board/snapshot.ts';
import { EmbeddedLog } from '../../server/log/embedded-log.ts';
import { SNAPSHOTS_DB } from '../../server/log/snapshots/lmdb-snapshots.ts';
import { encodeState } from '../../server/log/snapshots/snapshot-codec.ts';
import { readAll, registerBoardLogContract } from './board-log-contract.ts';

registerBoardLogContract(
  'embedded (LMDB)',
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'board-log-'));
    return {
      open: async () => new EmbeddedLog(dir),
      dispose: () => rm(dir, { recursive: true, force: true }),
      storeRawState: async (board, pos, bytes) => {
        const root = open({ path: join(dir, 'log.lmdb') });
        await root.openDB<Buffer, [string, number]>({ name: SNAPSHOTS_DB, encoding: 'binary' }).put([board, pos], bytes);
        await root.close();
      },
    };
  },
  { snapshots: true },
);

describe('embedded log: stored states it cannot trust are not used', () => {
  let dir: string;
  let log: EmbeddedLog;

  /** Puts raw bytes where the log keeps a board's stored state (the log closed meanwhile). */
  async function putRaw(board: string, pos: number, bytes: Buffer): Promise<void> {
    await log.close();
    const root = open({ path: join(dir, 'log.lmdb') });
    await root.openDB<Buffer, [string, number]>({ name: SNAPSHOTS_DB, encoding: 'binary' }).put([board, pos], bytes);
    await root.close();
    log = new EmbeddedLog(dir);
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stored-state-'));
    log = new EmbeddedLog(dir);
    for (let seq = 1; seq <= 5; seq++) await log.append({ board: 'b', user: 'u', cid: 'c', seq, op: { k: 'clear' } });
    await log.append({ board: 'b', user: 'u', cid: 'c', seq: 6, op: { k: 'begin', id: 's', color: '#000000', w: 2, p: 'AAAA' } });
  });
  afterEach(async () => {
    await log.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a state written in its format', async () => {
    const state = foldRecords(await readAll(log, 'b'));
    await putRaw('b', state.pos, encodeState(state));
    expect(toSnapshot((await log.snapshots.load('b'))!.state)).toEqual(toSnapshot(state));
  });

  it('ignores damaged bytes', async () => {
    await putRaw('b', 5, Buffer.from(`{"v":${SNAPSHOT_VERSION},"state":{"pos":5,"strok`));
    expect(await log.snapshots.load('b')).toBeNull();
  });

  it('ignores a state of another version', async () => {
    const state = foldRecords(await readAll(log, 'b'));
    await putRaw('b', state.pos, Buffer.from(encodeState(state).toString().replace(`{"v":${SNAPSHOT_VERSION},`, '{"v":999,')));
    expect(await log.snapshots.load('b')).toBeNull();
  });

  it('ignores a state whose position is not its key, or is past the log’s last record', async () => {
    const state = foldRecords(await readAll(log, 'b'));
    await putRaw('b', state.pos - 1, encodeState(state));
    expect(await log.snapshots.load('b')).toBeNull();
    await putRaw('b', state.pos + 10, encodeState({ ...state, pos: state.pos + 10 }));
    expect(await log.snapshots.load('b')).toBeNull();
  });

  it('falls back to an older readable state when the newest is damaged', async () => {
    const records = await readAll(log, 'b');
    const older = foldRecords(records.slice(0, 3));
    await putRaw('b', older.pos, encodeState(older));
    await putRaw('b', records.at(-1)!.pos, Buffer.from('not json'));
    expect((await log.snapshots.load('b'))?.state.pos).toBe(older.pos);
  });
});
