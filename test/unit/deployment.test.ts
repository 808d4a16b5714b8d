/**
 * docker-compose.yml cannot run here (no Docker engine), so this checks what
 * can be checked: the app and the broker agree on addresses and settings,
 * and the app's settings are ones it accepts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import semver from 'semver';
import { parse } from 'yaml';
import { KAFKA_VERSION } from '../../scripts/kafka-local.ts';
import { configFromEnv } from '../../server/config.ts';
import { DEFAULT_QUOTAS } from '../../server/quotas/quotas.ts';
import { kafkaSettingsFromEnv } from '../../server/log/kafka/settings.ts';
import { startFlags } from '../../scripts/start-command.ts';

type Service = {
  restart?: string;
  image?: string;
  build?: string;
  environment: Record<string, string | number>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
};
const compose = parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8')) as {
  services: { kafka: Service; app: Service; app2: Service & { profiles?: string[] } };
  volumes: Record<string, unknown>;
};
const { kafka, app } = compose.services;
/** A service's environment as Compose gives it: `${NAME:-default}` read with nothing set. */
const env = (s: Service) => Object.fromEntries(Object.entries(s.environment).map(([k, v]) => [k, String(v).replace(/\$\{\w+:-([^}]*)\}/g, '$1')]));

describe('docker-compose.yml', () => {
  it('runs the same Kafka version the tests run', () => {
    expect(kafka.image).toBe(`apache/kafka:${KAFKA_VERSION}`);
  });

  it('is a single-node KRaft broker whose controller and listeners line up', () => {
    const k = env(kafka);
    expect(k.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    const listeners = Object.fromEntries(k.KAFKA_LISTENERS!.split(',').map((l) => l.split('://') as [string, string]));
    const voter = k.KAFKA_CONTROLLER_QUORUM_VOTERS!.match(/^(\d+)@([^:]+):(\d+)$/)!;
    expect(voter[1]).toBe(k.KAFKA_NODE_ID);
    expect(voter[2]).toBe('kafka'); // the service name
    expect(listeners[k.KAFKA_CONTROLLER_LISTENER_NAMES!]).toBe(`:${voter[3]}`);
    expect(listeners[k.KAFKA_INTER_BROKER_LISTENER_NAME!]).toBeDefined();
    for (const name of Object.keys(listeners)) expect(k.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP).toContain(`${name}:`);
    for (const key of ['KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR', 'KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR', 'KAFKA_TRANSACTION_STATE_LOG_MIN_ISR']) {
      expect(k[key]).toBe('1');
    }
  });

  it('keeps the broker’s data in a named volume at its log dir', () => {
    const [volume, path] = kafka.volumes![0]!.split(':');
    expect(compose.volumes).toHaveProperty(volume!);
    expect(path).toBe(env(kafka).KAFKA_LOG_DIRS);
  });

  it('points the app at the broker’s advertised listener and publishes the app’s port', () => {
    const settings = kafkaSettingsFromEnv(env(app))!;
    const advertised = env(kafka).KAFKA_ADVERTISED_LISTENERS!.split(',').map((l) => l.split('://')[1]);
    expect(advertised).toContain(settings.brokers[0]);
    expect(settings.replicationFactor).toBeLessThanOrEqual(1); // one broker
    const config = configFromEnv(env(app));
    expect(app.ports).toContain(`${config.port}:${config.port}`);
    expect(app.depends_on?.kafka?.condition).toBe('service_healthy');
    expect(existsSync(new URL(`../../${app.build}/Dockerfile`, import.meta.url))).toBe(true);
  });

  it('runs a second instance on the same boards, each at its own published PUBLIC_URL', () => {
    const { app2 } = compose.services;
    expect(app2.profiles).toEqual(['scale']);
    const [one, two] = [configFromEnv(env(app)), configFromEnv(env(app2))];
    expect(two.kafka).toEqual(one.kafka);
    for (const [service, config] of [[app, one], [app2, two]] as const) {
      expect(config.placement.mode).toBe('ownership');
      const url = new URL(config.placement.mode === 'ownership' ? config.placement.publicUrl : '');
      expect(url.hostname).toBe('localhost');
      expect(service.ports).toContain(`${url.port}:${config.port}`);
    }
  });

  it('restarts the app when it exits, as it does on a fatal error', () => {
    expect(compose.services.app).toMatchObject({ restart: 'unless-stopped' });
  });
});

describe('the Node runtime', () => {
  const engines = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { engines: { node: string } }).engines.node;

  it('engines names the releases that load ES modules through require(), and this Node is one', () => {
    // content-disposition@3, loaded by @fastify/static, is an ES module required from CommonJS.
    expect(semver.satisfies(process.version, engines)).toBe(true);
    for (const [version, ok] of [['20.18.3', false], ['20.19.0', true], ['22.11.0', false], ['22.12.0', true], ['24.0.0', true]] as const) {
      expect(semver.satisfies(version, engines)).toBe(ok);
    }
  });

  it('the Dockerfile runs a supported LTS that engines allows', () => {
    const from = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8').match(/^FROM node:(\d+)-/m)!;
    const major = Number(from[1]);
    expect(major % 2).toBe(0); // even majors are the LTS lines
    expect(major).toBeGreaterThanOrEqual(24); // 20 is out of support since 2026-04-30, 22 ends 2027-04-30
    expect(semver.satisfies(`${major}.0.0`, engines)).toBe(true);
  });

  it('npm start, the Dockerfile and the README\'s systemd unit all run the compiled server that npm run build writes', () => {
    const { scripts } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
    expect(scripts.prestart).toBe('npm run build');
    expect(scripts.build).toContain('node scripts/build-server.mjs');
    // node, its flags (start-command.ts, which the tests and benchmarks start the server with), the compiled server.
    expect(scripts.start).toMatch(/^node (--[a-z-]+=\S+ )*dist\/server\.mjs$/);
    const args = scripts.start!.split(' ').slice(1);
    expect(args).toEqual([...startFlags(), 'dist/server.mjs']);
    const dockerfile = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8');
    // Built in the image, then run.
    expect(dockerfile.indexOf('\nRUN npm run build\n')).toBeGreaterThan(0);
    expect(dockerfile.indexOf('\nRUN npm run build\n')).toBeLessThan(dockerfile.indexOf('\nCMD '));
    expect(dockerfile).toContain(`CMD ${JSON.stringify(['node', ...args]).replaceAll(',', ', ')}`);
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(`ExecStartPre=/usr/bin/npm run build\nExecStart=/usr/bin/node ${args.join(' ')}`);
  });

  it('CI runs the tests on that same LTS too', () => {
    const ci = readFileSync(new URL('../../.ci/run', import.meta.url), 'utf8');
    const from = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8').match(/^FROM node:(\d+)-/m)!;
    expect(ci).toMatch(new RegExp(`^NODE_LTS=${from[1]}\\.\\d+\\.\\d+$`, 'm'));
  });
});

