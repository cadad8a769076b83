import path from 'node:path';
import { errorMessage, UprezError } from '../errors.js';
import { ensureDirUnder } from './atomic-write.js';
import { NOT_AN_IMAGE, sniffFile, type ProfileMode } from './image-codec.js';
import { defaultOutputFormat, extensionOf, formatOfName, type OutputFormat } from './image-format.js';
import type { ImageJobRunner } from './image-job-runner.js';
import { statInput } from './input-file.js';
import { walkImageInputs, type WalkEntry, type WalkOptions } from './image-walk.js';
import type { LumaUpscaler } from '../upscale/luma-upscaler.js';
import { outputNameFor, outputPathUnder } from './output-name.js';
import { decideSkip, fileSystemStart, readOutputState } from './skip-check.js';
import type { TileLayout } from './tile-plan.js';
import type { ImageJobRequest } from './upscale-image-file.js';
import { createWorkDir } from './work-dir.js';

/** BatchOptions: what to upscale, where to, how, and with which model and job runner. */
export interface BatchOptions {
  readonly inputs: readonly string[];
  readonly outDir: string;
  readonly scale: number;
  /** Output format; undefined keeps each input's own format (PNG for GIF and HEIF). */
  readonly format: OutputFormat | undefined;
  readonly quality: number;
  /** Keep each input's ICC profile (default) or convert to sRGB. */
  readonly profile?: ProfileMode;
  /** Keep EXIF, XMP and IPTC (default: only the ICC profile). */
  readonly metadata?: boolean;
  /** Tiles of one image in flight at once (default 2). */
  readonly tilesInFlight?: number;
  /** Tile size and context (default DEFAULT_TILE_LAYOUT); for tests. */
  readonly tile?: TileLayout;
  /** Redo inputs whose output is already up to date. */
  readonly force: boolean;
  /** Images in flight at once (each holds its decoded planes until written). */
  readonly inFlight: number;
  readonly luma: LumaUpscaler;
  /** Per-input model choice (e.g. --denoise auto); its note joins the output's notes. Default: `luma` for every input. */
  readonly lumaFor?: (input: string) => Promise<{ readonly luma: LumaUpscaler; readonly note?: string }>;
  readonly runner: ImageJobRunner;
  readonly walk?: WalkOptions;
  /** Called once per input, as it is decided. */
  readonly onEvent: (e: BatchEvent) => void;
  /** Called as an image's tiles are done. */
  readonly onProgress?: (input: string, done: number, total: number) => void;
  /** The run's start in ms, compared with output mtimes (default: the file system's clock in outDir); for tests. */
  readonly clock?: () => number;
  /** Aborting stops taking new inputs; the images in flight are finished (or fail) and written whole. */
  readonly signal?: AbortSignal;
}

/** BatchEvent is what happened to one input. */
export type BatchEvent =
  | {
      readonly kind: 'done';
      readonly input: string;
      readonly output: string;
      readonly width: number;
      readonly height: number;
      readonly outWidth: number;
      readonly outHeight: number;
      readonly inferMs: number | null;
      /** Size of the output file. */
      readonly bytes: number;
      /** What was changed that a user may not expect (see notesFor). */
      readonly notes: readonly string[];
    }
  | { readonly kind: 'skipped'; readonly input: string; readonly output: string; readonly reason: string }
  | { readonly kind: 'failed'; readonly input: string; readonly reason: string }
  | { readonly kind: 'ignored'; readonly input: string; readonly reason: string };

/** BatchSummary counts the events of a run. */
export interface BatchSummary {
  readonly done: number;
  readonly skipped: number;
  readonly failed: number;
  readonly ignored: number;
  readonly seconds: number;
  /** True when the signal stopped the run before the walk ended. */
  readonly stopped: boolean;
}

/** countImages walks the inputs once without reading any image, for a progress total. */
export async function countImages(inputs: readonly string[], walk?: WalkOptions): Promise<number> {
  let n = 0;
  for await (const e of walkImageInputs(inputs, walk)) if (e.kind === 'image') n++;
  return n;
}

/**
 * runImageBatch upscales every image the walk finds, at most `inFlight` at a time (a semaphore on the
 * walk, so neither the file list nor the pictures pile up in memory), and reports each input through
 * onEvent: done, skipped (output up to date), failed (one reason) or ignored. A failure never stops
 * the batch. Outputs go to outDir/<sub-folders>/<name>.<ext> of the format asked or the input's own.
 * Working files go to a hidden folder in outDir, removed at the end (and by the next run after a kill).
 */
