import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildLadder } from '../encode/ladder.js';
import { REAL_FACTORIES } from '../session/real-factories.js';
import { TranscodeSession, type SessionEnd, type SessionSetup } from '../session/transcode-session.js';
import type { VideoInfo } from '../decode/video-info.js';
import { UprezError } from '../errors.js';
import { probeMedia } from '../ffmpeg/probe.js';
import type { ProcessExit } from '../ffmpeg/supervised-process.js';
import type { Logger } from '../log/logger.js';
import { RateWindow } from '../stream/rate-window.js';
import { createUpscaleStage } from '../upscale/upscale-stage.js';
import { lockOutputDir } from './dir-lock.js';
import { inputLocation } from './file-input.js';
import { readJobState, sameJob, writeJobState, type FileJobIdentity, type FileJobState } from './job-state-file.js';
import { resumePointFor, segmentPlanFor, segmentsComplete, type ResumePoint, type SegmentPlan } from './segment-plan.js';
import { UpscaleChain } from '../upscale/upscale-chain.js';
import type { FileTranscodeOptions, FileTranscodeResult } from './file-transcode-types.js';
import { EXTRA_RUNG_HEIGHTS, rewriteFinishedJob } from './rewrite-finished-job.js';
import { finalizeVod } from './vod-finalize.js';

export type { FileProgress, FileTranscodeOptions, FileTranscodeResult } from './file-transcode-types.js';

/** Every file job's timeline starts here (seconds): each run then shifts by the same amount (see below). */
const TIMELINE_BASE_SECONDS = 10;

/**
 * transcodeFile runs one file job: decoder (-ss at the first missing segment when resuming) ->
 * upscale stage(s) in quality mode (every frame through the model) -> encoder writing an HLS
 * ladder in segments of a fixed number of frames, then finalizeVod (VOD playlists, subtitles,
 * MP4). Progress is kept in DIR/.uprez-job.json after each segment finished in every rung, so an
 * interrupted job (killed, cancelled, crashed) continues from there on the next run.
 *
 * Timestamps: run r's output is shifted by TIMELINE_BASE_SECONDS + its start time. The base keeps
 * every run's first timestamps positive (AAC priming starts audio 21 ms early, and ffmpeg would
 * shift a run that starts negative by that much, so the first run would sit 21 ms off the others).
 */
export async function transcodeFile(o: FileTranscodeOptions): Promise<FileTranscodeResult> {
  await mkdir(o.outDir, { recursive: true });
  const release = await lockOutputDir(o.outDir);
  try {
    return await new FileTranscode(o).run();
  } finally {
    await release();
  }
}

class FileTranscode {
  private readonly log: Logger;
  private readonly started = performance.now();
  private readonly rate = new RateWindow(5_000);
  private readonly highest = new Map<string, number>();
  private session: TranscodeSession | null = null;
  private chain: UpscaleChain | null = null;
  private plan: SegmentPlan | null = null;
  private resume: ResumePoint = { startSegment: 0, startFrame: 0, startSeconds: 0 };
  private state: FileJobState | null = null;
  private saving: Promise<void> = Promise.resolve();
  private totalEstimate: number | null = null;
  private framesOut = 0;
  private lastProgress = 0;
  private stopped = false;
  private ended = false;
  private failure: UprezError | null = null;

  constructor(private readonly o: FileTranscodeOptions) {
    this.log = o.log.child({ stage: 'file' });
  }

