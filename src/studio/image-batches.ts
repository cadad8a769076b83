import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UprezError, errorMessage } from '../errors.js';
import type { ProfileMode } from '../image/image-codec.js';
import { extensionOf, formatOfName, type OutputFormat } from '../image/image-format.js';
import { runImageBatch, type BatchEvent } from '../image/image-batch.js';
import type { ImageJobRunner } from '../image/image-job-runner.js';
import { lumaForLevels, openDenoiseModelSet, type DenoiseModelSet } from '../image/denoise-models.js';
import { isBicubicModel, type OpenedLumaModel } from '../upscale/open-model.js';
import { chooseDenoiseModel } from '../upscale/denoise-model-choice.js';
import type { DenoiseRequest } from '../upscale/denoise-pick.js';
import type { Logger } from '../log/logger.js';
import type { UploadInfo, UploadStore } from './upload-store.js';

/** BatchRequest is a validated POST /api/upscale/batches body. */
export interface BatchRequest {
  readonly uploads: readonly string[];
  /** Model NAME or bicubic; undefined: the default for the scale. */
  readonly model: string | undefined;
  readonly scale: 2 | 4;
  /** undefined: each input's own format (PNG for GIF and HEIF). */
  readonly format: OutputFormat | undefined;
  readonly quality: number;
  readonly profile: ProfileMode;
  readonly metadata: boolean;
  /** Compression level of the pictures, as `uprez image --denoise` (absent: auto, measured per picture). */
  readonly denoise?: DenoiseRequest;
}

/** BatchState: queued -> running -> done | failed | cancelled. */
export type BatchState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

/** BatchFile is one picture of a batch as the API shows it. */
export interface BatchFile {
  readonly upload: string;
  readonly name: string;
  state: 'queued' | 'running' | 'done' | 'failed';
  tilesDone: number;
  tilesTotal: number;
  output: {
    readonly file: string;
    readonly name: string;
    readonly width: number;
    readonly height: number;
    readonly bytes: number;
    readonly notes: readonly string[];
  } | null;
  error: string | null;
}

/** BatchView is a batch as stored in ROOT/ID/batch.json and answered by the API. */
export interface BatchView {
  readonly id: string;
  state: BatchState;
  readonly request: BatchRequest;
  readonly createdAt: number;
  startedAt: number | null;
  endedAt: number | null;
  model: string | null;
  error: string | null;
  readonly files: BatchFile[];
}

/** BATCH_ID: 16 lower-case hex digits. */
export const BATCH_ID = /^[0-9a-f]{16}$/;

/** ImageBatchesOptions: where batches live, the uploads they read, and how to get a model and a job runner. */
export interface ImageBatchesOptions {
  readonly root: string;
  readonly uploads: UploadStore;
  readonly openModel: (model: string | undefined, scale: 2 | 4) => Promise<OpenedLumaModel>;
  /** A runner per batch (default: the caller's; the service passes one worker thread). */
  readonly runner: () => ImageJobRunner;
  readonly log: Logger;
  /** The folder openModel reads (for the denoise family lookup; default: the repository's models/). */
  readonly modelsDir?: string;
}

/** downloadName is what a result is offered as: the upload's name with -xN and the output's extension. */
export function downloadName(upload: string, scale: number, format: OutputFormat): string {
  const dot = upload.lastIndexOf('.');
  const stem = dot > 0 ? upload.slice(0, dot) : upload;
  return `${stem}-x${scale}${extensionOf(format)}`;
}

/**
 * ImageBatches runs upscale batches one at a time (a batch is one model and a list of uploads),
 * each in ROOT/ID/out, with per-file state and tile progress, and keeps each batch's record in
 * ROOT/ID/batch.json so results survive a restart (a batch a restart interrupted is failed).
 */
export class ImageBatches {
  private readonly batches = new Map<string, BatchView>();
  private readonly queue: string[] = [];
  private running: { id: string; abort: AbortController; done: Promise<void> } | null = null;
  private closed = false;

  constructor(private readonly o: ImageBatchesOptions) {}

