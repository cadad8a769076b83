/**
 * The scored half of the viewer benchmark: a truth clip, its publisher encodes (one per CRF),
 * live runs with the model and with bicubic only, side by side and interleaved, each decoded and
 * scored against the truth.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { UprezError } from '../errors.js';
import { fmt } from './bench-stats.js';
import { runFfmpeg } from '../ffmpeg/run-ffmpeg.js';
import { LumaFile } from './luma-file.js';
import { noteLoad, probeVideo, SCALE, serveFlags, sideOrder, type Side, type ViewerContext } from './viewer-context.js';
import type { ViewerClip } from './viewer-clips.js';
import { cropToScale, decodeLumaArgs, publisherArgs, truthArgs, type Rate } from './viewer-media.js';
import type { QualityCase, QualityRun } from './viewer-report.js';
import { scoreLuma } from './luma-score.js';
import { runOffline, type OfflineScore } from './viewer-offline.js';
import { runLive, type ApiStream } from './viewer-run.js';

/** QualityOptions: CRFs, repeats, SSIM sampling, and the scratch folder. */
export interface QualityOptions {
  readonly crfs: readonly number[];
  readonly repeats: number;
  readonly ssimEvery: number;
  readonly dir: string;
  /** The publisher's keyframe interval, s (default 2). */
  readonly gopSeconds?: number;
  /** Also score `uprez file` in quality mode (the model on every frame) as the ceiling. */
  readonly offline?: boolean;
}

/** QualityExtra is what the notes need besides the table: models used and alignment margins. */
export interface QualityExtra {
  readonly models: Set<string>;
  /** Smallest margin (dB) by which the chosen start offset beat the runner-up, over all runs. */
  minAlignMargin: number;
  provider: string | null;
}

/** scoreRun scores one live run's decoded luma (scoreLuma) and adds the stream's frame counts. */
export async function scoreRun(
  lumaOut: string,
  truth: LumaFile,
  stream: ApiStream,
  decoded: number,
  ssimEvery: number,
): Promise<Omit<QualityRun, 'load' | 'warnings'> & { alignMargin: number }> {
  const { score: s, align: a } = await scoreLuma(lumaOut, truth, ssimEvery);
  return {
    psnr: s.psnr,
    ssim: s.ssim,
    staticFlicker: s.staticFlicker,
    staticShare: s.staticShare,
    psnrAt: s.psnrAt,
    ssimAt: s.ssimAt,
    scored: s.frames,
    aiShare: stream.frames.out ? stream.frames.model / stream.frames.out : 0,
    aiPixelShare: stream.aiPixelShare,
    framesIn: stream.frames.in,
    framesOut: stream.frames.out,
    decoded,
    offset: a.offset,
    startOffset: a.startOffset,
    endOffset: a.endOffset,
    alignMargin: a.margin,
  };
}

/** runQualityClip measures one clip at every CRF; returns a case per CRF. */
export async function runQualityClip(c: ViewerContext, clip: ViewerClip, o: QualityOptions, extra: QualityExtra): Promise<QualityCase[]> {
  const first = clip.files[0];
  if (!first) throw new UprezError('BENCH_NOT_READY', `clip ${clip.name} has no files`);
  const probe = await probeVideo(c, first);
  const { width, height } = cropToScale(probe.width, probe.height, SCALE);
  const truthY4m = path.join(o.dir, `${clip.name}.truth.y4m`);
  const truthY = path.join(o.dir, `${clip.name}.truth.y`);
  await runFfmpeg({
    bin: c.ffmpeg,
    args: truthArgs(clip.files, width, height, probe.rate, truthY4m),
    name: 'ffmpeg',
    log: c.log,
    timeoutMs: null,
  });
  await runFfmpeg({ bin: c.ffmpeg, args: decodeLumaArgs(truthY4m, truthY), name: 'ffmpeg', log: c.log, timeoutMs: null });
  const truth = new LumaFile(truthY, width, height);
  const cases: QualityCase[] = [];
  try {
    for (const crf of o.crfs) cases.push(await oneCrf(c, clip, truth, truthY4m, probe.rate, crf, o, extra));
  } finally {
    truth.close();
    await rm(truthY4m, { force: true });
    await rm(truthY, { force: true });
  }
  return cases;
}

