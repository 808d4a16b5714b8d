import { execFileSync } from 'node:child_process';
import type { TestProject } from 'vitest/node';
import { LocalKafka } from '../../scripts/kafka-local.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Bootstrap address of the Kafka broker the tests use. */
    kafkaBrokers: string;
  }
}

/**
 * Once per run: build the web app (the browser tests load it) and the
 * server (tests that start it as a process run what `npm start` runs), and provide a
 * Kafka broker: KAFKA_BROKERS when given, otherwise one started by the
 * project's own script (fetched from Maven Central on first use).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  execFileSync(process.execPath, ['scripts/build-web.mjs'], { stdio: 'inherit' });
  // The server as `npm start` runs it, for the tests that start it as a process.
  execFileSync(process.execPath, ['scripts/build-server.mjs'], { stdio: 'inherit' });
  if (process.env.KAFKA_BROKERS) {
    project.provide('kafkaBrokers', process.env.KAFKA_BROKERS);
    return async () => undefined;
  }
  const kafka = await LocalKafka.create();
  await kafka.start();
  project.provide('kafkaBrokers', kafka.brokers);
  return () => kafka.stop();
}
