/**
 * `npm run migrate`: copies every board of the embedded log in DATA_DIR
 * into Kafka (KAFKA_BROKERS and the other KAFKA_* settings), keeping
 * authors, order, original times, pictures and deleted boards' statuses
 * (scripts/migrate/migrate-boards.ts). Run it again to continue after an
 * interruption: complete boards are skipped, partly copied ones continued.
 * Progress goes to stderr.
 */
import { configFromEnv } from '../server/config.ts';
import { EmbeddedLog } from '../server/log/embedded-log.ts';
import { KafkaLog } from '../server/log/kafka/kafka-log.ts';
import { tallyBoards } from '../server/log/kafka/topic-boards.ts';
import { openBoardStatus } from '../server/log/open-board-status.ts';
import { migrateBoards, type MigrateProgress } from './migrate/migrate-boards.ts';
import { runTool, toolLogger, ToolError } from './board/tool-log.ts';

const HELP = `Usage: npm run migrate

Copies every board of the embedded log in DATA_DIR (default ./data) into the
Kafka topic the KAFKA_* settings name (KAFKA_BROKERS must be set): records
in order with their authors and original times, pictures, and which boards
are deleted. Resumable: run it again after an interruption and it skips the
boards already complete on Kafka and continues the others after the records
already there. Stop the server on DATA_DIR first (or run this again once it
is stopped, to copy what was drawn meanwhile); start it on Kafka after.
`;

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(HELP);
  process.exit(0);
}

process.exit(
  await runTool(async () => {
    if (args.length > 0) throw new ToolError(`unexpected arguments: ${args.join(' ')}\n\n${HELP}`, 2);
    const config = configFromEnv();
    if (!config.kafka) throw new ToolError(`KAFKA_BROKERS is not set: nowhere to migrate to\n\n${HELP}`, 2);
    const logger = toolLogger();
    const source = new EmbeddedLog(config.dataDir);
    const sourceStatus = await openBoardStatus(source, logger);
    const started = performance.now();
    process.stderr.write(`counting what Kafka topic ${config.kafka.topic} already has…\n`);
    const present = await tallyBoards(config.kafka, logger);
    const target = await KafkaLog.open(config.kafka, logger);
    const targetStatus = await openBoardStatus(target, logger);
    let shown = 0;
    const show = (p: MigrateProgress, last = false) => {
      const now = performance.now();
      if (!last && now - shown < 1_000) return;
      shown = now;
      const rate = Math.round(p.records / ((now - started) / 1_000));
      process.stderr.write(`boards ${p.boards}/${p.total} (${p.skipped} already on Kafka), ${p.records.toLocaleString('en')} records copied, ${rate.toLocaleString('en')} records/s\n`);
    };
    try {
      const result = await migrateBoards(source, target, { present, sourceStatus, targetStatus, onProgress: (p) => show(p, p.boards === p.total) });
      const seconds = (performance.now() - started) / 1_000;
      for (const failure of result.failed) process.stderr.write(`${failure}\n`);
      const summary = `migrated ${result.boards - result.skipped - result.failed.length} boards (${result.records.toLocaleString('en')} records) from ${config.dataDir} to Kafka topic ${config.kafka.topic} in ${seconds.toFixed(1)} s; ${result.skipped} were there already`;
      if (result.failed.length > 0) throw new ToolError(`${summary}; ${result.failed.length} left alone (above)`);
      return summary;
    } finally {
      await targetStatus.close();
      await target.close();
      await sourceStatus.close();
      await source.close();
    }
  }),
);
