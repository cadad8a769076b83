import { UprezServer } from '../app/uprez-server.js';
import { parseServeConfig, serveHelp } from '../config/serve-config.js';
import { errorMessage, UprezError } from '../errors.js';
import { createLogger } from '../log/logger.js';
import type { Command } from './cli-io.js';

/**
 * SHUTDOWN_LIMIT_MS is how long a signalled `uprez serve` may take to drain and close before it
 * exits anyway (k8s: terminationGracePeriodSeconds must leave room for it after the preStop).
 */
export const SHUTDOWN_LIMIT_MS = 20_000;

/**
 * runServeCommand is `uprez serve`: validates config, starts the server, and owns the process
 * from then on: SIGINT/SIGTERM drain streams (playlists get ENDLIST) within a time limit, a
 * second signal exits at once, and uncaught errors take the same shutdown path with exit 1.
 */
export const runServeCommand: Command = async (argv, io) => {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(serveHelp());
    return 0;
  }
  const config = parseServeConfig(argv, io.env);
  const log = createLogger({ level: config.logLevel });
  const server = new UprezServer(config, { log, env: io.env });
  await server.start();

  return await new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (code: number, why: string): void => {
      if (stopping) {
        log.warn('second signal: exiting now');
        process.exit(code || 130);
      }
      stopping = true;
      log.info('shutting down', { why });
      const limit = setTimeout(() => {
        log.error('shutdown took too long; exiting');
        process.exit(code || 1);
      }, SHUTDOWN_LIMIT_MS);
      limit.unref();
      server
        .close()
        .catch((err: unknown) => log.error('error while closing', { err: errorMessage(err) }))
        .finally(() => {
          clearTimeout(limit);
          resolve(code);
        });
    };
    process.once('SIGINT', () => stop(0, 'SIGINT'));
    process.once('SIGTERM', () => stop(0, 'SIGTERM'));
    process.on('uncaughtException', (err) => {
      log.error('uncaught exception', { err: err instanceof UprezError ? err.message : (err.stack ?? String(err)) });
      stop(1, 'uncaughtException');
    });
    process.on('unhandledRejection', (err) => {
      log.error('unhandled rejection', { err: err instanceof Error ? (err.stack ?? err.message) : String(err) });
      stop(1, 'unhandledRejection');
    });
  });
};
