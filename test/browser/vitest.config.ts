import { defineConfig } from 'vitest/config';

// Headless-Chromium smoke test of the player, kept out of the default projects because it needs
// a Chromium binary (UPREZ_CHROMIUM, default /usr/bin/chromium) and ffmpeg. Run it with
//   npx vitest run --config test/browser/vitest.config.ts
export default defineConfig({
  test: {
    name: 'browser',
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/browser/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