  async run(): Promise<FileTranscodeResult> {
    const o = this.o;
    const location = inputLocation(o.input);
    if (o.signal?.aborted) throw cancelled();
    await mkdir(o.outDir, { recursive: true });
    const probe = await probeMedia(o.binaries.ffprobe, location);
    const video = probe.streams.find((s) => s.codecType === 'video');
    if (!video) throw new UprezError('FILE_NO_VIDEO', `${location} has no video stream`);
    const hasAudio = probe.streams.some((s) => s.codecType === 'audio');
    const duration = probe.format.duration ?? video.duration;
    const identity: FileJobIdentity = {
      input: location,
      inputSize: o.input.kind === 'file' ? o.input.size : null,
      inputMtimeMs: o.input.kind === 'file' ? o.input.mtimeMs : null,
      scale: o.upscale.scale,
      upscaler: o.upscale.description,
      segmentSeconds: o.segmentSeconds ?? 2,
    };
    const prev = await readJobState(o.outDir);
    let fps: { num: number; den: number } | undefined;
    if (prev && sameJob(prev, identity) && prev.hasAudio === hasAudio) {
      // Encoded to the end (totalFrames is set then): only the playlists, subtitles and MP4 are (re)written.
      if (prev.totalFrames !== null) return rewriteFinishedJob(prev, o, this.log, this.started);
      this.plan = { segmentFrames: prev.segmentFrames, fpsNum: prev.fpsNum, fpsDen: prev.fpsDen };
      this.resume = resumePointFor(this.plan, prev.segmentsDone);
      this.state = prev;
      fps = { num: prev.fpsNum, den: prev.fpsDen };
      if (prev.segmentsDone > 0) {
        this.log.info('resuming', {
          segment: this.resume.startSegment,
          frame: this.resume.startFrame,
          atSeconds: +this.resume.startSeconds.toFixed(3),
        });
      }
    } else if (prev) {
      this.log.info('the output directory holds another job (input or settings differ); starting over', { dir: o.outDir });
      for (const r of prev.rungs) await rm(path.join(o.outDir, r), { recursive: true, force: true });
    }
    const probedFps = video.fps ?? (fps ? fps.num / fps.den : undefined);
    if (duration !== undefined && probedFps) this.totalEstimate = Math.max(1, Math.round(duration * probedFps));

    const session = new TranscodeSession({
      id: 1,
      input: location,
      ladderAudio: hasAudio,
      sourceAudio: hasAudio,
      decoder: { seekSeconds: this.resume.startSeconds, ...(fps ? { fps } : {}) },
      endList: true,
      setup: (info) => this.setup(info, identity, hasAudio),
      frame: (seq, data, geometry, arrivedAt) => {
        const plan = this.plan as SegmentPlan;
        // Quality mode has no deadline; the field is kept for the frame contract.
        return {
          seq,
          pts: ((this.resume.startFrame + seq) * plan.fpsDen) / plan.fpsNum,
          arrivedAt,
          deadline: Number.POSITIVE_INFINITY,
          geometry,
          data,
        };
      },
      factories: o.factories ?? REAL_FACTORIES,
      binaries: o.binaries,
      log: this.log,
    });
    this.session = session;
    session.on('output', (_f, written) => this.onOutput(written));
    session.on('segment', (rung, file) => this.onSegment(rung, file));
    const abort = (): void => this.stop(cancelled());
    o.signal?.addEventListener('abort', abort, { once: true });
    try {
      const ended = new Promise<SessionEnd>((resolve) => session.on('end', resolve));
      session.start();
      const end = await ended;
      return await this.complete(end, hasAudio);
    } finally {
      o.signal?.removeEventListener('abort', abort);
      this.chain?.close();
      await session.close();
      await this.saving;
    }
  }

  /** setup: the upscale chain and the encoder, once the decoder says what it delivers (or why not). */
  private setup(info: VideoInfo, identity: FileJobIdentity, hasAudio: boolean): SessionSetup | string {
    const prev = this.state;
    if (prev && (prev.width !== info.width || prev.height !== info.height || prev.fpsNum !== info.fpsNum || prev.fpsDen !== info.fpsDen)) {
      this.failure = new UprezError(
        'FILE_CHANGED',
        `the input now decodes as ${info.width}x${info.height} at ${info.fpsNum}/${info.fpsDen}, not as the saved job says; delete ${this.o.outDir} to start over`,
      );
      return this.failure.message;
    }
    const plan = this.plan ?? segmentPlanFor(info, identity.segmentSeconds);
    this.plan = plan;
    const up = this.o.upscale;
    const stages = Array.from({ length: up.passes }, () =>
      createUpscaleStage({ mode: 'quality', scale: up.passScale, runner: up.runner, maxInFlight: this.o.maxInFlight ?? 4, log: this.log }),
    );
    const chain = new UpscaleChain(stages, up.passScale);
    this.chain = chain;
    const rungs = buildLadder(info, up.scale, hasAudio, EXTRA_RUNG_HEIGHTS).map((r) => r.name);
    this.state = {
      version: 1,
      ...identity,
      width: info.width,
      height: info.height,
      fpsNum: info.fpsNum,
      fpsDen: info.fpsDen,
      hasAudio,
      segmentFrames: plan.segmentFrames,
      rungs,
      segmentsDone: this.resume.startSegment,
      totalFrames: null,
      finished: false,
      updatedAt: new Date().toISOString(),
    };
    this.save();
    this.log.info('file job started', {
      input: `${info.width}x${info.height}@${(info.fpsNum / info.fpsDen).toFixed(3)}`,
      output: `${info.width * up.scale}x${info.height * up.scale}`,
      upscaler: up.description,
      rungs: rungs.join(','),
      segmentFrames: plan.segmentFrames,
    });
    return {
      stage: chain,
      warmUp: true,
      encoder: {
        binaries: this.o.binaries,
        outDir: this.o.outDir,
        scale: up.scale,
        hasAudio,
        live: false,
        log: this.log,
        segmentFrames: plan.segmentFrames,
        startNumber: this.resume.startSegment,
        outputTsOffsetSeconds: TIMELINE_BASE_SECONDS + this.resume.startSeconds,
        extraRungHeights: EXTRA_RUNG_HEIGHTS,
      },
    };
  }

  private onOutput(written: boolean): void {
    if (!written || this.stopped) return;
    this.framesOut++;
    const now = performance.now();
    this.rate.mark(now);
    if (now - this.lastProgress >= 500) this.progress(now);
  }

