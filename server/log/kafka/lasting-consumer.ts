/**
 * A kafkajs consumer that comes back with the broker, whatever error it met.
 *
 * kafkajs restarts a crashed consumer itself only after errors it calls
 * retriable. A broker that restarts also answers with errors it does not
 * (seen here: "Failed to find group coordinator" while the broker loads its
 * groups), and after those the consumer stays stopped: the fan-out would
 * deliver nothing and the reader would load no board until the process
 * restarted. This runs the consumer again after any crash, until closed,
 * and says whether it currently holds its partitions (`up`): false from a
 * crash until it has joined its group again.
 */
import type { Consumer, ConsumerRunConfig } from 'kafkajs';
import type { Logger } from '../../logger.ts';

/** Between our own restarts; kafkajs's own ones wait its retry time. */
const RESTART_EVERY_MS = 1_000;

export class LastingConsumer {
  private joined = false;
  private closed = false;
  private restartTimer: NodeJS.Timeout | null = null;
  private config: ConsumerRunConfig | null = null;

  constructor(
    readonly consumer: Consumer,
    private readonly name: string,
    private readonly logger: Logger,
  ) {
    consumer.on(consumer.events.GROUP_JOIN, () => {
      this.joined = true;
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.joined = false;
      // kafkajs restarts it itself.
      if (payload.restart || this.closed) return;
      this.logger.warn({ consumer: name, err: payload.error }, 'consumer stopped on an error kafkajs does not retry; running it again');
      this.scheduleRestart();
    });
  }

  /** Whether it has joined its group and is fetching. */
  get up(): boolean {
    return this.joined && !this.closed;
  }

  /** Runs the consumer (it has joined its group when this resolves). */
  async run(config: ConsumerRunConfig): Promise<void> {
    this.config = config;
    await this.consumer.run(config);
  }

  private scheduleRestart(): void {
    this.restartTimer = setTimeout(async () => {
      this.restartTimer = null;
      if (this.closed) return;
      try {
        // A crash disconnected it; run() starts it over (a failed start crashes again, and comes back here).
        await this.consumer.connect();
        await this.consumer.run(this.config!);
      } catch (err) {
        this.logger.warn({ consumer: this.name, err }, 'consumer did not start again; retrying');
        this.scheduleRestart();
      }
    }, RESTART_EVERY_MS);
    this.restartTimer.unref();
  }

  async disconnect(): Promise<void> {
    this.closed = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    await this.consumer.disconnect();
  }
}