export async function runImageBatch(o: BatchOptions): Promise<BatchSummary> {
  // The start in the file system's clock (what output mtimes are stamped with), unless a test sets one.
  const root = await ensureDirUnder(o.outDir, []);
  const startedMs = o.clock ? o.clock() : await fileSystemStart(root);
  const work = await createWorkDir(root);
  try {
    return await runAll(o, startedMs, work.path);
  } finally {
    await work.close();
  }
}

async function runAll(o: BatchOptions, startedMs: number, workDir: string): Promise<BatchSummary> {
  const t0 = performance.now();
  const counts = { done: 0, skipped: 0, failed: 0, ignored: 0 };
  const emit = (e: BatchEvent): void => {
    counts[e.kind]++;
    o.onEvent(e);
  };
  /** Outputs being written now, by input: two inputs of one run must not write one file. */
  const writing = new Map<string, string>();
  const running = new Set<Promise<void>>();

  const one = async (entry: Extract<WalkEntry, { kind: 'image' }>): Promise<void> => {
    const input = entry.path;
    let claimed: string | undefined;
    try {
      const inStat = await statInput(input);
      const inFormat = formatOfName(entry.name) ?? (await sniffFile(input).catch(() => undefined));
      if (!inFormat && !o.format) throw new UprezError('IMAGE_UNSUPPORTED', NOT_AN_IMAGE);
      const format = o.format ?? defaultOutputFormat(inFormat ?? 'png');
      const outPath = outputPathUnder(o.outDir, entry.relDir, outputNameFor(entry.name, extensionOf(format)));
      if (path.resolve(input) === outPath) throw new UprezError('IMAGE_OUTPUT_CONFLICT', `would overwrite its own input ${outPath}`);
      const other = writing.get(outPath);
      if (other !== undefined)
        throw new UprezError('IMAGE_OUTPUT_CONFLICT', `${path.basename(outPath)} is being written for ${other} in this run`);
      writing.set(outPath, input);
      claimed = outPath;
      const decision = decideSkip({ input: inStat, output: await readOutputState(outPath), force: o.force, runStartedMs: startedMs });
      if (decision.action === 'refuse') throw new UprezError('IMAGE_OUTPUT_CONFLICT', `${path.basename(outPath)}: ${decision.reason}`);
      if (decision.action === 'skip') {
        emit({ kind: 'skipped', input, output: outPath, reason: decision.reason });
        return;
      }
      await ensureDirUnder(o.outDir, entry.relDir);
      const req: ImageJobRequest = {
        input,
        outPath,
        format,
        quality: o.quality,
        scale: o.scale,
        workDir,
        profile: o.profile ?? 'keep',
        metadata: o.metadata ?? false,
        ...(o.tile ? { tile: o.tile } : {}),
        ...(o.tilesInFlight ? { tilesInFlight: o.tilesInFlight } : {}),
      };
      const onProgress = o.onProgress ? (done: number, total: number) => o.onProgress?.(input, done, total) : undefined;
      const pick = o.lumaFor ? await o.lumaFor(input) : { luma: o.luma };
      const r = await o.runner.run(req, pick.luma, onProgress);
      const inferMs = r.inferMs === null ? null : Math.round(r.inferMs * 10) / 10;
      const notes = pick.note === undefined ? r.notes : [...r.notes, pick.note];
      emit({
        kind: 'done',
        input,
        output: outPath,
        width: r.width,
        height: r.height,
        outWidth: r.outWidth,
        outHeight: r.outHeight,
        inferMs,
        bytes: r.bytes,
        notes,
      });
    } catch (err) {
      emit({ kind: 'failed', input, reason: errorMessage(err) });
    } finally {
      if (claimed !== undefined) writing.delete(claimed);
    }
  };

  let stopped = false;
  for await (const entry of walkImageInputs(o.inputs, o.walk)) {
    if (o.signal?.aborted) {
      stopped = true;
      break;
    }
    if (entry.kind === 'ignored') {
      emit({ kind: 'ignored', input: entry.path, reason: entry.reason });
      continue;
    }
    if (entry.kind === 'error') {
      emit({ kind: 'failed', input: entry.path, reason: entry.reason });
      continue;
    }
    while (running.size >= Math.max(1, o.inFlight)) await Promise.race(running);
    if (o.signal?.aborted) {
      stopped = true;
      break;
    }
    const job = one(entry).finally(() => running.delete(job));
    running.add(job);
  }
  await Promise.all(running);
  return { ...counts, seconds: (performance.now() - t0) / 1000, stopped };
}
