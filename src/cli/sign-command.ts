import { UprezError } from '../errors.js';
import { signPublish } from '../ingest/publish-auth.js';
import { isValidStreamKey } from '../media/stream-key.js';
import type { Command } from './cli-io.js';
import { parseFlags } from './parse-flags.js';

const USAGE = 'Usage: UPREZ_PUBLISH_SECRET=... uprez sign KEY [--ttl SECONDS] [--host HOST] [--rtmp-port 1935]\n';

/**
 * runSignCommand is `uprez sign KEY`: prints a signed publish URL valid for --ttl seconds, using
 * the UPREZ_PUBLISH_SECRET the server was started with (read from the environment, never a flag,
 * so it does not land in shell history or `ps`).
 */
export const runSignCommand: Command = async (argv, io) => {
  const { values, positionals } = parseFlags(argv, {
    ttl: { type: 'string' },
    host: { type: 'string' },
    'rtmp-port': { type: 'string' },
    help: { type: 'boolean' },
  });
  if (values['help']) {
    io.stdout.write(USAGE);
    return 0;
  }
  const key = positionals[0];
  if (positionals.length !== 1 || !isValidStreamKey(key))
    throw new UprezError('CLI_BAD_ARGS', `give one stream key matching [A-Za-z0-9_-]{1,64}\n${USAGE}`);
  const secret = io.env['UPREZ_PUBLISH_SECRET'];
  if (!secret) throw new UprezError('CLI_NO_SECRET', 'UPREZ_PUBLISH_SECRET is not set (use the same secret as the server)');
  const ttl = Number(values['ttl'] ?? 3600);
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > 7 * 86_400)
    throw new UprezError('CLI_BAD_FLAG', '--ttl must be whole seconds from 1 to 604800 (7 days)');
  const host = String(values['host'] ?? 'localhost');
  if (!/^[A-Za-z0-9.:_-]{1,253}$/.test(host)) throw new UprezError('CLI_BAD_FLAG', '--host must be a host name or IP address');
  const port = String(values['rtmp-port'] ?? io.env['UPREZ_RTMP_PORT'] ?? '1935');
  if (!/^\d{1,5}$/.test(port)) throw new UprezError('CLI_BAD_FLAG', '--rtmp-port must be a port number');
  const exp = Math.floor(Date.now() / 1000) + ttl;
  const q = signPublish(secret, key, exp);
  io.stdout.write(`rtmp://${host}:${port}/live/${key}?exp=${q.exp}&sig=${q.sig}\n`);
  io.stderr.write(
    `valid until ${new Date(exp * 1000).toISOString()}; in OBS use server rtmp://${host}:${port}/live and stream key ${key}?exp=${q.exp}&sig=${q.sig}\n`,
  );
  return 0;
};
