import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UprezServer } from '../../src/app/uprez-server.js';
import { parseServeConfig } from '../../src/config/serve-config.js';
import { silentLogger } from '../../src/log/logger.js';

/** StartedServer is a real uprez server on random loopback ports with its own temp data dir. */
export interface StartedServer {
  server: UprezServer;
  rtmpPort: number;
  httpPort: number;
  dataDir: string;
}

/** Cleanup is one step of a test's teardown; tests run them in reverse order. */
export type Cleanup = () => Promise<void> | void;

/**
 * startTestServer starts `uprez serve` in-process with `extra` flags on 127.0.0.1, random ports
 * and a fresh data dir, and registers its close and the dir's removal in `cleanups`.
 */
export async function startTestServer(extra: readonly string[], cleanups: Cleanup[], prefix = 'uprez-test-'): Promise<StartedServer> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), prefix));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const config = parseServeConfig(['--host', '127.0.0.1', '--rtmp-port', '0', '--http-port', '0', '--data-dir', dataDir, ...extra], {});
  const server = new UprezServer(config, { log: silentLogger });
  const { rtmpPort, httpPort } = await server.start();
  cleanups.push(() => server.close());
  return { server, rtmpPort, httpPort, dataDir };
}
