/** Starts the real app on a real loopback port, in this process or as a child process. */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { freePort } from '../../scripts/kafka-local.ts';
import { buildApp, type AppDeps } from '../../server/app.ts';
import type { BoardLog } from '../../server/log/board-log.ts';
import { EmbeddedLog } from '../../server/log/embedded-log.ts';
import { KafkaPresenceBus } from '../../server/presence/kafka-presence-bus.ts';
import { KafkaLog } from '../../server/log/kafka/kafka-log.ts';
import type { KafkaSettings } from '../../server/log/kafka/settings.ts';
import type { PartitionOwners } from '../../server/log/kafka/ownership/partition-owners.ts';
import { startFlags } from '../../scripts/start-command.ts';

export { freePort };

export const webRoot = fileURLToPath(new URL('../../web/dist', import.meta.url));
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export async function tempDir(prefix = 'whiteboard-'): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

export type RunningServer = { http: string; ws: string; log: BoardLog; close(): Promise<void> };

/**
 * buildApp listening on 127.0.0.1, around the given log or else an embedded
 * log in a fresh directory. Closing the server closes its log.
 */
export async function startServer(given?: BoardLog, options: Partial<Omit<AppDeps, 'log' | 'webRoot'>> = {}, listenPort = 0): Promise<RunningServer> {
  const dir = given ? null : await tempDir();
  const log = given ?? new EmbeddedLog(dir!.path);
  const app = await buildApp({ log, logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), webRoot, ...options });
  await app.listen({ host: '127.0.0.1', port: listenPort });
  const { port } = app.server.address() as { port: number };
  return {
    http: `http://127.0.0.1:${port}`,
    ws: `ws://127.0.0.1:${port}`,
    log,
    async close() {
      await app.close();
      await log.close();
      await dir?.remove();
    },
  };
}

/**
 * The real entry point as a child process, for kill -9 and signals: the
 * server as `npm start` runs it (dist/server.mjs with its flags, compiled by the global
 * setup), unless given preloads, which patch the server's own modules and
 * so need it run from its sources (server/main.ts through tsx).
 */
export class ServerProcess {
  child: ChildProcess | null = null;
  output = '';
  constructor(
    readonly port: number,
    readonly dataDir: string,
    /** Extra environment, e.g. KAFKA_BROKERS to run on Kafka. */
    readonly env: Record<string, string> = {},
    /** Extra Node options, e.g. a module to preload (the server then runs from its sources). */
    readonly nodeArgs: string[] = [],
    /** A command the server runs under, e.g. `unshare --pid --fork` to be PID 1 of its own namespace. */
    readonly wrapper: string[] = [],
  ) {}

  get http(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  get ws(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** Starts the process and waits until it is ready (or, with `until: 'healthy'`, merely answering). */
  async start(options: { until?: 'ready' | 'healthy' } = {}): Promise<void> {
    const probe = options.until === 'healthy' ? 'healthz' : 'readyz';
    const node =
      this.nodeArgs.length > 0 ? [process.execPath, '--import', 'tsx', ...this.nodeArgs, 'server/main.ts'] : [process.execPath, ...startFlags(), 'dist/server.mjs'];
    const [command, ...args] = [...this.wrapper, ...node];
    const child = spawn(command!, args, {
      cwd: repoRoot,
      // METRICS_PORT 0: servers of tests running side by side would all want the default port.
      env: { ...process.env, HOST: '127.0.0.1', PORT: String(this.port), DATA_DIR: this.dataDir, LOG_LEVEL: 'info', METRICS_PORT: '0', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout!.on('data', (d) => (this.output += d));
    child.stderr!.on('data', (d) => (this.output += d));
    // Starting the server while Chromium tests share the two cores has taken over 20 s (through tsx).
    const deadline = Date.now() + 45_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`server exited with ${child.exitCode ?? child.signalCode}:\n${this.output}`);
      const ready = await fetch(`${this.http}/${probe}`).then((r) => r.ok, () => false);
      if (ready) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`server did not become ready:\n${this.output}`);
  }

  /** Resolves with the exit code (or signal name) once the process exits, or 'still running' after `timeoutMs`. */
  async exit(timeoutMs: number): Promise<number | string> {
    const child = this.child;
    if (!child) return 'not running';
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode ?? child.signalCode!;
    const exited = new Promise<number | string>((resolve) => child.once('exit', (code, sig) => resolve(code ?? sig ?? 'unknown')));
    let timer: NodeJS.Timeout | undefined;
    const result = await Promise.race([exited, new Promise<string>((resolve) => (timer = setTimeout(() => resolve('still running'), timeoutMs)))]);
    clearTimeout(timer);
    if (result !== 'still running') this.child = null;
    return result;
  }

  /** Sends a signal and resolves with the exit code (or signal name). */
  async stop(signal: NodeJS.Signals): Promise<number | string> {
    const child = this.child;
    // One that died of a signal has no exit code, only the signal.
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? child?.signalCode ?? 'not running';
    const exited = new Promise<number | string>((resolve) => child.once('exit', (code, sig) => resolve(code ?? sig ?? 'unknown')));
    child.kill(signal);
    const result = await exited;
    this.child = null;
    return result;
  }
}

/** Kafka settings for a test: its own topic and group prefix on the shared broker. */
export function kafkaTestSettings(brokers: string, topic: string, instance: string, partitions = 3): KafkaSettings {
  return { brokers: [brokers], clientId: `test-${instance}`, topic, partitions, replicationFactor: 1, groupPrefix: `test-${topic}-${instance}`, ssl: false };
}

/** A Kafka log on a fresh topic of its own. */
export function openTestKafkaLog(brokers: string, name: string, partitions = 3): Promise<KafkaLog> {
  const topic = `${name}-${randomBytes(6).toString('hex')}`;
  return KafkaLog.open(kafkaTestSettings(brokers, topic, name, partitions), pino({ level: 'silent' }));
}

/** An app instance on a Kafka topic, as one of several servers sharing it. */
/**
 * An instance as server/main.ts builds it on Kafka: the log and the
 * presence bus. Its `close` stops both, and may be called more than once.
 */
export async function startKafkaInstance(brokers: string, topic: string, instance: string): Promise<RunningServer> {
  const settings = kafkaTestSettings(brokers, topic, instance);
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const [log, bus] = await Promise.all([KafkaLog.open(settings, logger), KafkaPresenceBus.open(settings, logger)]);
  const server = await startServer(log, { presenceBus: bus });
  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      await server.close();
      await bus.close();
    })());
  return { ...server, close };
}

export async function startKafkaServer(
  brokers: string,
  topic: string,
  instance: string,
  options: Partial<Omit<AppDeps, 'log' | 'webRoot'>> = {},
): Promise<RunningServer> {
  const log = await KafkaLog.open(kafkaTestSettings(brokers, topic, instance), pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }));
  return startServer(log, options);
}

/**
 * An instance owning its share of the topic's partitions (KAFKA_PLACEMENT
 * ownership), at its own PUBLIC_URL: as server/main.ts runs it by default
 * on Kafka. Its `close` hands its partitions over, as a clean shutdown does.
 */
export async function startOwnerInstance(brokers: string, topic: string, instance: string, partitions = 12, port?: number): Promise<RunningServer & { placement: PartitionOwners }> {
  port ??= await freePort();
  const settings = { ...kafkaTestSettings(brokers, topic, instance), partitions };
  const log = await KafkaLog.open(settings, pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), { mode: 'ownership', publicUrl: `http://127.0.0.1:${port}` });
  const server = await startServer(log, {}, port);
  return { ...server, placement: log.placement! };
}
