/**
 * A logical backup of a Kafka log: every board as a board file
 * (server/history/board-file.ts) in `<dest>/boards/`, and `<dest>/backup.json`
 * naming the topics beside the boards' topic with their partitions,
 * replication and the settings set on them. Taken while the servers run:
 * each board as of the moment it is exported. Restoring imports every board
 * that the target topic does not have.
 */
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Kafka, logLevel } from 'kafkajs';
import type { Logger } from '../../server/logger.ts';
import { boardFileLines } from '../../server/history/board-file.ts';
import { fileLines, importBoardFile } from '../../server/history/board-import.ts';
import { KafkaLog } from '../../server/log/kafka/kafka-log.ts';
import { type KafkaSettings } from '../../server/log/kafka/settings.ts';
import { kafkaClientConfig } from '../../server/log/kafka/client-config.ts';
import { tallyBoards } from '../../server/log/kafka/topic-boards.ts';
import { openBoardStatus } from '../../server/log/open-board-status.ts';
import { ToolError } from '../board/tool-log.ts';
import { MANIFEST } from './embedded-backup.ts';

export type TopicDescription = { name: string; partitions: number; replicationFactor: number; configs: Record<string, string> };
export type KafkaManifest = {
  kind: 'kafka';
  v: 1;
  createdAt: number;
  topic: string;
  topics: TopicDescription[];
  boards: { id: string; file: string; records: number }[];
};

// kafkajs's ConfigResourceTypes.TOPIC and ConfigSource.TOPIC_CONFIG (its enums cannot be imported by name).
const TOPIC = 2;
const TOPIC_CONFIG = 1;

/** The boards' topic and every topic named after it (`<topic>-states`, `-index`, `-files`, `-file-index`, `-status`, `-presence`). */
export async function describeTopics(settings: KafkaSettings): Promise<TopicDescription[]> {
  const admin = new Kafka({ ...kafkaClientConfig(settings), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const names = (await admin.listTopics()).filter((t) => t === settings.topic || t.startsWith(`${settings.topic}-`)).sort();
    if (names.length === 0) return [];
    const { topics } = await admin.fetchTopicMetadata({ topics: names });
    const described = (await admin.describeConfigs({ includeSynonyms: false, resources: names.map((name) => ({ type: TOPIC, name })) })) as {
      resources: { resourceName: string; configEntries: { configName: string; configValue: string; configSource?: number }[] }[];
    };
    return names.map((name) => {
      const meta = topics.find((t) => t.name === name)!;
      const entries = described.resources.find((r) => r.resourceName === name)?.configEntries ?? [];
      const configs = Object.fromEntries(entries.filter((e) => e.configSource === TOPIC_CONFIG).map((e) => [e.configName, e.configValue]));
      return { name, partitions: meta.partitions.length, replicationFactor: meta.partitions[0]?.replicas.length ?? 0, configs };
    });
  } finally {
    await admin.disconnect();
  }
}

export async function backupKafka(settings: KafkaSettings, dest: string, logger: Logger, progress: (line: string) => void): Promise<KafkaManifest> {
  if (existsSync(join(dest, MANIFEST))) throw new ToolError(`${dest} already holds a backup; give a new directory`);
  await mkdir(join(dest, 'boards'), { recursive: true });
  const createdAt = Date.now();
  const topics = await describeTopics(settings);
  if (!topics.some((t) => t.name === settings.topic)) throw new ToolError(`Kafka has no topic ${settings.topic}`);
  const ids = [...(await tallyBoards(settings, logger)).keys()].sort();
  const log = await KafkaLog.open(settings, logger);
  const status = await openBoardStatus(log, logger);
  const boards: KafkaManifest['boards'] = [];
  try {
    for (const [i, id] of ids.entries()) {
      const file = join('boards', `${id}.ndjson`);
      const partial = join(dest, `${file}.partial`);
      let records = 0;
      const lines = async function* () {
        for await (const chunk of boardFileLines(log, id, { status: status.get(id) })) {
          if (records === 0 && chunk.startsWith('{"format"')) records = (JSON.parse(chunk) as { records: number }).records;
          yield chunk;
        }
      };
      await pipeline(Readable.from(lines()), createWriteStream(partial));
      // An erased board's keys stay in the topic a while; it has nothing to read.
      if (records === 0) await unlink(partial);
      else {
        await rename(partial, join(dest, file));
        boards.push({ id, file, records });
      }
      progress(`boards ${i + 1}/${ids.length}`);
    }
  } finally {
    await status.close();
    await log.close();
  }
  const manifest: KafkaManifest = { kind: 'kafka', v: 1, createdAt, topic: settings.topic, topics, boards };
  await writeFile(join(dest, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** Imports every board of a Kafka backup that the configured topic does not have; resolves with boards imported and skipped. */
export async function restoreKafka(src: string, settings: KafkaSettings, logger: Logger, progress: (line: string) => void): Promise<{ imported: number; skipped: number; records: number }> {
  const manifest = JSON.parse(await readFile(join(src, MANIFEST), 'utf8')) as KafkaManifest;
  if (manifest.kind !== 'kafka' || manifest.v !== 1) throw new ToolError(`${src} holds no Kafka backup this version reads`);
  const present = await tallyBoards(settings, logger);
  const log = await KafkaLog.open(settings, logger);
  const status = await openBoardStatus(log, logger);
  const result = { imported: 0, skipped: 0, records: 0 };
  try {
    for (const [i, board] of manifest.boards.entries()) {
      const there = present.get(board.id);
      if (there) {
        result.skipped++;
        if (there.records < board.records) progress(`board ${board.id} has ${there.records} of its ${board.records} records (a restore cut short?): left as it is; erase it and restore again`);
      }
      else {
        const { records } = await importBoardFile(log, () => fileLines(join(src, board.file)), { status, knownEmpty: true });
        result.imported++;
        result.records += records;
      }
      progress(`boards ${i + 1}/${manifest.boards.length} (${result.skipped} there already)`);
    }
  } finally {
    await status.close();
    await log.close();
  }
  return result;
}
