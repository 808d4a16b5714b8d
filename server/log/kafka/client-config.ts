/**
 * How every kafkajs client of ours is configured, and the one place that
 * patches what they all share in kafkajs. Apart from settings.ts, which
 * reads the environment: this file loads kafkajs, and a server on the
 * embedded log never loads it (open-log.ts).
 */
import net from 'node:net';
import tls from 'node:tls';
import type { ConsumerConfig, ISocketFactory, KafkaConfig, SASLOptions } from 'kafkajs';
import { installGzipCodec } from './gzip-codec.ts';
import { installRequestQueueFix } from './request-queue-fix.ts';
import { DEFAULT_FETCH_MAX_WAIT_MS, DEFAULT_HEARTBEAT_MS, type KafkaSettings } from './settings.ts';

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

/**
 * A long-running consumer's settings (the fan-out, the index follower):
 * a 10 s session timeout, which is also how long a killed owner keeps its
 * partitions; and no giving up on a broker that stays away past its
 * retries: it must come back with the broker, however long the outage
 * (with lasting-consumer.ts).
 */
export function lastingConsumerConfig(settings: KafkaSettings, groupId: string): ConsumerConfig {
  return {
    groupId,
    maxWaitTimeInMs: settings.fetchMaxWaitMs ?? DEFAULT_FETCH_MAX_WAIT_MS,
    sessionTimeout: 10_000,
    heartbeatInterval: settings.heartbeatMs ?? DEFAULT_HEARTBEAT_MS,
    retry: { ...kafkaClientConfig(settings).retry, restartOnFailure: async () => true },
  };
}

export function kafkaClientConfig(settings: KafkaSettings): KafkaConfig {
  // Every client of ours is configured here: the place to patch what they all share in kafkajs.
  installGzipCodec();
  installRequestQueueFix();
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
