import { randomBytes } from 'node:crypto';
import { UprezError, errorMessage } from '../errors.js';
import { validatePushUrl } from '../encode/push-output.js';
import { resolveFfmpegBinaries } from '../ffmpeg/binaries.js';
import { signPublish } from '../ingest/publish-auth.js';
import { isValidStreamKey } from '../media/stream-key.js';
import { ingestPublishUrl } from '../restream/publish-args.js';
import { publishFile } from '../restream/publish-file.js';
import { CLI_INPUT_POLICY, inputLocation, resolveFileInput } from '../vod/file-input.js';
import type { CliIo, Command } from './cli-io.js';
import { commandLogger } from './file-command.js';
import { stringFlag } from './shared-flags.js';
import { parseFlags } from './parse-flags.js';
import { createProgress } from './progress.js';
import { followRestreamJob } from './restream-job-client.js';

/** RESTREAM_USAGE is the help text of `uprez restream`. */
export const RESTREAM_USAGE = [
  'Usage: uprez restream IN [--key KEY] [--rtmp-url rtmp://127.0.0.1:1935/live] [--json]',
  '       uprez restream IN --to rtmp(s)://HOST/APP/KEY [--key KEY] [--server http://127.0.0.1:8000]',
  '',
  'Plays an archive in real time through a running `uprez serve` (the live pipeline, deadline mode):',
  'it is published to the ingest as KEY (default restream-XXXX) and appears in /api/streams with its',
  'HLS ladder at /hls/KEY/master.m3u8. With UPREZ_PUBLISH_SECRET set the publish URL is signed.',
  'With --to, the server runs the restream as a job (POST /api/jobs; IN must be inside its',
  '--jobs-input-dir; UPREZ_API_TOKEN is sent as the bearer token) and its encoder also pushes the',
  'upscaled top rung to the --to URL. Ctrl-C stops the publish (or cancels the job).',
  '',
].join('\n');

const SPEC = {
  key: { type: 'string' },
  to: { type: 'string' },
  'rtmp-url': { type: 'string' },
  server: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

/** DEFAULT_INGEST is where `uprez serve` listens for publishers on its defaults. */
export const DEFAULT_INGEST = 'rtmp://127.0.0.1:1935/live';

/** parseIngestBase checks --rtmp-url: rtmp(s)://host[:port]/app, without a key, query or odd characters. */
export function parseIngestBase(v: string | undefined): string {
  const raw = (v ?? DEFAULT_INGEST).replace(/\/+$/, '');
  const problem = validatePushUrl(raw);
  if (problem || raw.includes('?') || raw.includes('#'))
    throw new UprezError('CLI_BAD_FLAG', `--rtmp-url ${problem ?? 'must not have a query'} (like ${DEFAULT_INGEST})`);
  return raw;
}

/** parseServer checks --server: the http(s) base URL of a running uprez serve. */
export function parseServer(v: string | undefined): string {
  const raw = (v ?? 'http://127.0.0.1:8000').replace(/\/+$/, '');
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new UprezError('CLI_BAD_FLAG', `--server must be an http(s) URL, got "${raw}"`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new UprezError('CLI_BAD_FLAG', '--server must be an http:// or https:// URL');
  return raw;
}

/**
 * runRestreamCommand is `uprez restream IN`: a real-time publish of an archive into a running
 * server's ingest (or, with --to, the same as a server-side job that also pushes the result).
 */
export const runRestreamCommand: Command = async (argv, io) => {
  const { values, positionals } = parseFlags(argv, SPEC);
  if (values['help']) {
    io.stdout.write(RESTREAM_USAGE);
    return 0;
  }
  if (positionals.length !== 1)
    throw new UprezError('CLI_BAD_ARGS', `give exactly one input (uprez restream IN), got ${positionals.length}`);
  const key = stringFlag(values['key']) ?? `restream-${randomBytes(3).toString('hex')}`;
  if (!isValidStreamKey(key)) throw new UprezError('CLI_BAD_FLAG', '--key must match [A-Za-z0-9_-]{1,64}');
  const to = stringFlag(values['to']);
  const json = values['json'] === true;
  const input = await resolveFileInput(positionals[0] as string, CLI_INPUT_POLICY);
  const abort = new AbortController();
  const onSignal = (): void => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    if (to !== undefined) {
      const problem = validatePushUrl(to);
      if (problem) throw new UprezError('CLI_BAD_FLAG', `--to ${problem}`);
      if (input.kind !== 'file')
        throw new UprezError('CLI_BAD_ARGS', "with --to the input must be a local file inside the server's --jobs-input-dir");
      return await followRestreamJob({
        server: parseServer(stringFlag(values['server'])),
        token: io.env['UPREZ_API_TOKEN'],
        input: input.path,
        key,
        to,
        json,
        io,
        signal: abort.signal,
      });
    }
    return await publishDirect(io, inputLocation(input), key, parseIngestBase(stringFlag(values['rtmp-url'])), json, abort.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
};

async function publishDirect(io: CliIo, input: string, key: string, base: string, json: boolean, signal: AbortSignal): Promise<number> {
  const secret = io.env['UPREZ_PUBLISH_SECRET'];
  const query = secret ? signPublish(secret, key, Math.floor(Date.now() / 1000) + 6 * 3600) : undefined;
  const url = ingestPublishUrl(base, key, query);
  io.stderr.write(`uprez restream: publishing ${input} as ${key} to ${base}/${key}${query ? ' (signed)' : ''} in real time\n`);
  let progress: ReturnType<typeof createProgress> | null = null;
  try {
    const r = await publishFile({
      binaries: resolveFfmpegBinaries(io.env),
      input,
      url,
      log: commandLogger(io, 'restream'),
      signal,
      onProgress: (seconds, duration) => {
        progress ??= createProgress({
          label: `restream ${key}`,
          ...(duration !== null ? { total: Math.round(duration) } : {}),
          unit: 's',
          json,
          out: io.stderr as NodeJS.WritableStream,
        });
        progress.update(Math.round(seconds));
      },
    });
    (progress as ReturnType<typeof createProgress> | null)?.finish();
    io.stdout.write(
      json ? JSON.stringify({ key, seconds: r.seconds, copied: r.copied }) + '\n' : `restreamed ${r.seconds.toFixed(1)} s as ${key}\n`,
    );
    return 0;
  } catch (err) {
    if (err instanceof UprezError && err.code === 'JOB_CANCELLED') return 130;
    if (err instanceof UprezError && err.code === 'PUBLISH_FAILED') {
      throw new UprezError(
        'PUBLISH_FAILED',
        `${errorMessage(err)} (is \`uprez serve\` running at ${base}? is the key allowed / UPREZ_PUBLISH_SECRET right?)`,
      );
    }
    throw err;
  }
}