  /** init reads the batches kept in ROOT. */
  async init(): Promise<void> {
    await mkdir(this.o.root, { recursive: true });
    for (const id of await readdir(this.o.root)) {
      if (!BATCH_ID.test(id)) continue;
      try {
        const b = JSON.parse(await readFile(path.join(this.o.root, id, 'batch.json'), 'utf8')) as BatchView;
        if (b.state === 'queued' || b.state === 'running')
          Object.assign(b, { state: 'failed', error: 'interrupted: the server restarted', endedAt: Date.now() });
        this.batches.set(id, b);
      } catch {
        await rm(path.join(this.o.root, id), { recursive: true, force: true });
      }
    }
  }

  /** create queues a batch; errors: BATCH_INVALID (an unknown upload). */
  async create(req: BatchRequest): Promise<BatchView> {
    if (this.closed) throw new UprezError('BATCHES_CLOSING', 'the server is shutting down');
    const ups = req.uploads.map((u) => {
      const info = this.o.uploads.get(u);
      if (!info) throw new UprezError('BATCH_INVALID', `no upload ${JSON.stringify(u)} (it may have expired)`);
      return info;
    });
    const id = randomBytes(8).toString('hex');
    const files = ups.map((u): BatchFile => ({
      upload: u.id,
      name: u.name,
      state: 'queued',
      tilesDone: 0,
      tilesTotal: 0,
      output: null,
      error: null,
    }));
    const b: BatchView = {
      id,
      state: 'queued',
      request: req,
      createdAt: Date.now(),
      startedAt: null,
      endedAt: null,
      model: null,
      error: null,
      files,
    };
    await mkdir(path.join(this.o.root, id, 'out'), { recursive: true });
    this.batches.set(id, b);
    await this.save(b);
    this.queue.push(id);
    this.pump();
    return b;
  }

  /** list is every batch, newest first. */
  list(): BatchView[] {
    return [...this.batches.values()].sort((a, b) => b.createdAt - a.createdAt);
  }

  /** get finds a batch by id. */
  get(id: string): BatchView | undefined {
    return BATCH_ID.test(id) ? this.batches.get(id) : undefined;
  }

  /** outputOf is the path and download name of one finished picture of a batch. */
  outputOf(id: string, upload: string): { path: string; name: string } | undefined {
    const f = this.get(id)?.files.find((x) => x.upload === upload);
    return f?.output ? { path: path.join(this.o.root, id, 'out', f.output.file), name: f.output.name } : undefined;
  }

  /** uploadsInUse are the uploads of batches not finished yet (the retention sweep keeps them). */
  uploadsInUse(): Set<string> {
    return new Set(
      this.list()
        .filter((b) => b.state === 'queued' || b.state === 'running')
        .flatMap((b) => b.files.map((f) => f.upload)),
    );
  }

  /** remove cancels a batch that has not finished, or deletes a finished one with its files; false when unknown. */
  async remove(id: string): Promise<boolean> {
    const b = this.get(id);
    if (!b) return false;
    if (b.state === 'queued') {
      this.queue.splice(this.queue.indexOf(id), 1);
      Object.assign(b, { state: 'cancelled', endedAt: Date.now() });
      await this.save(b);
      return true;
    }
    if (b.state === 'running' && this.running?.id === id) {
      this.running.abort.abort();
      await this.running.done;
      return true;
    }
    this.batches.delete(id);
    await rm(path.join(this.o.root, id), { recursive: true, force: true });
    return true;
  }

  /** sweep deletes finished batches older than `maxAgeMs`; returns their ids. */
  async sweep(maxAgeMs: number, now = Date.now()): Promise<string[]> {
    const old = this.list().filter(
      (b) => b.endedAt !== null && now - b.endedAt >= maxAgeMs && b.state !== 'running' && b.state !== 'queued',
    );
    for (const b of old) await this.remove(b.id);
    return old.map((b) => b.id);
  }

  /** close stops taking batches, cancels the running one after its current picture, and waits for it. */
  async close(): Promise<void> {
    this.closed = true;
    this.queue.length = 0;
    if (this.running) {
      this.running.abort.abort();
      await this.running.done;
    }
  }

