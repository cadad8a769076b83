import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Decoder } from '../decode/decoder.js';
import type { VideoInfo } from '../decode/video-info.js';
import { Encoder } from '../encode/encoder.js';
import { UprezError } from '../errors.js';
import { probeMedia } from '../ffmpeg/probe.js';
import type { ProcessExit } from '../ffmpeg/supervised-process.js';
import type { Logger } from '../log/logger.js';
import { RateWindow } from '../stream/rate-window.js';
import { frameGeometry, type FrameGeometry, type UpscaledFrame } from '../upscale/frame.js';
import { createUpscaleStage } from '../upscale/upscale-stage.js';
import { lockOutputDir } from './dir-lock.js';
import { inputLocation } from './file-input.js';
import { readJobState, sameJob, writeJobState, type FileJobIdentity, type FileJobState } from './job-state-file.js';
import { resumePointFor, segmentPlanFor, segmentsComplete, type ResumePoint, type SegmentPlan } from './segment-plan.js';
import { UpscaleChain } from './upscale-chain.js';
import type { FileTranscodeOptions, FileTranscodeResult } from './file-transcode-types.js';
import { EXTRA_RUNG_HEIGHTS, rewriteFinishedJob } from './rewrite-finished-job.js';
import { finalizeVod } from './vod-finalize.js';

export type { FileProgress, FileTranscodeOptions, FileTranscodeResult } from './file-transcode-types.js';

