import { UprezError } from '../errors.js';
import type { FfmpegBinaries } from '../ffmpeg/binaries.js';
import { signPublish, type PublishPolicy } from '../ingest/publish-auth.js';
import { ingestPublishUrl } from '../restream/publish-args.js';
import { publishFile } from '../restream/publish-file.js';
import type { PushTargets } from '../restream/push-targets.js';
import { inputLocation, resolveFileInput, type InputPolicy } from '../vod/file-input.js';
import type { JobContext, JobExecutor } from './job-manager.js';
import type { RestreamJobSpec } from './job-spec.js';

/** RestreamJobDeps are what a server-side restream needs: its own ingest and the push registry. */
export interface RestreamJobDeps {
  readonly binaries: FfmpegBinaries;
  readonly inputDir: string;
  /** rtmp://127.0.0.1:PORT/live of this server's ingest (known once it listens). */
  readonly ingestBase: () => string;
  /** The ingest's publish policy: a restream signs (hmac) or must use an allowed key (keys). */
  readonly policy: PublishPolicy;
  readonly pushTargets: PushTargets;
}

/**
 * restreamJobExecutor plays a file of the jobs input directory into this server's own ingest as
 * KEY in real time, so it goes through the live pipeline (deadline mode) and appears in
 * /api/streams with its HLS ladder; with `to`, that key's encoder also pushes the top rung there.
 */
export function restreamJobExecutor(deps: RestreamJobDeps): JobExecutor<RestreamJobSpec> {
  const inputs: InputPolicy = { root: deps.inputDir, schemes: [] };
  return {
    async prepare(spec) {
      if (deps.policy.mode === 'keys' && !deps.policy.keys.has(spec.key)) {
        throw new UprezError('JOB_INVALID', `"key" ${spec.key} is not one of the publish keys this server accepts`);
      }
      await resolveFileInput(spec.input, inputs);
      return spec;
    },
    async run(spec, ctx: JobContext) {
      const input = inputLocation(await resolveFileInput(spec.input, inputs));
      const query =
        deps.policy.mode === 'hmac' ? signPublish(deps.policy.secret, spec.key, Math.floor(Date.now() / 1000) + 6 * 3600) : undefined;
      const unregister = spec.to ? deps.pushTargets.set(spec.key, { url: spec.to }) : () => {};
      try {
        const r = await publishFile({
          binaries: deps.binaries,
          input,
          url: ingestPublishUrl(deps.ingestBase(), spec.key, query),
          log: ctx.log,
          signal: ctx.signal,
          onProgress: (seconds, duration) =>
            ctx.progress({
              done: Number(seconds.toFixed(1)),
              total: duration,
              unit: 'seconds',
              rate: 1,
              etaSeconds: duration === null ? null : Math.max(0, Math.round(duration - seconds)),
            }),
        });
        return {
          key: spec.key,
          seconds: Number(r.seconds.toFixed(2)),
          pushedTo: spec.to ? redactUrl(spec.to) : null,
          copied: r.copied,
          hls: `/hls/${spec.key}/master.m3u8`,
        };
      } finally {
        unregister();
      }
    },
  };
}

/** redactUrl keeps a push URL's scheme, host and app but not its stream key or query (often a secret). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    const parts = u.pathname.split('/').filter(Boolean);
    return `${u.protocol}//${u.host}/${parts
      .slice(0, -1)
      .concat(parts.length ? ['***'] : [])
      .join('/')}`;
  } catch {
    return '***';
  }
}