  private onSegment(rung: string, file: string): void {
    const n = Number(/seg_(\d+)\.ts$/.exec(file)?.[1]);
    if (!Number.isInteger(n) || this.stopped || !this.state || !this.plan) return;
    this.highest.set(rung, Math.max(n, this.highest.get(rung) ?? -1));
    let done = segmentsComplete(this.state.rungs, this.highest);
    // Before the input has ended, a segment is whole only once the frame after it was written.
    if (!this.ended)
      done = Math.min(
        done,
        Math.floor((this.resume.startFrame + (this.session?.currentEncoder?.framesWritten ?? 0) - 1) / this.plan.segmentFrames),
      );
    if (done <= this.state.segmentsDone) return;
    this.state = { ...this.state, segmentsDone: done, updatedAt: new Date().toISOString() };
    this.log.info('segment finished', { segment: done - 1, rungs: this.state.rungs.length });
    this.save();
  }

  private save(): void {
    const state = this.state;
    if (!state) return;
    this.saving = this.saving
      .then(() => writeJobState(this.o.outDir, state))
      .catch((err: unknown) => this.log.error('could not save the job state', { err }));
  }

  private progress(now: number): void {
    this.lastProgress = now;
    const framesDone = this.resume.startFrame + this.framesOut;
    const fps = this.rate.rate(now);
    const total = this.totalEstimate;
    this.o.onProgress?.({
      framesDone,
      totalFrames: total,
      fps,
      etaSeconds: total !== null && fps > 0 ? Math.max(0, (total - framesDone) / fps) : null,
      segmentsDone: this.state?.segmentsDone ?? 0,
      resumedAtFrame: this.resume.startFrame,
    });
  }

  /** stop ends the job early: the session stops, the state keeps what was finished. */
  private stop(why: UprezError): void {
    if (this.stopped) return;
    this.stopped = true;
    this.failure = why;
    this.log.warn('file job stopping', { code: why.code, why: why.message });
    this.chain?.close();
    void this.session?.close();
  }

  private async complete(end: SessionEnd, hasAudio: boolean): Promise<FileTranscodeResult> {
    this.ended = true;
    if (this.failure) throw this.failure;
    const tail = (e: ProcessExit): string => e.error ?? e.stderrTail.slice(-3).join(' | ');
    if (end.encoderFailed && end.encoderExit)
      throw new UprezError('FILE_ENCODE_FAILED', `the encoder exited mid-job (code ${end.encoderExit.code}): ${tail(end.encoderExit)}`);
    if (end.decoderExit.code !== 0)
      throw new UprezError(
        'FILE_DECODE_FAILED',
        `decoding ${inputLocation(this.o.input)} failed (code ${end.decoderExit.code}): ${tail(end.decoderExit)}`,
      );
    const encoder = this.session?.currentEncoder;
    const plan = this.plan;
    if (!encoder || !plan || !end.encoderExit || !this.state) throw new UprezError('FILE_EMPTY', 'the input produced no video frames');
    if (end.encoderExit.code !== 0)
      throw new UprezError('FILE_ENCODE_FAILED', `the encoder failed (code ${end.encoderExit.code}): ${tail(end.encoderExit)}`);
    const totalFrames = this.resume.startFrame + this.framesOut;
    this.progress(performance.now());
    // The encode is complete: a rerun after a failure below only has to finish the output.
    this.state = {
      ...this.state,
      segmentsDone: Math.ceil(totalFrames / plan.segmentFrames),
      totalFrames,
      updatedAt: new Date().toISOString(),
    };
    this.save();
    await this.saving;
    const result = await finalizeVod({
      binaries: this.o.binaries,
      log: this.log,
      outDir: this.o.outDir,
      input: inputLocation(this.o.input),
      rungs: encoder.rungs,
      plan,
      totalFrames,
      mp4: this.o.mp4,
      signal: this.o.signal,
    });
    this.state = { ...this.state, segmentsDone: result.segments, totalFrames, finished: true, updatedAt: new Date().toISOString() };
    this.save();
    await this.saving;
    const seconds = (performance.now() - this.started) / 1000;
    this.log.info('file job finished', {
      frames: totalFrames,
      thisRun: this.framesOut,
      segments: result.segments,
      seconds: +seconds.toFixed(1),
    });
    return {
      ...result,
      totalFrames,
      resumedAtSegment: this.resume.startSegment,
      framesThisRun: this.framesOut,
      seconds,
      source: { width: this.state.width, height: this.state.height, fps: plan.fpsNum / plan.fpsDen },
      output: { width: this.state.width * this.o.upscale.scale, height: this.state.height * this.o.upscale.scale },
      rungs: encoder.rungs.map((r) => r.name),
      upscaler: this.o.upscale.description,
      hasAudio,
    };
  }
}

function cancelled(): UprezError {
  return new UprezError('JOB_CANCELLED', 'the job was cancelled');
}
