/**
 * On Kafka, `npm run backup` is logical: every board as a board file and the
 * topics' names and settings. `npm run restore` into a fresh topic brings
 * back every board (records, times, authors, pictures, deleted statuses),
 * and skips the boards the topic has.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { pino } from 'pino';
import { OPERATOR } from '../../server/log/board-status.ts';
import { KafkaBoardStatus } from '../../server/log/kafka/kafka-board-status.ts';
import { KafkaLog } from '../../server/log/kafka/kafka-log.ts';
import type { KafkaSettings } from '../../server/log/kafka/settings.ts';
import { addPicture, kafkaEnv, replayOf, runScript, seedTimedBoard } from '../support/board-copies.ts';
import { kafkaTestSettings, tempDir } from '../support/server.ts';

const brokers = inject('kafkaBrokers');
const silent = pino({ level: 'silent' });
const settingsOf = (topic: string): KafkaSettings => ({ ...kafkaTestSettings(brokers, topic, 'check'), groupPrefix: `check-${topic}` });

describe('npm run backup and restore: Kafka', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it('restored into a fresh topic, every board replays as it did, with its pictures and status; a second restore skips them all', { timeout: 110_000 }, async () => {
    const dir = await tempDir('kafka-backup-');
    cleanup.push(() => dir.remove());
    const from = `backup-${randomBytes(6).toString('hex')}`;
    const to = `restored-${randomBytes(6).toString('hex')}`;
    const boards = ['alpha', 'beta', 'gamma', 'delta', 'drawn-today'];
    const deleted = { deletedAt: Date.now() - 3_600_000, by: OPERATOR, restoreUntil: Date.now() + 86_400_000 };
    const log = await KafkaLog.open(settingsOf(from), silent);
    const status = await KafkaBoardStatus.open(settingsOf(from), silent);
    const replays = new Map<string, unknown[]>();
    try {
      const start = Date.now() - 7 * 86_400_000;
      for (const [i, board] of boards.slice(0, 4).entries()) {
        await seedTimedBoard(log, board, { points: 800 + 300 * i, seed: 40 + i, minutes: 20, elements: 10, start: start + i * 86_400_000 });
      }
      await addPicture(log, 'beta', 1);
      // Drawn live: Kafka's own times.
      for (let seq = 1; seq <= 30; seq++) await log.append({ board: 'drawn-today', user: 'u', cid: 'c', seq, op: { k: 'clear' } });
      await status.set('gamma', deleted);
      for (const board of boards) replays.set(board, await replayOf(log, board));
    } finally {
      await status.close();
      await log.close();
    }

    const backup = await runScript('backup.ts', [join(dir.path, 'b')], kafkaEnv(brokers, from));
    expect(backup.code, backup.stderr).toBe(0);
    expect(backup.stdout).toContain(`backed up ${boards.length} boards`);
    const manifest = JSON.parse(await readFile(join(dir.path, 'b', 'backup.json'), 'utf8')) as { topics: { name: string; partitions: number; configs: Record<string, string> }[]; boards: { id: string }[] };
    expect(manifest.boards.map((b) => b.id).sort()).toEqual([...boards].sort());
    const names = manifest.topics.map((t) => t.name);
    for (const suffix of ['', '-states', '-index', '-files', '-file-index']) expect(names).toContain(`${from}${suffix}`);
    const main = manifest.topics.find((t) => t.name === from)!;
    expect(main.partitions).toBe(3);
    expect(main.configs).toMatchObject({ 'cleanup.policy': 'compact', 'message.timestamp.type': 'LogAppendTime', 'retention.ms': '-1' });

    const restore = await runScript('restore.ts', [join(dir.path, 'b')], kafkaEnv(brokers, to));
    expect(restore.code, restore.stderr).toBe(0);
    expect(restore.stdout).toContain(`restored ${boards.length} boards`);
    const again = await runScript('restore.ts', [join(dir.path, 'b')], kafkaEnv(brokers, to));
    expect(again.stdout).toContain(`restored 0 boards (0 records)`);
    expect(again.stdout).toContain(`${boards.length} were there already`);

    const restored = await KafkaLog.open(settingsOf(to), silent);
    const restoredStatus = await KafkaBoardStatus.open(settingsOf(to), silent);
    try {
      for (const board of boards) expect(await replayOf(restored, board), board).toEqual(replays.get(board));
      expect((await restored.files.boardFiles('beta')).size).toBe(2);
      expect(restoredStatus.get('gamma')).toEqual(deleted);
      expect(restoredStatus.get('alpha')).toBeNull();
    } finally {
      await restoredStatus.close();
      await restored.close();
    }
  });
});
