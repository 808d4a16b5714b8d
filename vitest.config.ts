import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 30_000,
    // Polls wait on real sockets, brokers and browsers sharing two cores.
    expect: { poll: { timeout: 10_000, interval: 50 } },
    hookTimeout: 60_000,
    // Two cores: integration and browser tests are heavier than they look.
    maxWorkers: 2,
    projects: [
      // `npm run test:unit`: no broker, no browser, no network; seconds.
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'system',
          include: ['test/contract/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          // Builds the web app and starts a Kafka broker once per run.
          globalSetup: ['test/support/global-setup.ts'],
        },
      },
    ],
  },
});
