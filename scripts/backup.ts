/**
 * `npm run backup -- <dest>`: a backup of the configured log, taken while
 * the server runs. Embedded log: a consistent copy of its LMDB environment
 * (scripts/backup/embedded-backup.ts). Kafka: every board exported as a
 * board file, and the topics' names and settings
 * (scripts/backup/kafka-backup.ts). Restore with `npm run restore -- <dest>`.
 */
import { configFromEnv } from '../server/config.ts';
import { backupEmbedded } from './backup/embedded-backup.ts';
import { backupKafka } from './backup/kafka-backup.ts';
import { runTool, toolLogger, ToolError } from './board/tool-log.ts';

const USAGE = 'usage: npm run backup -- <destination directory>';

const args = process.argv.slice(2);
process.exit(
  await runTool(async () => {
    const dest = args[0];
    if (args.length !== 1 || !dest || dest.startsWith('-')) throw new ToolError(USAGE, 2);
    const config = configFromEnv();
    const started = performance.now();
    const seconds = () => ((performance.now() - started) / 1_000).toFixed(1);
    if (!config.kafka) {
      const manifest = await backupEmbedded(config.dataDir, dest);
      return `backed up the embedded log in ${config.dataDir} as of ${new Date(manifest.createdAt).toISOString()} to ${dest} (${(manifest.bytes / 2 ** 20).toFixed(1)} MB, ${seconds()} s)`;
    }
    const manifest = await backupKafka(config.kafka, dest, toolLogger(), (line) => process.stderr.write(`${line}\n`));
    const records = manifest.boards.reduce((n, b) => n + b.records, 0);
    return `backed up ${manifest.boards.length} boards (${records.toLocaleString('en')} records) of Kafka topic ${config.kafka.topic} and the settings of ${manifest.topics.length} topics to ${dest} (${seconds()} s)`;
  }),
);
