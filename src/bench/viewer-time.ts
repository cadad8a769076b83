/**
 * The time-only half of the viewer benchmark: a real clip scaled to the sizes live streams carry
 * (640x360, 1280x720) and looped to a fixed length, published live with the model and with
 * bicubic only, interleaved, for the AI share and the output frame rate (nothing is scored).
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fmt, median } from './bench-stats.js';
import { runFfmpeg } from '../ffmpeg/run-ffmpeg.js';
import { countFrames, noteLoad, probeVideo, serveFlags, sideOrder, type Side, type ViewerContext } from './viewer-context.js';
import { loopedClipArgs, rateValue } from './viewer-media.js';
import type { TimeCase, TimeRun } from './viewer-report.js';
import { runLive } from './viewer-run.js';

/** TIME_SIZES are the input sizes of the time-only runs. */
export const TIME_SIZES: readonly { readonly width: number; readonly height: number }[] = [
  { width: 640, height: 360 },
  { width: 1280, height: 720 },
];

/** FPS_SKIP is how many outputFps samples (1 s apart) are skipped as start-up before the median. */
export const FPS_SKIP = 3;

/** TimeOptions: the source clip, sizes, length, repeats, the publisher's CRF and the scratch folder. */
export interface TimeOptions {
  readonly source: string;
  readonly sizes: readonly { readonly width: number; readonly height: number }[];
  readonly seconds: number;
  readonly repeats: number;
  readonly crf: number;
  readonly dir: string;
  /** The publisher's keyframe interval, s (default 2). */
  readonly gopSeconds?: number;
}

/** runTimeCases runs every size, model and bicubic interleaved per repeat. */
export async function runTimeCases(c: ViewerContext, o: TimeOptions): Promise<TimeCase[]> {
  const probe = await probeVideo(c, o.source);
  const cases: TimeCase[] = [];
  for (const size of o.sizes) {
    const inSize = `${size.width}x${size.height}`;
    const clip = path.join(o.dir, `time-${inSize}.flv`);
    await runFfmpeg({
      bin: c.ffmpeg,
      args: loopedClipArgs(
        o.source,
        { ...size, crf: o.crf, rate: probe.rate, ...(o.gopSeconds ? { gopSeconds: o.gopSeconds } : {}) },
        o.seconds,
        clip,
      ),
      name: 'ffmpeg',
      log: c.log,
      timeoutMs: null,
    });
    const runs: Record<Side, TimeRun[]> = { model: [], bicubic: [] };
    try {
      const published = await countFrames(c, clip);
      for (let r = 0; r < o.repeats; r++) {
        for (const side of sideOrder(r)) {
          const load = noteLoad(c);
          const run = await runLive({
            ffmpeg: c.ffmpeg,
            cli: c.server.cli,
            ...(c.server.cwd ? { cwd: c.server.cwd } : {}),
            clip,
            key: `time-${side}-${r}`,
            serveFlags: serveFlags(c.server, side),
            lumaOut: null,
            log: c.log,
          });
          const f = run.stream.frames;
          const t: TimeRun = {
            aiShare: f.out ? f.model / f.out : 0,
            aiPixelShare: run.stream.aiPixelShare,
            fps: median(run.fpsSamples.slice(FPS_SKIP)),
            framesIn: f.in,
            framesOut: f.out,
            deadlineMisses: run.stream.deadlineMisses,
            drainSeconds: run.drainSeconds,
            load,
            warnings: run.warnings,
          };
          runs[side].push(t);
          c.progress(
            `viewer: time ${inSize} repeat ${r + 1}/${o.repeats} ${side}: AI pixels ${fmt(100 * t.aiPixelShare, 1)} %, frames ${fmt(100 * t.aiShare, 1)} % (load ${fmt(load, 2)}), ${fmt(t.fps, 2)} fps, drain ${fmt(t.drainSeconds, 1)} s, frames ${t.framesIn}/${t.framesOut} of ${published}`,
          );
        }
      }
      cases.push({ inSize, inputFps: rateValue(probe.rate), published, model: runs.model, bicubic: runs.bicubic });
    } finally {
      await rm(clip, { force: true });
    }
  }
  return cases;
}
