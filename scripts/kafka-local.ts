/**
 * A single-node Apache Kafka (KRaft) on loopback, without Docker: the broker's
 * jars come from Maven Central (scripts/kafka/pom.xml) and run with plain java.
 *
 *   npx tsx scripts/kafka-local.ts fetch            fetch the jars (cached in .cache/)
 *   npx tsx scripts/kafka-local.ts start [port]     format, start, wait until ready; Ctrl-C stops
 *
 * The tests import `LocalKafka` to start brokers of their own.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const KAFKA_VERSION = process.env.KAFKA_VERSION ?? '3.9.1';
const root = fileURLToPath(new URL('..', import.meta.url));
const libsDir = join(root, '.cache', `kafka-${KAFKA_VERSION}`, 'libs');

/** Copies the broker's runtime jars from Maven Central into .cache/ once. */
export function fetchKafka(): string {
  const marker = join(libsDir, `kafka_2.13-${KAFKA_VERSION}.jar`);
  if (existsSync(marker)) return libsDir;
  mkdirSync(libsDir, { recursive: true });
  const mvn = spawnSync(
    'mvn',
    [
      '-q',
      '-B',
      '-f',
      join(root, 'scripts', 'kafka', 'pom.xml'),
      `-Dkafka.version=${KAFKA_VERSION}`,
      'org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies',
      '-DincludeScope=runtime',
      `-DoutputDirectory=${libsDir}`,
    ],
    { stdio: 'inherit' },
  );
  if (mvn.status !== 0 || !existsSync(marker)) throw new Error(`fetching Kafka ${KAFKA_VERSION} with Maven failed (exit ${mvn.status})`);
  return libsDir;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(500);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
    socket.connect(port, '127.0.0.1');
  });
}

export type LocalKafkaOptions = { port?: number; controllerPort?: number; dataDir?: string };

/** One broker: start, stop and start again on the same ports and data. */
export class LocalKafka {
  private child: ChildProcess | null = null;
  private output = '';
  readonly dataDir: string;
  private constructor(
    readonly port: number,
    readonly controllerPort: number,
    dataDir: string,
  ) {
    this.dataDir = dataDir;
  }

  static async create(options: LocalKafkaOptions = {}): Promise<LocalKafka> {
    const port = options.port ?? (await freePort());
    const controllerPort = options.controllerPort ?? (await freePort());
    const dataDir = options.dataDir ?? join(tmpdir(), `kafka-${port}-${randomBytes(4).toString('hex')}`);
    return new LocalKafka(port, controllerPort, dataDir);
  }

  get brokers(): string {
    return `127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null;
  }

  private configure(): string {
    mkdirSync(join(this.dataDir, 'logs'), { recursive: true });
    const properties = join(this.dataDir, 'server.properties');
    writeFileSync(
      properties,
      [
        'process.roles=broker,controller',
        'node.id=1',
        `controller.quorum.voters=1@127.0.0.1:${this.controllerPort}`,
        `listeners=PLAINTEXT://127.0.0.1:${this.port},CONTROLLER://127.0.0.1:${this.controllerPort}`,
        `advertised.listeners=PLAINTEXT://127.0.0.1:${this.port}`,
        'controller.listener.names=CONTROLLER',
        'inter.broker.listener.name=PLAINTEXT',
        'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
        `log.dirs=${join(this.dataDir, 'data')}`,
        'num.partitions=1',
        'offsets.topic.replication.factor=1',
        'offsets.topic.num.partitions=1',
        'transaction.state.log.replication.factor=1',
        'transaction.state.log.min.isr=1',
        'group.initial.rebalance.delay.ms=0',
        'auto.create.topics.enable=false',
      ].join('\n') + '\n',
    );
    writeFileSync(
      join(this.dataDir, 'log4j.properties'),
      [
        'log4j.rootLogger=INFO, stdout',
        'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
        'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
        'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
        'log4j.logger.kafka=WARN',
        'log4j.logger.org.apache.kafka=WARN',
        'log4j.logger.kafka.server.KafkaRaftServer=INFO',
      ].join('\n') + '\n',
    );
    return properties;
  }

  private java(main: string, args: string[], extra: string[] = []): string[] {
    return [
      '-Xms256m',
      '-Xmx512m',
      `-Dlog4j.configuration=file:${join(this.dataDir, 'log4j.properties')}`,
      `-Dkafka.logs.dir=${join(this.dataDir, 'logs')}`,
      ...extra,
      '-cp',
      `${fetchKafka()}/*`,
      main,
      ...args,
    ];
  }

  /** Formats storage on first use, starts the broker and waits until it serves. */
  async start(timeoutMs = 60_000): Promise<void> {
    if (this.running) return;
    const properties = this.configure();
    if (!existsSync(join(this.dataDir, 'data', 'meta.properties'))) {
      // As Kafka's own Uuid.randomUuid: an id starting with '-' would be read as a flag.
      let clusterId = randomBytes(16).toString('base64url');
      while (clusterId.startsWith('-')) clusterId = randomBytes(16).toString('base64url');
      const format = spawnSync('java', this.java('kafka.tools.StorageTool', ['format', '-t', clusterId, '-c', properties, '--ignore-formatted']), {
        encoding: 'utf8',
      });
      if (format.status !== 0) throw new Error(`formatting Kafka storage failed:\n${format.stdout}${format.stderr}`);
    }
    this.output = '';
    const child = spawn('java', this.java('kafka.Kafka', [properties]), { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout!.on('data', (d) => (this.output = (this.output + d).slice(-20_000)));
    child.stderr!.on('data', (d) => (this.output = (this.output + d).slice(-20_000)));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`Kafka exited with ${child.exitCode}:\n${this.output}`);
      if (/Kafka Server started|KafkaRaftServer\)?.*started/i.test(this.output) && (await portOpen(this.port))) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    await this.stop();
    throw new Error(`Kafka did not start within ${timeoutMs} ms:\n${this.output}`);
  }

  /** Stops the broker (SIGTERM, then SIGKILL after a grace period); data stays. */
  async stop(graceMs = 15_000): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  get log(): string {
    return this.output;
  }
}

/** A benchmark's broker: KAFKA_BROKERS when set, else a local one started here (`local`, to stop at the end). */
export async function benchBrokers(): Promise<{ brokers: string; local: LocalKafka | null }> {
  if (process.env.KAFKA_BROKERS) return { brokers: process.env.KAFKA_BROKERS, local: null };
  const local = await LocalKafka.create();
  await local.start();
  return { brokers: local.brokers, local };
}

async function cli(): Promise<void> {
  const [command, portArg] = process.argv.slice(2);
  if (command === 'fetch') {
    const dir = fetchKafka();
    console.log(`Kafka ${KAFKA_VERSION}: ${readdirSync(dir).length} jars in ${dir}`);
    return;
  }
  if (command === 'start') {
    const kafka = await LocalKafka.create({ port: portArg ? Number(portArg) : 9092, dataDir: process.env.KAFKA_DATA_DIR });
    await kafka.start();
    console.log(`Kafka ${KAFKA_VERSION} ready: KAFKA_BROKERS=${kafka.brokers} (data in ${kafka.dataDir}); Ctrl-C stops it`);
    const stop = () => void kafka.stop().then(() => process.exit(0));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    return;
  }
  console.error('usage: tsx scripts/kafka-local.ts fetch | start [port]');
  process.exit(2);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await cli();
