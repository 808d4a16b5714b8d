/** Kafka settings, read from explicit environment variables. */
import net from 'node:net';
import { hostname } from 'node:os';
import tls from 'node:tls';
import type { ISocketFactory, KafkaConfig, SASLOptions } from 'kafkajs';

export type KafkaSettings = {
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
  /** Whether requests go out at once (TCP_NODELAY) rather than as Nagle's algorithm pleases. Default true. */
  tcpNoDelay?: boolean;
  /** How long the fan-out's fetch waits at the broker for a first record. Default DEFAULT_FETCH_MAX_WAIT_MS. */
  fetchMaxWaitMs?: number;
  /** How often the fan-out heartbeats its group; kafkajs sends a due heartbeat after a batch, before the next fetch. Default DEFAULT_HEARTBEAT_MS. */
  heartbeatMs?: number;
  ssl: boolean;
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
};

function positiveInt(value: string | undefined, fallback: number, name: string, allowMinusOne = false): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || (n < 1 && !(allowMinusOne && n === -1))) throw new Error(`${name} must be a positive integer, got ${value}`);
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
 * The fan-out's fetch: a fetch returns as soon as one record is there
 * (minBytes 1), so this only bounds how long an idle fetch waits.
 */
export const DEFAULT_FETCH_MAX_WAIT_MS = 100;
/** A third of the fan-out's 10 s session timeout would be Kafka's usual; 1 s finds a lost broker sooner. */
export const DEFAULT_HEARTBEAT_MS = 1_000;

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
    tcpNoDelay: env.KAFKA_TCP_NODELAY !== 'false',
    fetchMaxWaitMs: positiveInt(env.KAFKA_FETCH_MAX_WAIT_MS, DEFAULT_FETCH_MAX_WAIT_MS, 'KAFKA_FETCH_MAX_WAIT_MS'),
    heartbeatMs: positiveInt(env.KAFKA_HEARTBEAT_MS, DEFAULT_HEARTBEAT_MS, 'KAFKA_HEARTBEAT_MS'),
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

/**
 * kafkajs's own socket factory, plus TCP_NODELAY: with Nagle's algorithm a
 * small request written while an earlier one is unacknowledged waits for
 * that acknowledgement, which the broker may delay (delayed ACK) by up to
 * 40 ms: a record's produce or its fan-out fetch then waits too.
 */
function socketFactory(noDelay: boolean): ISocketFactory {
  return ({ host, port, ssl, onConnect }) => {
    const socket = ssl
      ? tls.connect({ host, port, ...(net.isIP(host) ? {} : { servername: host }), ...(ssl as tls.ConnectionOptions) }, onConnect)
      : net.connect({ host, port }, onConnect);
    socket.setNoDelay(noDelay);
    socket.setKeepAlive(true, 60_000);
    return socket;
  };
}

export function kafkaClientConfig(settings: KafkaSettings): KafkaConfig {
  return {
    clientId: settings.clientId,
    socketFactory: socketFactory(settings.tcpNoDelay ?? true),
    brokers: settings.brokers,
    ssl: settings.ssl,
    ...(settings.sasl ? { sasl: settings.sasl as SASLOptions } : {}),
    connectionTimeout: 3_000,
    requestTimeout: 10_000,
    // Give up on a request within seconds: callers (and clients' outboxes) retry.
    retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2_000 },
  };
}
