import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    // Polls wait on real sockets, brokers and browsers sharing two cores.
    expect: { poll: { timeout: 10_000, interval: 50 } },
    hookTimeout: 60_000,
    // Two cores: integration and browser tests are heavier than they look.
    maxWorkers: 2,
  },
});