  private pump(): void {
    if (this.running || this.closed) return;
    const id = this.queue.shift();
    const b = id === undefined ? undefined : this.batches.get(id);
    if (!b) return;
    const abort = new AbortController();
    const done = this.run(b, abort.signal)
      .catch((err: unknown) => this.o.log.error('upscale batch failed', { batch: b.id, err: errorMessage(err) }))
      .finally(() => {
        this.running = null;
        this.pump();
      });
    this.running = { id: b.id, abort, done };
  }

  private async run(b: BatchView, signal: AbortSignal): Promise<void> {
    Object.assign(b, { state: 'running', startedAt: Date.now() });
    await this.save(b);
    const byPath = new Map<string, { file: BatchFile; info: UploadInfo }>();
    for (const f of b.files) {
      const info = this.o.uploads.get(f.upload);
      if (info) byPath.set(this.o.uploads.pathOf(info), { file: f, info });
      else Object.assign(f, { state: 'failed', error: 'the upload expired before the batch ran' });
    }
    let model: OpenedLumaModel | undefined;
    let levels: DenoiseModelSet | undefined;
    const runner = this.o.runner();
    try {
      const r = b.request;
      const target = { model: r.model, scale: r.scale, ...(this.o.modelsDir !== undefined ? { modelsDir: this.o.modelsDir } : {}) };
      const denoise = r.denoise ?? 'auto';
      // An explicit level runs its model for every picture (DENOISE_UNAVAILABLE fails the batch); auto measures each.
      const asked = typeof denoise === 'number' ? chooseDenoiseModel(target, denoise, false).model : r.model;
      model = await this.o.openModel(asked, r.scale);
      b.model = model.name;
      if (denoise === 'auto' && !isBicubicModel(r.model)) levels = openDenoiseModelSet(model, target, (m) => this.o.openModel(m, r.scale));
      const summary = await runImageBatch({
        inputs: [...byPath.keys()],
        outDir: path.join(this.o.root, b.id, 'out'),
        scale: model.scale,
        format: r.format,
        quality: r.quality,
        profile: r.profile,
        metadata: r.metadata,
        force: true,
        inFlight: 1,
        luma: model.upscaler,
        ...(levels ? { lumaFor: lumaForLevels(levels, r.denoise === undefined) } : {}),
        runner,
        signal,
        onProgress: (input, done, total) => {
          const f = byPath.get(input)?.file;
          if (f) Object.assign(f, { state: 'running', tilesDone: done, tilesTotal: total });
        },
        onEvent: (e: BatchEvent) => this.record(byPath, e, r.scale),
      });
      Object.assign(b, { state: summary.stopped ? 'cancelled' : 'done' });
    } catch (err) {
      Object.assign(b, { state: signal.aborted ? 'cancelled' : 'failed', error: errorMessage(err) });
    } finally {
      await runner.close();
      await levels?.close();
      await model?.close();
      for (const f of b.files)
        if (f.state === 'queued' || f.state === 'running')
          Object.assign(f, { state: 'failed', error: f.error ?? 'not done: the batch stopped' });
      b.endedAt = Date.now();
      await this.save(b);
    }
  }

  private record(byPath: Map<string, { file: BatchFile; info: UploadInfo }>, e: BatchEvent, scale: number): void {
    const hit = byPath.get(e.input);
    if (!hit) return;
    const f = hit.file;
    if (e.kind === 'done') {
      const file = path.basename(e.output);
      const format = (formatOfName(file) ?? 'png') as OutputFormat;
      Object.assign(f, {
        state: 'done',
        tilesDone: f.tilesTotal,
        output: {
          file,
          name: downloadName(hit.info.name, scale, format),
          width: e.outWidth,
          height: e.outHeight,
          bytes: e.bytes,
          notes: e.notes,
        },
      });
    } else if (e.kind === 'failed' || e.kind === 'skipped' || e.kind === 'ignored') {
      Object.assign(f, { state: 'failed', error: e.reason });
    }
  }

  private async save(b: BatchView): Promise<void> {
    const file = path.join(this.o.root, b.id, 'batch.json');
    await writeFile(`${file}.tmp`, JSON.stringify(b));
    await rename(`${file}.tmp`, file);
  }
}
