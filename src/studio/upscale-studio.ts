import path from 'node:path';
import type { Readable } from 'node:stream';
import { workerJobRunner, type ImageJobRunner } from '../image/image-job-runner.js';
import type { ProviderChoice } from '../upscale/model-runner.js';
import { openLumaModel } from '../upscale/open-model.js';
import type { Logger } from '../log/logger.js';
import { defaultModelsDir, listModels } from '../upscale/model-registry.js';
import { ImageBatches, type BatchRequest, type BatchView } from './image-batches.js';
import { renderPreview } from './preview.js';
import { DEFAULT_MAX_UPLOAD_BYTES, UploadStore, type UploadInfo } from './upload-store.js';
import { listVideos } from './video-inputs.js';

/** ModelListing is one choice of model the page offers. */
export interface ModelListing {
  readonly name: string;
  readonly scale: number;
  readonly default: boolean;
  readonly description: string;
}

/** DEFAULT_RETENTION_MS: uploads and finished batches are deleted a day after (24 h). */
export const DEFAULT_RETENTION_MS = 24 * 3600 * 1000;

/** UpscaleStudioOptions: where things live and the limits. */
export interface UpscaleStudioOptions {
  /** DATA_DIR: uploads and batches go to DATA_DIR/uploads, nowhere else. */
  readonly dataDir: string;
  /** The jobs input folder, whose videos the page offers to POST /api/jobs. */
  readonly videoDir: string;
  readonly provider: ProviderChoice;
  readonly modelsDir?: string;
  readonly maxUploadBytes?: number;
  readonly retentionMs?: number;
  /** How often the retention sweep runs (default: a tenth of the retention, at most hourly). */
  readonly sweepEveryMs?: number;
  /** Image job runner per batch (default: one worker thread, so tiles never block the event loop). */
  readonly runner?: () => ImageJobRunner;
  readonly log: Logger;
}

/**
 * UpscaleStudio is the back end of the /upscale page: uploads, batches (one at a time, each with
 * its own model session), previews, the list of models and of videos for file jobs, and a
 * retention sweep that deletes uploads and finished batches after `retentionMs`. start() and an
 * idempotent close() as every long-lived unit.
 */
export class UpscaleStudio {
  readonly uploads: UploadStore;
  private readonly batchStore: ImageBatches;
  private readonly modelsDir: string;
  private readonly retentionMs: number;
  private timer: ReturnType<typeof setInterval> | null = null;
  private closing: Promise<void> | null = null;

  constructor(private readonly o: UpscaleStudioOptions) {
    const root = path.join(o.dataDir, 'uploads');
    this.modelsDir = o.modelsDir ?? defaultModelsDir();
    this.retentionMs = o.retentionMs ?? DEFAULT_RETENTION_MS;
    this.uploads = new UploadStore(root, o.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES);
    const log = o.log.child({ stage: 'http', part: 'upscale' });
    this.batchStore = new ImageBatches({
      root: path.join(root, 'batches'),
      uploads: this.uploads,
      openModel: (model, scale) => openLumaModel({ model, scale, provider: o.provider, modelsDir: this.modelsDir, log, workers: 1 }),
      runner: o.runner ?? (() => workerJobRunner(1)),
      log,
      modelsDir: this.modelsDir,
    });
  }

  /** maxUploadBytes is the upload size limit. */
  get maxUploadBytes(): number {
    return this.uploads.maxBytes;
  }

  /** start reads what earlier runs kept, sweeps once and then on a timer. */
  async start(): Promise<void> {
    await this.uploads.init();
    await this.batchStore.init();
    await this.sweep();
    const every = this.o.sweepEveryMs ?? Math.min(3600_000, Math.max(1000, this.retentionMs / 10));
    this.timer = setInterval(
      () => void this.sweep().catch((err: unknown) => this.o.log.warn('upload sweep failed', { err: String(err) })),
      every,
    );
    this.timer.unref();
  }

  /** sweep deletes finished batches and unused uploads older than the retention time; returns how many. */
  async sweep(now = Date.now()): Promise<{ batches: number; uploads: number }> {
    const batches = await this.batchStore.sweep(this.retentionMs, now);
    const uploads = await this.uploads.sweep(this.retentionMs, this.batchStore.uploadsInUse(), now);
    return { batches: batches.length, uploads: uploads.length };
  }

  /** close stops the sweep and the running batch (after its current picture); idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.timer) clearInterval(this.timer);
      await this.batchStore.close();
    })();
    return this.closing;
  }

  /** receiveUpload stores one uploaded image (see UploadStore.receive). */
  receiveUpload(body: Readable, declared: number | undefined, name: string | undefined): Promise<UploadInfo> {
    return this.uploads.receive(body, declared, name);
  }

  /** upload finds an upload and where its bytes are. */
  upload(id: string): { info: UploadInfo; path: string } | undefined {
    const info = this.uploads.get(id);
    return info ? { info, path: this.uploads.pathOf(info) } : undefined;
  }

  /** createBatch queues a batch. */
  createBatch(req: BatchRequest): Promise<BatchView> {
    return this.batchStore.create(req);
  }

  /** batches lists every batch, newest first. */
  batches(): BatchView[] {
    return this.batchStore.list();
  }

  /** batch finds one batch. */
  batch(id: string): BatchView | undefined {
    return this.batchStore.get(id);
  }

  /** removeBatch cancels or deletes a batch. */
  removeBatch(id: string): Promise<boolean> {
    return this.batchStore.remove(id);
  }

  /** output is one finished picture of a batch. */
  output(id: string, upload: string): { path: string; name: string } | undefined {
    return this.batchStore.outputOf(id, upload);
  }

  /** models lists the models in models/ and bicubic. */
  models(): ModelListing[] {
    const cards = listModels(this.modelsDir).map((m) => ({ name: m.name, scale: m.scale, default: m.default, description: m.description }));
    return [
      ...cards,
      ...[2, 4].map((scale) => ({
        name: 'bicubic',
        scale,
        default: !cards.some((c) => c.scale === scale),
        description: 'no network: the bicubic the live stage falls back to',
      })),
    ];
  }

  /** videos lists the video files in the jobs input folder. */
  videos(): Promise<string[]> {
    return listVideos(this.o.videoDir);
  }

  /** preview renders an image file for the page. */
  preview(file: string): Promise<Buffer> {
    return renderPreview(file);
  }
}
