/**
 * `npm run restore -- <src> [--force]`: brings back a backup made by
 * `npm run backup`. An embedded backup becomes DATA_DIR's log (the server
 * must be stopped; a DATA_DIR that holds a log is refused without --force,
 * and kept beside the restored one with it). A Kafka backup is imported
 * board by board into the configured topic, skipping boards it has.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { configFromEnv } from '../server/config.ts';
import { MANIFEST, restoreEmbedded } from './backup/embedded-backup.ts';
import { restoreKafka } from './backup/kafka-backup.ts';
import { runTool, toolLogger, ToolError } from './board/tool-log.ts';

const USAGE = 'usage: npm run restore -- <backup directory> [--force]';

process.exit(
  await runTool(async () => {
    let parsed;
    try {
      parsed = parseArgs({ args: process.argv.slice(2), allowPositionals: true, options: { force: { type: 'boolean', default: false } } });
    } catch (err) {
      throw new ToolError(`${(err as Error).message}\n${USAGE}`, 2);
    }
    const src = parsed.positionals[0];
    if (parsed.positionals.length !== 1 || !src) throw new ToolError(USAGE, 2);
    let kind: string;
    try {
      kind = (JSON.parse(await readFile(join(src, MANIFEST), 'utf8')) as { kind: string }).kind;
    } catch {
      throw new ToolError(`${src} holds no backup (no readable ${MANIFEST})`);
    }
    const config = configFromEnv();
    if (kind === 'embedded') {
      if (config.kafka) throw new ToolError(`${src} is a backup of an embedded log; unset KAFKA_BROKERS to restore it into DATA_DIR (or restore it, then npm run migrate)`);
      process.stderr.write('The server on this DATA_DIR must be stopped while its log is replaced.\n');
      const kept = await restoreEmbedded(src, config.dataDir, parsed.values.force);
      return `restored the embedded log in ${config.dataDir} from ${src}${kept}; start the server`;
    }
    if (kind !== 'kafka') throw new ToolError(`${src}: unknown backup kind ${kind}`);
    if (!config.kafka) throw new ToolError(`${src} is a backup of a Kafka log; set KAFKA_BROKERS (and KAFKA_TOPIC) to restore it`);
    const result = await restoreKafka(src, config.kafka, toolLogger(), (line) => process.stderr.write(`${line}\n`));
    return `restored ${result.imported} boards (${result.records.toLocaleString('en')} records) into Kafka topic ${config.kafka.topic}; ${result.skipped} were there already`;
  }),
);
