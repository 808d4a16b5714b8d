/**
 * Every metric the server exports, defined in one place (Prometheus text
 * format, prom-client). The rest of the code calls the typed methods below
 * (`metrics.opRefused(code)`), never prom-client itself, so names, labels
 * and units cannot drift between call sites. Values that are cheaper to
 * read than to keep current (boards loaded, clients by role, free disk,
 * Kafka lag) are read when /metrics is scraped, from the sources the app
 * hands over with `watch`.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ERROR, type ErrorCode, type Role } from '../protocol/messages.ts';

/** Which quota slowed or turned away a client (README, "Quotas"). */
export type Quota = 'write_points' | 'messages' | 'connections_per_ip' | 'api_requests' | 'forks' | 'uploads';
const QUOTAS: readonly Quota[] = ['write_points', 'messages', 'connections_per_ip', 'api_requests', 'forks', 'uploads'];
const ROLES: readonly Role[] = ['owner', 'editor', 'viewer'];

/** What the app knows now, read at each scrape. */
export type MetricSources = {
  /** Boards whose history is loaded in this process, and their clients (joined pages) by role. */
  census?: () => { boards: number; clients: Record<Role, number> };
  /** Free bytes on DATA_DIR (embedded log only). */
  diskFreeBytes?: () => number;
  /** On Kafka: offsets the fan-out has yet to consume, per partition of the boards' topic. */
  fanoutLag?: () => Promise<ReadonlyMap<number, number>>;
  /** On Kafka: records of the boards' topic handed to the rooms so far, by the consumer and on the produce acknowledgement. */
  fanoutRecords?: () => Readonly<Record<'consumer' | 'ack', number>>;
  /** On Kafka: produce requests sent so far. */
  produceRequests?: () => number;
};

/**
 * Latencies on loopback are tenths of a millisecond; through Kafka or under
 * load, tens to hundreds (BENCHMARKS.md). Buckets from 0.1 ms to 5 s.
 */
