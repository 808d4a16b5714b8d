/** Kafka settings, read from explicit environment variables. */
import { hostname } from 'node:os';
import { parsePublicUrl } from './ownership/public-url.ts';

/** Batch compression of the records appended (KAFKA_COMPRESSION). */
export type KafkaCompression = 'gzip' | 'none';

/**
 * How instances sharing the topic split the work (KAFKA_PLACEMENT):
 * - ownership: each owns some partitions, reads only those and serves
 *   their boards; a client that reaches another instance is sent to the
 *   owner at `publicUrl` (PUBLIC_URL), where browsers reach this one.
 * - broadcast: every instance reads everything and serves every board;
 *   people and cursors go through the presence topic. For deployments
 *   whose instances have no URL of their own.
 */
export type Placement = { mode: 'ownership'; publicUrl: string } | { mode: 'broadcast' };

/** What tools (seed, migrate, backup, board files) open: they serve no boards, and must not take an instance's partitions. */
export const BROADCAST: Placement = { mode: 'broadcast' };

export type KafkaSettings = {
  /**
   * How produce requests compress their batches: 'gzip' (default) stores a
   * board in about a third of the bytes for a little CPU per batch
   * (BENCHMARKS.md, "Storage"); 'none' for a broker that recompresses.
   */
  compression?: KafkaCompression;
  brokers: string[];
  clientId: string;
  topic: string;
  /** The presence topic (presence/kafka-presence-bus.ts); `<topic>-presence` when absent. */
  presenceTopic?: string;
  /** Partitions of the topic when we create it. */
  partitions: number;
  /** Replication factor when we create the topic; -1 takes the broker's default. */
  replicationFactor: number;
  /** Prefix of this instance's consumer group ids. */
  groupPrefix: string;
  /**
   * A load reads at most about this many offsets of a board's partition past
   * its stored state (kafka-snapshots.ts). Smaller: faster loads, more
   * stored states. Default DEFAULT_SNAPSHOT_EVERY.
   */
  snapshotEvery?: number;
  /**
   * Producers appends are spread over, by partition: one produce request in
   * flight each. Default DEFAULT_PRODUCERS.
   */
  producers?: number;
  /**
   * How long a produce request waits, from its oldest record, for others to
   * go with it (Kafka's producer `linger.ms`). Default DEFAULT_LINGER_MS.
   */
  lingerMs?: number;
  /** Whether requests go out at once (TCP_NODELAY) rather than as Nagle's algorithm pleases. Default true. */
  tcpNoDelay?: boolean;
  /** How long the fan-out's fetch waits at the broker for a first record. Default DEFAULT_FETCH_MAX_WAIT_MS. */
  fetchMaxWaitMs?: number;
  /** How often the fan-out heartbeats its group; kafkajs sends a due heartbeat after a batch, before the next fetch. Default DEFAULT_HEARTBEAT_MS. */
  heartbeatMs?: number;
  /**
   * How soon erased bytes are gone from the compacted topics (the log's,
   * stored states', files'), set on them when created (and added to
   * compacted topics of ours that lack them): see DEFAULT_ERASURE.
   */
  erasure?: Partial<ErasureSettings>;
  ssl: boolean;
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
};

function positiveInt(value: string | undefined, fallback: number, name: string, allowMinusOne = false): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || (n < 1 && !(allowMinusOne && n === -1))) throw new Error(`${name} must be a positive integer, got ${value}`);
  return n;
}

/** Milliseconds, 0 included, at most a second. */
function wholeMs(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 1_000) throw new Error(`${name} must be a whole number of milliseconds from 0 to 1000, got ${value}`);
  return n;
}

/**
 * Boards share partitions, and reading one board (loading it, resuming a
 * client, replaying) scans its partition: more partitions, shorter scans.
 * 64 rather than 32 cut a cold late join of a million points by a third
 * (BENCHMARKS.md) and left live latency as it was.
 */
export const DEFAULT_PARTITIONS = 64;

/**
 * 20,000 offsets: kafkajs reads about 4 us a record, so a load reads its
 * partition for under 100 ms past its stored state.
 */
export const DEFAULT_SNAPSHOT_EVERY = 20_000;