/** Every file job's timeline starts here (seconds): each run then shifts by the same amount (see below). */
const TIMELINE_BASE_SECONDS = 10;
/** Audio kept before the encoder exists (4 s of s16le 48 kHz stereo). */
const PENDING_AUDIO_BYTES = 4 * 48_000 * 4;

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
  private decoder: Decoder | null = null;
  private chain: UpscaleChain | null = null;
  private encoder: Encoder | null = null;
  private plan: SegmentPlan | null = null;
  private resume: ResumePoint = { startSegment: 0, startFrame: 0, startSeconds: 0 };
  private state: FileJobState | null = null;
  private saving: Promise<void> = Promise.resolve();
  private totalEstimate: number | null = null;
  private geometry: FrameGeometry | null = null;
  private seq = 0;
  private framesOut = 0;
  private lastProgress = 0;
  /** Why the decoder is paused: model warm-up, the upscale stages full, the encoder behind (video or, past its bound, audio). */
  private waits = { warmUp: false, stage: false, encoder: false, audio: false };
  private pendingAudio: Buffer[] = [];
  private pendingAudioBytes = 0;
  private stopped = false;
  private decoderDone = false;
  private failure: UprezError | null = null;
  private resolveDone!: (exit: ProcessExit) => void;
  private readonly done = new Promise<ProcessExit>((r) => (this.resolveDone = r));

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
        this.log.info('resuming', { segment: this.resume.startSegment, frame: this.resume.startFrame, atSeconds: +this.resume.startSeconds.toFixed(3) });
      }
    } else if (prev) {
      this.log.info('the output directory holds another job (input or settings differ); starting over', { dir: o.outDir });
      for (const r of prev.rungs) await rm(path.join(o.outDir, r), { recursive: true, force: true });
    }
    const probedFps = video.fps ?? (fps ? fps.num / fps.den : undefined);
    if (duration !== undefined && probedFps) this.totalEstimate = Math.max(1, Math.round(duration * probedFps));

    const decoder = new Decoder({ binaries: o.binaries, input: location, hasAudio, log: this.log, seekSeconds: this.resume.startSeconds, ...(fps ? { fps } : {}) });
    this.decoder = decoder;
    decoder.on('info', (info) => this.onInfo(info, identity, hasAudio));
    decoder.on('frame', (data) => this.onFrame(data));
    decoder.on('audio', (chunk) => this.onAudio(chunk));
    decoder.on('exit', (e) => this.resolveDone(e));
    const abort = (): void => this.stop(cancelled());
    o.signal?.addEventListener('abort', abort, { once: true });
    try {
      decoder.start();
      const exit = await this.done;
      return await this.complete(exit, hasAudio);
    } finally {
      o.signal?.removeEventListener('abort', abort);
      this.chain?.close();
      await Promise.allSettled([this.decoder?.close(), this.encoder?.close()]);
      await this.saving;
    }
  }

  private onInfo(info: VideoInfo, identity: FileJobIdentity, hasAudio: boolean): void {
    const prev = this.state;
    if (prev && (prev.width !== info.width || prev.height !== info.height || prev.fpsNum !== info.fpsNum || prev.fpsDen !== info.fpsDen)) {
      this.stop(new UprezError('FILE_CHANGED', `the input now decodes as ${info.width}x${info.height} at ${info.fpsNum}/${info.fpsDen}, not as the saved job says; delete ${this.o.outDir} to start over`));
      return;
    }
    const plan = this.plan ?? segmentPlanFor(info, identity.segmentSeconds);
    this.plan = plan;
    const g = frameGeometry(info.width, info.height);
    this.geometry = g;
    const up = this.o.upscale;
    const stages = Array.from({ length: up.passes }, () => createUpscaleStage({ mode: 'quality', scale: up.passScale, runner: up.runner, maxInFlight: this.o.maxInFlight ?? 4, log: this.log }));
    const chain = new UpscaleChain(stages);
    chain.onOutput((f) => this.onUpscaled(f));
    this.chain = chain;
    const encoder = new Encoder({
      binaries: this.o.binaries,
      outDir: this.o.outDir,
      source: info,
      scale: up.scale,
      hasAudio,
      live: false,
      log: this.log,
      segmentFrames: plan.segmentFrames,
      startNumber: this.resume.startSegment,
      outputTsOffsetSeconds: TIMELINE_BASE_SECONDS + this.resume.startSeconds,
      extraRungHeights: EXTRA_RUNG_HEIGHTS,
    });
    this.encoder = encoder;
    encoder.on('drain', () => {
      this.waits.audio = false;
      this.setWait('encoder', false);
    });
    encoder.on('segment', (rung, file) => this.onSegment(rung, file));
    encoder.on('exit', (e) => {
      if (!this.stopped && !this.decoderDone) this.stop(new UprezError('FILE_ENCODE_FAILED', `the encoder exited mid-job (code ${e.code}): ${e.stderrTail.slice(-3).join(' | ')}`));
    });
    encoder.start();
    for (const chunk of this.pendingAudio) encoder.writeAudio(chunk);
    this.pendingAudio = [];
    this.state = {
      version: 1,
      ...identity,
      width: info.width,
      height: info.height,
      fpsNum: info.fpsNum,
      fpsDen: info.fpsDen,
      hasAudio,
      segmentFrames: plan.segmentFrames,
      rungs: encoder.rungs.map((r) => r.name),
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
      rungs: this.state.rungs.join(','),
      segmentFrames: plan.segmentFrames,
    });
    this.setWait('warmUp', true);
    void chain.warmUp(g, up.passScale).finally(() => this.setWait('warmUp', false));
  }

  private onFrame(data: Uint8Array): void {
    const chain = this.chain;
    const g = this.geometry;
    const plan = this.plan;
    if (!chain || !g || !plan || this.stopped) return;
    const seq = this.seq++;
    const now = performance.now();
    // Quality mode has no deadline; the field is kept for the frame contract.
    chain.push({ seq, pts: ((this.resume.startFrame + seq) * plan.fpsDen) / plan.fpsNum, arrivedAt: now, deadline: Number.POSITIVE_INFINITY, geometry: g, data });
    if (!this.waits.stage) {
      this.setWait('stage', true);
      void chain.whenReady().then(() => this.setWait('stage', false));
    }
  }

  private onAudio(chunk: Buffer): void {
    if (this.stopped) return;
    // Audio is never held back for video; only past the encoder's audio bound (writeAudio false:
    // the encoder is stuck) does the decoder wait, until `drain`.
    if (!this.encoder) {
      // Before the first frame tells the size there is no encoder yet: keep a bounded backlog.
      if (this.pendingAudioBytes + chunk.length <= PENDING_AUDIO_BYTES) {
        this.pendingAudio.push(chunk);
        this.pendingAudioBytes += chunk.length;
      }
    }
    else if (!this.encoder.writeAudio(chunk)) this.setWait('audio', true);
  }

  private onUpscaled(f: UpscaledFrame): void {
    const encoder = this.encoder;
    if (!encoder || this.stopped) return;
    this.framesOut++;
    const now = performance.now();
    this.rate.mark(now);
    if (!encoder.writeFrame(f.data)) this.setWait('encoder', true);
    if (now - this.lastProgress >= 500) this.progress(now);
  }

  private setWait(kind: keyof FileTranscode['waits'], on: boolean): void {
    this.waits[kind] = on;
    if (on) this.decoder?.pause();
    else if (!this.waits.warmUp && !this.waits.stage && !this.waits.encoder && !this.waits.audio) this.decoder?.resume();
  }

  private onSegment(rung: string, file: string): void {
    const n = Number(/seg_(\d+)\.ts$/.exec(file)?.[1]);
    if (!Number.isInteger(n) || this.stopped || !this.state || !this.plan) return;
    this.highest.set(rung, Math.max(n, this.highest.get(rung) ?? -1));
    let done = segmentsComplete(this.state.rungs, this.highest);
    // Before the input has ended, a segment is whole only once the frame after it was written.
    if (!this.decoderDone) done = Math.min(done, Math.floor((this.resume.startFrame + (this.encoder?.framesWritten ?? 0) - 1) / this.plan.segmentFrames));
    if (done <= this.state.segmentsDone) return;
    this.state = { ...this.state, segmentsDone: done, updatedAt: new Date().toISOString() };
    this.log.info('segment finished', { segment: done - 1, rungs: this.state.rungs.length });
    this.save();
  }

  private save(): void {
    const state = this.state;
    if (!state) return;
    this.saving = this.saving.then(() => writeJobState(this.o.outDir, state)).catch((err: unknown) => this.log.error('could not save the job state', { err }));
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

  /** stop ends the job early: children are closed, the state keeps what was finished. */
  private stop(why: UprezError): void {
    if (this.stopped) return;
    this.stopped = true;
    this.failure = why;
    this.log.warn('file job stopping', { code: why.code, why: why.message });
    this.chain?.close();
    void this.encoder?.close();
    void this.decoder?.close();
  }

  private async complete(exit: ProcessExit, hasAudio: boolean): Promise<FileTranscodeResult> {
    this.decoderDone = true;
    if (this.failure) throw this.failure;
    if (exit.code !== 0) {
      this.stop(new UprezError('FILE_DECODE_FAILED', `decoding ${inputLocation(this.o.input)} failed (code ${exit.code}): ${exit.error ?? exit.stderrTail.slice(-3).join(' | ')}`));
      throw this.failure as unknown as UprezError;
    }
    const encoder = this.encoder;
    const plan = this.plan;
    if (!encoder || !plan || !this.chain || !this.state) throw new UprezError('FILE_EMPTY', 'the input produced no video frames');
    await this.chain.flush();
    const encExit = await encoder.end();
    if (this.failure) throw this.failure;
    if (encExit.code !== 0) throw new UprezError('FILE_ENCODE_FAILED', `the encoder failed (code ${encExit.code}): ${encExit.stderrTail.slice(-3).join(' | ')}`);
    const totalFrames = this.resume.startFrame + this.framesOut;
    this.progress(performance.now());
    // The encode is complete: a rerun after a failure below only has to finish the output.
    this.state = { ...this.state, segmentsDone: Math.ceil(totalFrames / plan.segmentFrames), totalFrames, updatedAt: new Date().toISOString() };
    this.save();
    await this.saving;
    const result = await finalizeVod({ binaries: this.o.binaries, log: this.log, outDir: this.o.outDir, input: inputLocation(this.o.input), rungs: encoder.rungs, plan, totalFrames, mp4: this.o.mp4, signal: this.o.signal });
    this.state = { ...this.state, segmentsDone: result.segments, totalFrames, finished: true, updatedAt: new Date().toISOString() };
    this.save();
    await this.saving;
    const seconds = (performance.now() - this.started) / 1000;
    this.log.info('file job finished', { frames: totalFrames, thisRun: this.framesOut, segments: result.segments, seconds: +seconds.toFixed(1) });
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