const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** A board loads in a millisecond when empty, in 0.3-0.5 s at a million points. */
const LOAD_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export class Metrics {
  /** The registry /metrics serves: this app's metrics and the process's. */
  readonly registry = new Registry();
  private sources: MetricSources = {};

  private readonly admitted = new Counter({ name: 'logboard_ops_admitted_total', help: 'Client operations admitted and sent to the log', registers: [this.registry] });
  private readonly refused = new Counter({
    name: 'logboard_ops_refused_total',
    help: 'Client messages refused, by the error code the client was told (docs/protocol.md)',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  private readonly appendFailed = new Counter({ name: 'logboard_appends_failed_total', help: 'Admitted operations the log failed to save', registers: [this.registry] });
  private readonly appendSeconds = new Histogram({
    name: 'logboard_append_duration_seconds',
    help: "From a room's append to the log's acknowledgement (durable)",
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly fanoutSeconds = new Histogram({
    name: 'logboard_fanout_duration_seconds',
    help: "From a record's arrival from the log (on Kafka: its log timestamp) to its frames going out to the board's clients",
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly loadSeconds = new Histogram({
    name: 'logboard_board_load_duration_seconds',
    help: 'Time to load a board into a room: its stored state and the records after it',
    buckets: LOAD_BUCKETS,
    registers: [this.registry],
  });
  private readonly received = new Counter({
    name: 'logboard_socket_received_bytes_total',
    help: 'Bytes of messages received on board sockets (payload, after decompression)',
    registers: [this.registry],
  });
  private readonly sent = new Counter({
    name: 'logboard_socket_sent_bytes_total',
    help: 'Bytes of messages sent on board sockets (payload, before compression)',
    registers: [this.registry],
  });
  private readonly throttles = new Counter({
    name: 'logboard_quota_throttles_total',
    help: 'Times a quota slowed down or turned away a client, by quota',
    labelNames: ['quota'] as const,
    registers: [this.registry],
  });
  private readonly statesStored = new Counter({ name: 'logboard_stored_states_total', help: 'Board states stored beside the log', registers: [this.registry] });
  private readonly stateBytes = new Counter({
    name: 'logboard_stored_state_bytes_total',
    help: 'Bytes written for stored board states (compressed, new parts only, on the embedded log)',
    registers: [this.registry],
  });

  constructor(options: { processMetrics?: boolean } = {}) {
    const sources = () => this.sources;
    new Gauge({
      name: 'logboard_boards_loaded',
      help: 'Boards loaded in this process',
      registers: [this.registry],
      collect() {
        const census = sources().census;
        if (census) this.set(census().boards);
      },
    });
    new Gauge({
      name: 'logboard_clients',
      help: 'Clients on boards of this process, by role',
      labelNames: ['role'] as const,
      registers: [this.registry],
      collect() {
        const census = sources().census;
        if (!census) return;
        const byRole = census().clients;
        for (const role of ROLES) this.set({ role }, byRole[role]);
      },
    });
    new Gauge({
      name: 'logboard_kafka_fanout_lag',
      help: "On Kafka: offsets of each partition of the boards' topic the fan-out consumer has yet to consume (end offset minus next offset)",
      labelNames: ['partition'] as const,
      registers: [this.registry],
      async collect() {
        const lag = sources().fanoutLag;
        if (!lag) return;
        this.reset();
        for (const [partition, behind] of await lag()) this.set({ partition: String(partition) }, behind);
      },
    });
    const counted = { consumer: 0, ack: 0 };
    new Counter({
      name: 'logboard_fanout_records_total',
      help: "On Kafka: records of the boards' topic handed to this instance's rooms, by where they came from (via: consumer, or ack for its own appends)",
      labelNames: ['via'] as const,
      registers: [this.registry],
      collect() {
        const records = sources().fanoutRecords;
        if (!records) return;
        const now = records();
        for (const via of ['consumer', 'ack'] as const) {
          this.inc({ via }, Math.max(0, now[via] - counted[via]));
          counted[via] = now[via];
        }
      },
    });
    let produced = 0;
    new Counter({
      name: 'logboard_kafka_produce_requests_total',
      help: 'On Kafka: produce requests sent (appends admitted ÷ this is how many records a request carries)',
      registers: [this.registry],
      collect() {
        const requests = sources().produceRequests;
        if (!requests) return;
        const now = requests();
        this.inc(Math.max(0, now - produced));
        produced = now;
      },
    });
    // Every label value from the start, so a rate over a first refusal or throttle is not lost.
    for (const code of Object.values(ERROR)) this.refused.inc({ code }, 0);
    for (const quota of QUOTAS) this.throttles.inc({ quota }, 0);
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** Hands over what is read at each scrape; later calls add to earlier ones. */
  watch(sources: MetricSources): void {
    // Registered only where there is a disk to watch: an unset gauge reads 0, which would look like a full disk.
    if (sources.diskFreeBytes && !this.sources.diskFreeBytes) {
      const free = sources.diskFreeBytes;
      new Gauge({
        name: 'logboard_disk_free_bytes',
        help: "Free bytes on the embedded log's data directory (DATA_DIR)",
        registers: [this.registry],
        collect() {
          this.set(free());
        },
      });
    }
    this.sources = { ...this.sources, ...sources };
  }

  /** The metrics in Prometheus's text format, and its content type. */
  async scrape(): Promise<{ text: string; contentType: string }> {
    return { text: await this.registry.metrics(), contentType: this.registry.contentType };
  }

  opAdmitted(): void {
    this.admitted.inc();
  }

  opRefused(code: ErrorCode): void {
    this.refused.inc({ code });
  }

  /** The log acknowledged an append `ms` after the room made it. */
  appendAcknowledged(ms: number): void {
    this.appendSeconds.observe(ms / 1_000);
  }

  appendFailedToSave(): void {
    this.appendFailed.inc();
  }

  /** A record's frames went out to its board's clients, `ms` after it arrived (or was stamped by the log). */
  fannedOut(ms: number): void {
    this.fanoutSeconds.observe(Math.max(0, ms) / 1_000);
  }

  boardLoaded(ms: number): void {
    this.loadSeconds.observe(ms / 1_000);
  }

  socketReceived(bytes: number): void {
    this.received.inc(bytes);
  }

  socketSent(bytes: number): void {
    this.sent.inc(bytes);
  }

  throttled(quota: Quota): void {
    this.throttles.inc({ quota });
  }

  /** A board state was stored; `bytes` when the store says what it wrote. */
  stateStored(bytes: number | void): void {
    this.statesStored.inc();
    if (typeof bytes === 'number') this.stateBytes.inc(bytes);
  }
}
