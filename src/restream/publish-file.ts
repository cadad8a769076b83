import { UprezError } from '../errors.js';
import type { FfmpegBinaries } from '../ffmpeg/binaries.js';
import { probeMedia } from '../ffmpeg/probe.js';
import { redactorFor } from '../ffmpeg/redact.js';
import { SupervisedProcess } from '../ffmpeg/supervised-process.js';
import type { Logger } from '../log/logger.js';
import { parseProgressSeconds, publishArgs } from './publish-args.js';

/** PublishFileOptions: which archive, where to, and whom to tell how far it got. */
export interface PublishFileOptions {
  readonly binaries: FfmpegBinaries;
  /** Absolute path or URL of the archive. */
  readonly input: string;
  /** Full publish URL (with the key and any signature). */
  readonly url: string;
  readonly log: Logger;
  /** Aborting stops the publish (ffmpeg ends the FLV stream cleanly) and rejects with JOB_CANCELLED. */
  readonly signal?: AbortSignal;
  /** Seconds of the archive sent so far, and its duration when known. */
  readonly onProgress?: (seconds: number, duration: number | null) => void;
}

/** PublishFileResult reports a finished publish. */
export interface PublishFileResult {
  readonly seconds: number;
  readonly duration: number | null;
  readonly copied: { readonly video: boolean; readonly audio: boolean };
}

/**
 * publishFile plays an archive into an RTMP server in real time (ffmpeg -re, FLV) under a
 * SupervisedProcess and resolves when it has all been sent; rejects with PUBLISH_FAILED (with
 * ffmpeg's last lines: a refused key, a duplicate publish, an unreachable server) or JOB_CANCELLED.
 */
export async function publishFile(o: PublishFileOptions): Promise<PublishFileResult> {
  const probe = await probeMedia(o.binaries.ffprobe, o.input);
  const video = probe.streams.find((s) => s.codecType === 'video');
  if (!video) throw new UprezError('FILE_NO_VIDEO', `${o.input} has no video stream`);
  const audio = probe.streams.find((s) => s.codecType === 'audio');
  const duration = probe.format.duration ?? video.duration ?? null;
  const copied = { video: video.codecName === 'h264', audio: audio?.codecName === 'aac' };
  const args = publishArgs({
    input: o.input,
    url: o.url,
    hasAudio: !!audio,
    copyVideo: copied.video,
    copyAudio: copied.audio,
    gop: 2 * (video.fps ?? 25),
  });
  const log = o.log.child({ stage: 'restream' });
  const proc = new SupervisedProcess({
    name: 'publisher',
    bin: o.binaries.ffmpeg,
    args,
    log,
    stdin: 'ignore',
    killTimeoutMs: 3000,
    redact: redactorFor([o.url]),
  });
  if (o.signal?.aborted) throw new UprezError('JOB_CANCELLED', 'the restream was cancelled');
  const stop = (): void => void proc.stop();
  o.signal?.addEventListener('abort', stop, { once: true });
  let seconds = 0;
  try {
    proc.start();
    proc.stdout?.setEncoding('utf8');
    let partial = '';
    proc.stdout?.on('data', (chunk: string) => {
      // Lines may be split across chunks: only whole ones are read.
      const text = partial + chunk;
      const cut = text.lastIndexOf('\n') + 1;
      partial = text.slice(cut).slice(-256);
      const s = parseProgressSeconds(text.slice(0, cut));
      if (s !== null) {
        seconds = s;
        o.onProgress?.(s, duration);
      }
    });
    log.info('publishing', { input: o.input, copyVideo: copied.video, copyAudio: copied.audio, duration });
    const e = await proc.exited;
    if (o.signal?.aborted) throw new UprezError('JOB_CANCELLED', 'the restream was cancelled');
    if (e.code !== 0)
      throw new UprezError('PUBLISH_FAILED', `publishing failed (code ${e.code}): ${e.error ?? e.stderrTail.slice(-3).join(' | ')}`);
    return { seconds, duration, copied };
  } finally {
    o.signal?.removeEventListener('abort', stop);
    await proc.stop();
  }
}
