/**
 * `npm run board -- export` and `import` carry a board whole between logs:
 * after export and import (into the embedded log under another id, into
 * Kafka, and from Kafka back), a person sees the same board at every moment
 * of its history, and its replay shows the same records by the same
 * authors at the same times.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { pino } from 'pino';
import { EmbeddedLog } from '../../server/log/embedded-log.ts';
import { KafkaLog } from '../../server/log/kafka/kafka-log.ts';
import type { BoardLog } from '../../server/log/board-log.ts';
import type { LogRecord } from '../../server/protocol/messages.ts';
import { readAll } from '../contract/board-log-contract.ts';
import { addPicture, kafkaEnv, momentsOf, replayOf, runScript, seedTimedBoard, seenBefore, seenFromRecords } from '../support/board-copies.ts';
import { kafkaTestSettings, tempDir } from '../support/server.ts';

const brokers = inject('kafkaBrokers');
const silent = pino({ level: 'silent' });

describe('board export and import', () => {
  let dirs: { path: string; remove(): Promise<void> }[] = [];
  let source: string;
  let records: LogRecord[];
  let pictures: string[];
  const topic = `export-${randomBytes(6).toString('hex')}`;
  const embeddedEnv = (dir: string) => ({ DATA_DIR: dir, KAFKA_BROKERS: '' });

  beforeAll(async () => {
    dirs = [await tempDir('export-src-'), await tempDir('export-dst-'), await tempDir('export-back-'), await tempDir('export-files-')];
    source = dirs[0]!.path;
    const log = new EmbeddedLog(source);
    const start = Date.now() - 3 * 3_600_000;
    await seedTimedBoard(log, 'original', { points: 4_000, seed: 11, minutes: 40, elements: 40, start });
    const last = (await readAll(log, 'original')).at(-1)!.ts;
    pictures = [await addPicture(log, 'original', 1, last + 1_000), await addPicture(log, 'original', 2, last + 2_000)];
    await log.append({ board: 'original', user: 'late', cid: 'late', seq: 1, name: 'Late', op: { k: 'clear' } }, { at: last + 3_000 });
    await seedTimedBoard(log, 'neighbour', { points: 500, seed: 12, minutes: 5 });
    records = await readAll(log, 'original');
    await log.close();
  }, 60_000);

  afterAll(async () => {
    for (const dir of dirs) await dir.remove();
  });

  /** The board in `log` is the original: seen the same at every sampled moment, replayed the same, with its pictures. */
  async function expectSameBoard(log: BoardLog, board: string): Promise<void> {
    const moments = momentsOf(records, 40);
    const want = seenFromRecords(records, moments);
    for (const [i, t] of moments.entries()) expect(await seenBefore(log, board, t), `seen before ${new Date(t).toISOString()}`).toEqual(want[i]);
    const original = new EmbeddedLog(source);
    try {
      expect(await replayOf(log, board)).toEqual(await replayOf(original, 'original'));
      for (const hash of pictures) {
        const file = await log.files.get(hash);
        expect(file?.data.equals((await original.files.get(hash))!.data)).toBe(true);
        for (const variant of Object.values(file!.info.variants ?? {})) expect(await log.files.info(variant)).not.toBeNull();
      }
      expect([...(await log.files.boardFiles(board)).keys()].sort()).toEqual([...(await original.files.boardFiles('original')).keys()].sort());
    } finally {
      await original.close();
    }
  }

  it('exports a documented NDJSON file: a header, the records in log order with their times and authors, the pictures', async () => {
    const out = join(dirs[3]!.path, 'original.ndjson');
    const run = await runScript('board.ts', ['export', 'original', '--out', out], embeddedEnv(source));
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain(`${records.length.toLocaleString('en')} records`);
    const lines = (await readFile(out, 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ format: 'logboard-board', v: 1, board: 'original', records: records.length, first: records[0]!.ts, last: records.at(-1)!.ts, files: 4 });
    const recs = lines.slice(1, 1 + records.length);
    expect(recs.map((l) => [l.ts, l.user, l.cid, l.seq])).toEqual(records.map((r) => [r.ts, r.user, r.cid, r.seq]));
    const files = lines.slice(1 + records.length) as { t: string; info: { hash: string } }[];
    expect(files.map((f) => f.t)).toEqual(['file', 'file', 'file', 'file']);
    expect(files.map((f) => f.info.hash)).toEqual(expect.arrayContaining(pictures));
  });

  it('imported into another embedded log and under another id (--as), the board is the same at every moment, and replays the same', { timeout: 90_000 }, async () => {
    const file = join(dirs[3]!.path, 'original.ndjson');
    const target = embeddedEnv(dirs[1]!.path);
    expect((await runScript('board.ts', ['import', file], target)).code).toBe(0);
    const again = await runScript('board.ts', ['import', file], target);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already has records');
    const renamed = await runScript('board.ts', ['import', file, '--as', 'renamed'], target);
    expect(renamed.stdout).toContain(`imported board renamed`);
    const log = new EmbeddedLog(dirs[1]!.path);
    try {
      await expectSameBoard(log, 'original');
      await expectSameBoard(log, 'renamed');
    } finally {
      await log.close();
    }
  });

  it('imported into Kafka, and exported from there into an embedded log, the board is the same at every moment, and replays the same', { timeout: 90_000 }, async () => {
    const file = join(dirs[3]!.path, 'original.ndjson');
    const kafka = kafkaEnv(brokers, topic);
    const imported = await runScript('board.ts', ['import', file, '--as', 'on-kafka'], kafka);
    expect(imported.stdout, imported.stderr).toContain('imported board on-kafka');
    const settings = { ...kafkaTestSettings(brokers, topic, 'check'), groupPrefix: `check-${topic}` };
    const log = await KafkaLog.open(settings, silent);
    try {
      await expectSameBoard(log, 'on-kafka');
    } finally {
      await log.close();
    }
    const back = join(dirs[3]!.path, 'back.ndjson');
    expect((await runScript('board.ts', ['export', 'on-kafka', '--out', back], kafka)).code).toBe(0);
    expect((await runScript('board.ts', ['import', back, '--as', 'returned'], embeddedEnv(dirs[2]!.path))).code).toBe(0);
    const returned = new EmbeddedLog(dirs[2]!.path);
    try {
      await expectSameBoard(returned, 'returned');
    } finally {
      await returned.close();
    }
  });

  it('refuses a file cut short, of another version, or not a board file, before writing anything', async () => {
    const file = join(dirs[3]!.path, 'original.ndjson');
    const lines = (await readFile(file, 'utf8')).split('\n');
    const cases: [string, string, string][] = [
      ['cut.ndjson', lines.slice(0, 100).join('\n'), 'cut short'],
      ['v2.ndjson', [lines[0]!.replace('"v":1', '"v":2'), ...lines.slice(1)].join('\n'), 'version 2'],
      ['other.ndjson', '{"hello":1}\n', 'not a board file'],
    ];
    const target = embeddedEnv(dirs[2]!.path);
    for (const [name, text, says] of cases) {
      await writeFile(join(dirs[3]!.path, name), text);
      const run = await runScript('board.ts', ['import', join(dirs[3]!.path, name), '--as', 'refused'], target);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(says);
    }
    const log = new EmbeddedLog(dirs[2]!.path);
    expect(await readAll(log, 'refused')).toEqual([]);
    await log.close();
  });
});