async function oneCrf(
  c: ViewerContext,
  clip: ViewerClip,
  truth: LumaFile,
  truthY4m: string,
  rate: Rate,
  crf: number,
  o: QualityOptions,
  extra: QualityExtra,
): Promise<QualityCase> {
  const w = truth.width / SCALE;
  const h = truth.height / SCALE;
  const pub = path.join(o.dir, `${clip.name}.crf${crf}.flv`);
  await runFfmpeg({
    bin: c.ffmpeg,
    args: publisherArgs(truthY4m, { width: w, height: h, crf, rate, ...(o.gopSeconds ? { gopSeconds: o.gopSeconds } : {}) }, pub),
    name: 'ffmpeg',
    log: c.log,
    timeoutMs: null,
  });
  const runs: Record<Side, QualityRun[]> = { model: [], bicubic: [] };
  let liveModel: string | null = null;
  let offline: OfflineScore | undefined;
  try {
    for (let r = 0; r < o.repeats; r++) {
      for (const side of sideOrder(r)) {
        const load = noteLoad(c);
        const lumaOut = path.join(o.dir, `${clip.name}.out.y`);
        const key = `viewer-${side}-${r}`;
        const run = await runLive({
          ffmpeg: c.ffmpeg,
          cli: c.server.cli,
          ...(c.server.cwd ? { cwd: c.server.cwd } : {}),
          clip: pub,
          key,
          serveFlags: serveFlags(c.server, side),
          lumaOut,
          log: c.log,
        });
        if (run.top.width !== truth.width || run.top.height !== truth.height) {
          throw new UprezError(
            'BENCH_OUTPUT_INVALID',
            `top rendition is ${run.top.width}x${run.top.height}, the truth ${truth.width}x${truth.height}`,
          );
        }
        const scored = await scoreRun(lumaOut, truth, run.stream, run.decodedFrames ?? 0, o.ssimEvery);
        extra.minAlignMargin = Math.min(extra.minAlignMargin, scored.alignMargin);
        for (const m of Object.keys(run.stream.frames.byModel)) extra.models.add(m);
        if (side === 'model' && run.stream.provider) extra.provider = run.stream.provider;
        if (side === 'model') liveModel = run.stream.model ?? liveModel;
        runs[side].push({ ...scored, load, warnings: run.warnings });
        c.progress(
          `viewer: ${clip.name} CRF ${crf} repeat ${r + 1}/${o.repeats} ${side}: Y-PSNR ${fmt(scored.psnr, 2)} dB, SSIM ${fmt(scored.ssim, 4)}, AI pixels ${fmt(100 * scored.aiPixelShare, 1)} %, frames ${fmt(100 * scored.aiShare, 1)} % (load ${fmt(load, 2)}), frames ${scored.framesIn}/${scored.framesOut}/${scored.decoded} of ${truth.count}, offset ${scored.offset} (start ${scored.startOffset}, end ${scored.endOffset})`,
        );
      }
    }
    if (o.offline) {
      offline = await runOffline(c, pub, truth, liveModel ?? 'bicubic', o.dir, o.ssimEvery);
      c.progress(
        `viewer: ${clip.name} CRF ${crf} offline (uprez file, every frame): ${offline.model} ${fmt(offline.psnrModel, 2)} dB, bicubic ${fmt(offline.psnrBicubic, 2)} dB`,
      );
    }
  } finally {
    await rm(pub, { force: true });
  }
  return {
    clip: clip.name,
    inSize: `${w}x${h}`,
    outSize: `${truth.width}x${truth.height}`,
    crf,
    truthFrames: truth.count,
    model: runs.model,
    bicubic: runs.bicubic,
    ...(offline ? { offline } : {}),
  };
}