/**
 * Topic settings that bound how long erased records, stored states and
 * pictures stay on the brokers' disks (README, "Erasure on Kafka"). The
 * log cleaner never touches a partition's active segment, and only cleans
 * a partition when half of it is new or its oldest uncleaned record is
 * `maxCompactionLagMs` old; then it copies the whole partition without the
 * records a tombstone names. So:
 *
 * - `segmentMs` (segment.ms) 1 day: the active segment is closed at the
 *   first write a day after it began (Kafka's default is 7 days).
 * - `maxCompactionLagMs` (max.compaction.lag.ms) 7 days: a tombstone is
 *   acted on within a week. Kafka's default never forces a clean, so a
 *   quiet topic could keep erased bytes for ever; each forced clean copies
 *   the partition, so a day would rewrite the whole history daily for
 *   nothing but erasures. A week is well inside the month the GDPR allows
 *   for an erasure, at a seventh of that disk traffic.
 * - `deleteRetentionMs` (delete.retention.ms) 1 day: how long a tombstone
 *   (a key only: board id and suffix, no drawing) outlives the clean that
 *   acted on it, so that a consumer reading behind still sees it.
 */
export type ErasureSettings = { segmentMs: number; maxCompactionLagMs: number; deleteRetentionMs: number };

const DAY_MS = 24 * 3_600_000;
export const DEFAULT_ERASURE: ErasureSettings = { segmentMs: DAY_MS, maxCompactionLagMs: 7 * DAY_MS, deleteRetentionMs: DAY_MS };

/** The topic-level settings of ErasureSettings, as Kafka names them. */
export function erasureConfig(settings: Pick<KafkaSettings, 'erasure'>): { name: string; value: string }[] {
  const e = { ...DEFAULT_ERASURE, ...settings.erasure };
  return [
    { name: 'segment.ms', value: String(e.segmentMs) },
    { name: 'max.compaction.lag.ms', value: String(e.maxCompactionLagMs) },
    { name: 'delete.retention.ms', value: String(e.deleteRetentionMs) },
  ];
}

/** The compacted topics of stored board states beside the log's topic. */
export function snapshotTopics(settings: Pick<KafkaSettings, 'topic'>): { log: string; states: string; index: string } {
  return { log: settings.topic, states: `${settings.topic}-states`, index: `${settings.topic}-index` };
}

/** The compacted topics of files on boards beside the log's topic (kafka-files.ts). */
export function fileTopics(settings: Pick<KafkaSettings, 'topic'>): { parts: string; index: string } {
  return { parts: `${settings.topic}-files`, index: `${settings.topic}-file-index` };
}

/**
 * See `producers`. One: on a local broker two to eight producers gave no
 * lower latency and cost 5-11 points of a core more (BENCHMARKS.md,
 * scripts/bench/kafka-latency.ts); more may pay where the broker is far.
 */
export const DEFAULT_PRODUCERS = 1;

/**
 * See `lingerMs`: 5, Kafka's own producer default since 4.0. Three
 * instances sharing a load sent half the produce requests and took 9% less
 * CPU in all; a record waits up to 5 ms more, a lone one the whole 5 (p50
 * 4 → 8 ms). 0 sends at once (BENCHMARKS.md, "A linger for produce requests").
 */
export const DEFAULT_LINGER_MS = 5;

/**
 * The fan-out's fetch: a fetch returns as soon as one record is there
 * (minBytes 1), so this only bounds how long an idle fetch waits.
 */
export const DEFAULT_FETCH_MAX_WAIT_MS = 100;
/**
 * The fetch wait of consumers whose records are rare (the indexes, boards'
 * status): new records return a fetch at once all the same, and each idle
 * return costs a wake-up of every instance, so they wait longer than the
 * fan-out.
 */
export const QUIET_FETCH_MAX_WAIT_MS = 500;
/** A third of the fan-out's 10 s session timeout would be Kafka's usual; 1 s finds a lost broker sooner. */
export const DEFAULT_HEARTBEAT_MS = 1_000;

function compressionFromEnv(raw: string | undefined): KafkaCompression {
  if (raw === undefined || raw === '' || raw === 'gzip') return 'gzip';
  if (raw === 'none') return 'none';
  throw new Error(`KAFKA_COMPRESSION must be gzip or none, got ${raw}`);
}

