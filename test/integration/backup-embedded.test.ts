/**
 * `npm run backup` takes a consistent copy of the embedded log from another
 * process while the server serves people drawing; `npm run restore` puts it
 * in place. Everything acknowledged before the backup began is in it, and
 * the restored store opens and serves the boards.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { foldRecords } from '../../server/board/fold.ts';
import { EmbeddedLog } from '../../server/log/embedded-log.ts';
import { readAll } from '../contract/board-log-contract.ts';
import { waitUntil, webClient, type TestClient } from '../support/board-client.ts';
import { runScript } from '../support/board-copies.ts';
import { freePort, ServerProcess, tempDir } from '../support/server.ts';

const cleanup: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

describe('npm run backup and restore: embedded log', () => {
  it('a backup taken under write load holds every record acknowledged before it began; restored, the store opens and serves the board', { timeout: 110_000 }, async () => {
    const live = await tempDir('backup-live-');
    const copies = await tempDir('backup-copies-');
    const restored = await tempDir('backup-restored-');
    cleanup.push(() => live.remove(), () => copies.remove(), () => restored.remove());
    const server = new ServerProcess(await freePort(), live.path, { KAFKA_BROKERS: '' });
    await server.start();
    cleanup.push(() => server.stop('SIGKILL'));

    const boards = ['busy', 'quiet-ish'];
    const clients: TestClient[] = [0, 1, 2, 3].map((i) => webClient(server.ws, boards[i % 2]!, `p${i}`, `Person ${i}`));
    cleanup.push(() => clients.forEach((c) => c.close()));
    await Promise.all(clients.map((c) => c.live()));
    let drawing = true;
    const load = (async () => {
      while (drawing) {
        for (const c of clients) if (c.unacknowledged < 60) c.stroke();
        await new Promise((r) => setTimeout(r, 15));
      }
    })();
    await waitUntil(() => clients.every((c) => c.lastSeq - c.unacknowledged > 50), 'some strokes acknowledged', 20_000);

    // What each person had acknowledged when the backup began.
    const acknowledged = clients.map((c) => ({ board: c === clients[0] || c === clients[2] ? 'busy' : 'quiet-ish', cid: c.cid, seq: c.lastSeq - c.unacknowledged }));
    const backup = await runScript('backup.ts', [join(copies.path, 'one')], { DATA_DIR: live.path, KAFKA_BROKERS: '' });
    const during = clients.map((c) => c.lastSeq - c.unacknowledged);
    drawing = false;
    await load;
    expect(backup.code, backup.stderr).toBe(0);
    expect(backup.stdout).toContain('backed up the embedded log');
    // The load went on while the backup ran.
    for (const [i, a] of acknowledged.entries()) expect(during[i]).toBeGreaterThan(a.seq);
    await server.stop('SIGTERM');

    const restore = await runScript('restore.ts', [join(copies.path, 'one')], { DATA_DIR: restored.path, KAFKA_BROKERS: '' });
    expect(restore.code, restore.stderr).toBe(0);
    expect(restore.stderr).toContain('must be stopped');
    const log = new EmbeddedLog(restored.path);
    const states = new Map<string, ReturnType<typeof foldRecords>>();
    try {
      for (const board of boards) {
        const records = await readAll(log, board);
        states.set(board, foldRecords(records));
        for (const a of acknowledged.filter((x) => x.board === board)) {
          const seqs = new Set(records.filter((r) => r.cid === a.cid).map((r) => r.seq));
          for (let seq = 1; seq <= a.seq; seq++) expect(seqs.has(seq), `${a.cid} #${seq}`).toBe(true);
        }
      }
    } finally {
      await log.close();
    }

    const again = new ServerProcess(await freePort(), restored.path, { KAFKA_BROKERS: '' });
    await again.start();
    cleanup.push(() => again.stop('SIGKILL'));
    const viewer = webClient(again.ws, 'busy', 'viewer', 'Viewer');
    cleanup.push(() => viewer.close());
    await viewer.live();
    const want = [...states.get('busy')!.strokes.keys()].sort();
    expect(want.length).toBeGreaterThan(20);
    await waitUntil(() => viewer.visible().length === want.length, 'the viewer sees the restored board');
    expect([...viewer.visible()].sort()).toEqual(want);
    await again.stop('SIGTERM');

    // A DATA_DIR that holds a log is not overwritten without --force; with it, the old log is kept beside.
    const refused = await runScript('restore.ts', [join(copies.path, 'one')], { DATA_DIR: restored.path, KAFKA_BROKERS: '' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('already holds a log');
    const forced = await runScript('restore.ts', [join(copies.path, 'one'), '--force'], { DATA_DIR: restored.path, KAFKA_BROKERS: '' });
    expect(forced.code, forced.stderr).toBe(0);
    expect((await readdir(restored.path)).some((f) => f.startsWith('log.lmdb.before-restore-'))).toBe(true);
    expect(existsSync(join(restored.path, 'log.lmdb'))).toBe(true);
  });
});
