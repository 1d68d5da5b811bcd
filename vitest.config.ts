import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string) => fileURLToPath(new URL(`./src/${p}`, import.meta.url));

export default defineConfig({
  // custom rules written in tests import the public API by the package name
  resolve: {
    alias: [
      { find: /^ecs-audit\/testing$/, replacement: src('testing/index.ts') },
      { find: /^ecs-audit$/, replacement: src('index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts', 'rules/**/*.test.ts'],
    setupFiles: ['test/setup.ts'],
    // end-to-end tests run dist/: build it first when any source is newer
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // most test time is waiting (emulator latency, held answers, child processes): more
    // workers than cores overlap the waits
    maxWorkers: 3,
  },
});