/** KAFKA_PLACEMENT (default ownership) and PUBLIC_URL (default http://<host name>:<PORT>): how the server shares the topic with other instances. */
export function placementFromEnv(env: NodeJS.ProcessEnv): Placement {
  const mode = env.KAFKA_PLACEMENT || 'ownership';
  if (mode === 'broadcast') return { mode };
  if (mode !== 'ownership') throw new Error(`KAFKA_PLACEMENT must be ownership or broadcast, got ${mode}`);
  return { mode, publicUrl: parsePublicUrl(env.PUBLIC_URL || `http://${hostname()}:${env.PORT || 3000}`) };
}

/** Kafka settings when KAFKA_BROKERS is set, otherwise null (embedded log). */
export function kafkaSettingsFromEnv(env: NodeJS.ProcessEnv): KafkaSettings | null {
  const brokers = (env.KAFKA_BROKERS ?? '').split(',').map((b) => b.trim()).filter(Boolean);
  if (brokers.length === 0) return null;
  const settings: KafkaSettings = {
    brokers,
    clientId: env.KAFKA_CLIENT_ID ?? 'whiteboard',
    topic: env.KAFKA_TOPIC ?? 'whiteboard-boards',
    partitions: positiveInt(env.KAFKA_PARTITIONS, DEFAULT_PARTITIONS, 'KAFKA_PARTITIONS'),
    replicationFactor: positiveInt(env.KAFKA_REPLICATION_FACTOR, -1, 'KAFKA_REPLICATION_FACTOR', true),
    groupPrefix: env.KAFKA_GROUP_PREFIX ?? `whiteboard-${hostname()}`,
    snapshotEvery: positiveInt(env.KAFKA_SNAPSHOT_EVERY, DEFAULT_SNAPSHOT_EVERY, 'KAFKA_SNAPSHOT_EVERY'),
    producers: positiveInt(env.KAFKA_PRODUCERS, DEFAULT_PRODUCERS, 'KAFKA_PRODUCERS'),
    compression: compressionFromEnv(env.KAFKA_COMPRESSION),
    lingerMs: wholeMs(env.KAFKA_LINGER_MS, DEFAULT_LINGER_MS, 'KAFKA_LINGER_MS'),
    tcpNoDelay: env.KAFKA_TCP_NODELAY !== 'false',
    fetchMaxWaitMs: positiveInt(env.KAFKA_FETCH_MAX_WAIT_MS, DEFAULT_FETCH_MAX_WAIT_MS, 'KAFKA_FETCH_MAX_WAIT_MS'),
    heartbeatMs: positiveInt(env.KAFKA_HEARTBEAT_MS, DEFAULT_HEARTBEAT_MS, 'KAFKA_HEARTBEAT_MS'),
    erasure: {
      segmentMs: positiveInt(env.KAFKA_SEGMENT_MS, DEFAULT_ERASURE.segmentMs, 'KAFKA_SEGMENT_MS'),
      maxCompactionLagMs: positiveInt(env.KAFKA_MAX_COMPACTION_LAG_MS, DEFAULT_ERASURE.maxCompactionLagMs, 'KAFKA_MAX_COMPACTION_LAG_MS'),
      deleteRetentionMs: positiveInt(env.KAFKA_DELETE_RETENTION_MS, DEFAULT_ERASURE.deleteRetentionMs, 'KAFKA_DELETE_RETENTION_MS'),
    },
    ssl: env.KAFKA_SSL === 'true',
  };
  settings.presenceTopic = env.KAFKA_PRESENCE_TOPIC || `${settings.topic}-presence`;
  // Presence expires within a minute: on the history topic it would delete boards.
  if (settings.presenceTopic === settings.topic) throw new Error('KAFKA_PRESENCE_TOPIC must differ from KAFKA_TOPIC');
  const mechanism = env.KAFKA_SASL_MECHANISM;
  if (mechanism) {
    if (mechanism !== 'plain' && mechanism !== 'scram-sha-256' && mechanism !== 'scram-sha-512') {
      throw new Error(`KAFKA_SASL_MECHANISM must be plain, scram-sha-256 or scram-sha-512, got ${mechanism}`);
    }
    settings.sasl = { mechanism, username: env.KAFKA_SASL_USERNAME ?? '', password: env.KAFKA_SASL_PASSWORD ?? '' };
  }
  return settings;
}

/** Where instances share presence: never the boards' topic. */
export function presenceTopicOf(settings: KafkaSettings): string {
  return settings.presenceTopic ?? `${settings.topic}-presence`;
}
