import { defineConfig } from 'vitest/config';

// Two projects: fast unit tests beside the code, and integration tests that run real
// ffmpeg, a real RTMP server and real HTTP. Slow/on-demand suites live under test/slow and
// are excluded here; run them with `npm run test:slow`.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 60_000,
          // Integration tests start real ffmpeg processes; on a 2-core machine running them
          // one file at a time keeps timings honest.
          fileParallelism: false,
        },
      },
    ],
  },
});