describe('quota settings from the environment', () => {
  it('have defaults and read every variable, naming a bad one', () => {
    expect(configFromEnv({}).quotas).toEqual(DEFAULT_QUOTAS);
    const quotas = configFromEnv({
      WRITE_POINTS_PER_SECOND: '100',
      WRITE_BURST_POINTS: '2000',
      MAX_CONNECTIONS_PER_IP: '7',
      MAX_BOARD_POINTS: '9',
      MIN_FREE_DISK_MB: '0',
      API_REQUESTS_PER_MINUTE: '5',
      FORKS_PER_MINUTE: '2',
      FORK_POINTS_PER_HOUR: '50',
      MAX_FILE_MB: '3',
      MAX_IMAGE_MEGAPIXELS: '20',
      MAX_IMAGE_SIDE: '2048',
      MAX_BOARD_FILES_MB: '40',
      UPLOADS_PER_HOUR: '12',
    }).quotas;
    expect(quotas).toEqual({
      writePointsPerSecond: 100,
      writeBurstPoints: 2000,
      maxConnectionsPerIp: 7,
      maxBoardPoints: 9,
      minFreeDiskBytes: 0,
      apiRequestsPerMinute: 5,
      forksPerMinute: 2,
      forkPointsPerHour: 50,
      maxFileBytes: 3 * 2 ** 20,
      maxImagePixels: 20_000_000,
      maxImageSide: 2048,
      maxBoardFileBytes: 40 * 2 ** 20,
      uploadsPerHour: 12,
    });
    expect(() => configFromEnv({ MAX_IMAGE_SIDE: '10' })).toThrow(/MAX_IMAGE_SIDE must be an integer of at least 64/);
    expect(() => configFromEnv({ MAX_BOARD_POINTS: 'lots' })).toThrow(/MAX_BOARD_POINTS/);
    expect(() => configFromEnv({ WRITE_BURST_POINTS: '10' })).toThrow(/WRITE_BURST_POINTS must be at least 1000/);
  });

  it('allowed origins and trusted proxies', () => {
    expect(configFromEnv({ ALLOWED_ORIGINS: 'https://a.example, http://b.example:8080' }).allowedOrigins).toEqual(['https://a.example', 'http://b.example:8080']);
    expect(() => configFromEnv({ ALLOWED_ORIGINS: 'https://a.example/path' })).toThrow(/ALLOWED_ORIGINS/);
    expect(configFromEnv({}).trustProxy).toBe(false);
    expect(configFromEnv({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(configFromEnv({ TRUST_PROXY: '10.0.0.1, 10.0.0.2' }).trustProxy).toEqual(['10.0.0.1', '10.0.0.2']);
  });
});

describe('Kafka settings from the environment', () => {
  it('stay off without KAFKA_BROKERS (the embedded log is the default)', () => {
    expect(kafkaSettingsFromEnv({})).toBeNull();
    expect(configFromEnv({}).kafka).toBeNull();
  });

  it('read brokers, client id, topic, partitions, TLS and SASL', () => {
    expect(
      kafkaSettingsFromEnv({
        KAFKA_BROKERS: 'a:9092, b:9093',
        KAFKA_CLIENT_ID: 'wb',
        KAFKA_TOPIC: 'boards',
        KAFKA_PARTITIONS: '12',
        KAFKA_REPLICATION_FACTOR: '3',
        KAFKA_SSL: 'true',
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
        KAFKA_SASL_USERNAME: 'u',
        KAFKA_SASL_PASSWORD: 'p',
        KAFKA_GROUP_PREFIX: 'wb-1',
        KAFKA_PRODUCERS: '3',
        KAFKA_TCP_NODELAY: 'false',
        KAFKA_FETCH_MAX_WAIT_MS: '20',
        KAFKA_HEARTBEAT_MS: '3000',
        KAFKA_COMPRESSION: 'none',
        KAFKA_LINGER_MS: '0',
        KAFKA_SEGMENT_MS: '3600000',
        KAFKA_MAX_COMPACTION_LAG_MS: '86400000',
        KAFKA_DELETE_RETENTION_MS: '60000',
      }),
    ).toEqual({
      brokers: ['a:9092', 'b:9093'],
      clientId: 'wb',
      topic: 'boards',
      presenceTopic: 'boards-presence',
      partitions: 12,
      replicationFactor: 3,
      groupPrefix: 'wb-1',
      snapshotEvery: 20_000,
      producers: 3,
      tcpNoDelay: false,
      fetchMaxWaitMs: 20,
      heartbeatMs: 3_000,
      compression: 'none',
      lingerMs: 0,
      erasure: { segmentMs: 3_600_000, maxCompactionLagMs: 86_400_000, deleteRetentionMs: 60_000 },
      ssl: true,
      sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' },
    });
  });

  it('compress batches with gzip unless told otherwise, and refuse codecs kafkajs does not carry', () => {
    expect(kafkaSettingsFromEnv({ KAFKA_BROKERS: 'a:1' })!.compression).toBe('gzip');
    expect(() => kafkaSettingsFromEnv({ KAFKA_BROKERS: 'a:1', KAFKA_COMPRESSION: 'zstd' })).toThrow(/KAFKA_COMPRESSION/);
  });

  it('send requests at once, linger 5 ms for company, and append through one producer unless told otherwise', () => {
    expect(kafkaSettingsFromEnv({ KAFKA_BROKERS: 'a:1' })).toMatchObject({ producers: 1, tcpNoDelay: true, fetchMaxWaitMs: 100, heartbeatMs: 1_000, lingerMs: 5 });
    expect(() => kafkaSettingsFromEnv({ KAFKA_BROKERS: 'a:1', KAFKA_PRODUCERS: '0' })).toThrow(/KAFKA_PRODUCERS/);
    for (const bad of ['-1', '2.5', 'soon', '1001']) expect(() => kafkaSettingsFromEnv({ KAFKA_BROKERS: 'a:1', KAFKA_LINGER_MS: bad })).toThrow(/KAFKA_LINGER_MS/);
  });

  it('share presence on a topic of its own, never the boards\' topic', () => {
    expect(kafkaSettingsFromEnv({ KAFKA_BROKERS: 'a:1' })!.presenceTopic).toBe('whiteboard-boards-presence');
    expect(kafkaSettingsFromEnv({ KAFKA_BROKERS: 'a:1', KAFKA_PRESENCE_TOPIC: 'people' })!.presenceTopic).toBe('people');
    expect(() => kafkaSettingsFromEnv({ KAFKA_BROKERS: 'a:1', KAFKA_TOPIC: 'x', KAFKA_PRESENCE_TOPIC: 'x' })).toThrow(/KAFKA_PRESENCE_TOPIC/);
  });

  it('refuse settings that make no sense, naming them', () => {
    expect(() => kafkaSettingsFromEnv({ KAFKA_BROKERS: 'a:1', KAFKA_PARTITIONS: '0' })).toThrow(/KAFKA_PARTITIONS/);
    expect(() => kafkaSettingsFromEnv({ KAFKA_BROKERS: 'a:1', KAFKA_SASL_MECHANISM: 'gssapi' })).toThrow(/KAFKA_SASL_MECHANISM/);
    expect(() => configFromEnv({ PORT: 'http' })).toThrow(/PORT/);
    expect(() => configFromEnv({ WS_COMPRESSION: 'yes' })).toThrow(/WS_COMPRESSION/);
  });

  it('compress board sockets only when asked to', () => {
    expect(configFromEnv({}).compression).toBe(false);
    expect(configFromEnv({ WS_COMPRESSION: 'on' }).compression).toBe(true);
    expect(configFromEnv({ WS_COMPRESSION: 'off' }).compression).toBe(false);
  });
});
