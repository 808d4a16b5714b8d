/**
 * `npm run migrate` copies every board of an embedded log into Kafka, and
 * can be killed and run again: nothing is copied twice, every board ends
 * complete, and each replays on Kafka as it did on the embedded log.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { pino } from 'pino';
import { appendRecords } from '../../server/history/board-file.ts';
import { EmbeddedLog } from '../../server/log/embedded-log.ts';
import { KafkaLog } from '../../server/log/kafka/kafka-log.ts';
import { KafkaBoardStatus } from '../../server/log/kafka/kafka-board-status.ts';
import { LmdbBoardStatus } from '../../server/log/lmdb-board-status.ts';
import { OPERATOR } from '../../server/log/board-status.ts';
import { readAll } from '../contract/board-log-contract.ts';
import { addPicture, kafkaEnv, replayOf, runScript, seedTimedBoard, startScript } from '../support/board-copies.ts';
import { kafkaTestSettings, tempDir } from '../support/server.ts';

const brokers = inject('kafkaBrokers');
const silent = pino({ level: 'silent' });
const BOARDS = 100;
const id = (i: number) => `board-${String(i).padStart(3, '0')}`;

describe('npm run migrate', () => {
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step();
  });

  it('copies 100 boards to Kafka; killed midway and run again, every board is complete once and replays as on the embedded log', { timeout: 110_000 }, async () => {
    const dir = await tempDir('migrate-');
    cleanup.push(() => dir.remove());
    const topic = `migrate-${randomBytes(6).toString('hex')}`;
    const env = { DATA_DIR: dir.path, ...kafkaEnv(brokers, topic) };
    const source = new EmbeddedLog(dir.path);
    const start = Date.now() - 86_400_000;
    for (let i = 0; i < BOARDS; i++) {
      await seedTimedBoard(source, id(i), { points: 120 + 7 * i, seed: 100 + i, minutes: 3, users: 2 + (i % 4), elements: i % 3 === 0 ? 4 : 0, start: start + i * 600_000 });
      if (i % 25 === 7) await addPicture(source, id(i), i, start + i * 600_000 + 200_000);
    }
    const deleted = { deletedAt: start, by: OPERATOR, restoreUntil: Date.now() + 86_400_000 };
    const sourceStatus = new LmdbBoardStatus(source.environment);
    await sourceStatus.set(id(42), deleted);
    await sourceStatus.close();
    const wanted = new Map<string, unknown[]>();
    for (let i = 0; i < BOARDS; i++) wanted.set(id(i), await replayOf(source, id(i)));

    // A run that died within a board: half of board-050 is on Kafka already.
    const half = await readAll(source, id(50));
    await source.close();
    const settings = { ...kafkaTestSettings(brokers, topic, 'migrate-check'), groupPrefix: `check-${topic}` };
    const early = await KafkaLog.open(settings, silent);
    await appendRecords(early, id(50), half.slice(0, Math.floor(half.length / 2)).map(({ ts, user, cid, seq, name, op }) => ({ t: 'rec' as const, ts, user, cid, seq, ...(name !== undefined ? { name } : {}), op })));
    await early.close();

    // Killed once some boards are done.
    const first = startScript('migrate.ts', [], env);
    let progress = '';
    await new Promise<void>((resolve) => {
      first.stderr!.on('data', (d: Buffer) => {
        progress += d.toString();
        const done = [...progress.matchAll(/boards (\d+)\/100/g)].map((m) => Number(m[1]));
        if (done.some((n) => n >= 20)) first.kill('SIGKILL');
      });
      first.on('exit', () => resolve());
    });
    expect(first.signalCode, progress).toBe('SIGKILL');
    expect(progress).toMatch(/records\/s/);

    const second = await runScript('migrate.ts', [], env);
    expect(second.code, second.stderr).toBe(0);
    const [, skipped] = /(\d+) were there already/.exec(second.stdout) ?? [];
    expect(Number(skipped)).toBeGreaterThanOrEqual(15);
    expect(Number(skipped)).toBeLessThan(BOARDS);
    const third = await runScript('migrate.ts', [], env);
    expect(third.stdout).toContain(`migrated 0 boards (0 records)`);
    expect(third.stdout).toContain(`${BOARDS} were there already`);

    const target = await KafkaLog.open(settings, silent);
    const status = await KafkaBoardStatus.open(settings, silent);
    try {
      for (const [board, replay] of wanted) expect(await replayOf(target, board), board).toEqual(replay);
      expect(status.get(id(42))).toEqual(deleted);
      expect(status.get(id(43))).toBeNull();
      for (let i = 7; i < BOARDS; i += 25) expect((await target.files.boardFiles(id(i))).size).toBe(2);
    } finally {
      await status.close();
      await target.close();
    }
  });
});
