/**
 * Checks, at open, the settings of topics that exist already (created by
 * an older version, or by the operator), where erasure depends on them:
 *
 * - The log's topic is compacted since keys became unique per record
 *   (record-format.ts). One created before, with `cleanup.policy=delete`
 *   and the board id as every key, is never altered: compacting it would
 *   keep one record per board and destroy every history. Erasure there
 *   leaves the records in the topic (README, "Erasure on Kafka"): the
 *   operator moves the boards to a new topic to erase for real.
 * - The compacted topics (the log's, stored states', files') get the
 *   settings that bound how long erased bytes stay (settings.ts,
 *   ErasureSettings) where they have none of their own: an older version
 *   created them with Kafka's defaults, under which a quiet topic is never
 *   cleaned. A setting the operator gave the topic is kept.
 */
import type { Admin, ConfigSource } from 'kafkajs';
import type { Logger } from '../../logger.ts';
import { erasureConfig, fileTopics, snapshotTopics, type KafkaSettings } from './settings.ts';

// kafkajs's ConfigResourceTypes.TOPIC and ConfigSource.TOPIC_CONFIG: Node cannot import its enums by name (CommonJS).
const TOPIC = 2;
const TOPIC_CONFIG = 1 as ConfigSource;

type ConfigEntry = { configName: string; configValue: string; configSource?: ConfigSource };

/** Whether the log's topic is compacted (erasure removes records there); adds missing erasure settings to the compacted topics. */
export async function checkTopicSettings(admin: Admin, settings: KafkaSettings, logger: Logger): Promise<{ logCompacted: boolean }> {
  const states = snapshotTopics(settings);
  const files = fileTopics(settings);
  const names = [settings.topic, states.states, states.index, files.parts, files.index];
  const described = (await admin.describeConfigs({
    includeSynonyms: false,
    resources: names.map((name) => ({ type: TOPIC, name })),
  })) as { resources: { resourceName: string; configEntries: ConfigEntry[] }[] };
  let logCompacted = true;
  for (const { resourceName: topic, configEntries: entries } of described.resources) {
    const policy = entries.find((e) => e.configName === 'cleanup.policy')?.configValue ?? 'delete';
    if (!policy.split(',').includes('compact')) {
      if (topic === settings.topic) {
        logCompacted = false;
        logger.warn(
          { topic, policy },
          "the boards' topic was created by an older version (cleanup.policy=delete, keyed by board): it is left as it is, since compacting it would destroy every board's history. " +
            'Erasing a board there removes it from the app (stored states, pictures, reads), but its records stay in the topic until the boards are moved to a new topic (README, "Erasure on Kafka")',
        );
      } else logger.warn({ topic, policy }, 'a topic of stored states or files is not compacted: erased states and pictures stay in it');
      continue;
    }
    // Only the topic's own settings: AlterConfigs replaces them all, so they are sent again with ours.
    const own = entries.filter((e) => e.configSource === TOPIC_CONFIG);
    const missing = erasureConfig(settings).filter((c) => !own.some((e) => e.configName === c.name));
    if (missing.length === 0) continue;
    if (entries.every((e) => e.configSource === undefined)) {
      logger.warn({ topic, missing }, 'the broker does not say which settings a topic has of its own: erasure settings not added');
      continue;
    }
    try {
      await admin.alterConfigs({
        validateOnly: false,
        resources: [
          { type: TOPIC, name: topic, configEntries: [...own.map((e) => ({ name: e.configName, value: e.configValue })), ...missing] },
        ],
      });
      logger.info({ topic, added: missing }, 'added erasure settings to a topic created before them');
    } catch (err) {
      logger.warn({ topic, missing, err }, 'could not add erasure settings to a topic: erased bytes may stay in it until the log cleaner gets to them (set them by hand, README "Erasure on Kafka")');
    }
  }
  return { logCompacted };
}
