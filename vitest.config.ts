import { defineConfig } from 'vitest/config';

// Forks, not threads: the Temporal native bridge and workflow worker_threads nest badly in thread pools.
export default defineConfig({
  test: {
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 180_000,
    hookTimeout: 300_000,
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    reporters: ['default'],
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', SLUICE_LOG_LEVEL: 'warn' },
  },
});
