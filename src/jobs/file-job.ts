import path from 'node:path';
import type { FfmpegBinaries } from '../ffmpeg/binaries.js';
import type { ProviderChoice } from '../upscale/model-runner.js';
import { inputLocation, resolveFileInput, type InputPolicy } from '../vod/file-input.js';
import { transcodeFile } from '../vod/file-transcode.js';
import { describeFileDenoise, planFileDenoise } from '../vod/file-denoise-plan.js';
import { openUpscalePlan } from '../vod/upscale-plan.js';
import type { JobContext, JobExecutor } from './job-manager.js';
import type { FileJobSpec } from './job-spec.js';

/** FileJobDeps are the server-wide settings a file job runs with. */
export interface FileJobDeps {
  readonly binaries: FfmpegBinaries;
  /** The jobs input directory: inputs must be files inside it. */
  readonly inputDir: string;
  /** The data dir: results are reported relative to it. */
  readonly dataDir: string;
  readonly provider: ProviderChoice;
  readonly modelsDir?: string;
}

/**
 * fileJobExecutor runs `uprez file` jobs for the HTTP API: the input must be a regular file inside
 * the jobs input directory (no URLs: a server fetching URLs on request is an SSRF hole), the
 * output goes to DATA_DIR/jobs/ID/, and each job loads its own model runner (closed after), so a
 * file job never queues frames behind the live streams' runner.
 */
export function fileJobExecutor(deps: FileJobDeps): JobExecutor<FileJobSpec> {
  const policy: InputPolicy = { root: deps.inputDir, schemes: [] };
  return {
    async prepare(spec) {
      const input = await resolveFileInput(spec.input, policy);
      return { ...spec, input: input.kind === 'file' ? path.relative(deps.inputDir, input.path) : spec.input };
    },
    async run(spec, ctx: JobContext) {
      const input = await resolveFileInput(spec.input, policy);
      const dir = deps.modelsDir ? { modelsDir: deps.modelsDir } : {};
      const d =
        spec.denoise === undefined
          ? null
          : await planFileDenoise({
              denoise: spec.denoise,
              ffprobe: deps.binaries.ffprobe,
              input: inputLocation(input),
              model: spec.model,
              scale: spec.scale,
              x4: spec.x4,
              ...dir,
            });
      if (d) ctx.log.info(describeFileDenoise(d), { denoiseLevel: d.level, model: d.model ?? null });
      const plan = await openUpscalePlan({
        model: d ? d.model : spec.model,
        scale: spec.scale,
        provider: deps.provider,
        x4: d ? d.x4 : spec.x4,
        log: ctx.log,
        ...dir,
      });
      try {
        const r = await transcodeFile({
          binaries: deps.binaries,
          input,
          outDir: ctx.outDir,
          upscale: plan,
          mp4: spec.mp4,
          log: ctx.log,
          signal: ctx.signal,
          onProgress: (p) =>
            ctx.progress({
              done: p.framesDone,
              total: p.totalFrames,
              unit: 'frames',
              rate: Number(p.fps.toFixed(2)),
              etaSeconds: p.etaSeconds === null ? null : Math.round(p.etaSeconds),
            }),
        });
        const rel = (p: string): string => path.relative(deps.dataDir, p);
        // Served by /vod/ID/… (the output directory's name is the job id).
        const url = (p: string): string => `/vod/${path.basename(ctx.outDir)}/${path.relative(ctx.outDir, p).split(path.sep).join('/')}`;
        return {
          master: rel(r.master),
          mp4: r.mp4 ? rel(r.mp4) : null,
          masterUrl: url(r.master),
          mp4Url: r.mp4 ? url(r.mp4) : null,
          subtitles: r.subtitles,
          segments: r.segments,
          frames: r.totalFrames,
          resumedAtSegment: r.resumedAtSegment,
          source: r.source,
          output: r.output,
          rungs: r.rungs,
          upscaler: r.upscaler,
          seconds: Number(r.seconds.toFixed(2)),
        };
      } finally {
        await plan.close();
      }
    },
  };
}
