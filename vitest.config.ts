import { defineConfig } from 'vitest/config';

// Six projects: fast unit tests beside the code; integration tests that run real ffmpeg, the real
// RTMP ingest, real HTTP, nginx and redis-server; deploy checks of the Dockerfile and k8s
// manifests; the shipped models against their cards; the soak test (on demand); and browser
// tests of the player and pages in headless Chromium (Debian's chromium, driven by
// playwright-core; scripts/setup.sh installs it).
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
      {
        test: {
          // Dockerfile and k8s manifests, checked against the code they deploy.
          name: 'deploy',
          include: ['test/deploy/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
        },
      },
      {
        test: {
          // The shipped models in models/: every card matches its .onnx and the uprez contract.
          name: 'models',
          include: ['test/models/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
        },
      },
      {
        test: {
          // On demand only (UPREZ_SOAK=1, npm run test:soak): a long live stream, RSS and fds flat.
          name: 'soak',
          include: ['test/soak/**/*.test.ts'],
          environment: 'node',
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
