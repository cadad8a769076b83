import type { Readable } from 'node:stream';
import express, { Router, type Request, type Response } from 'express';
import { UprezError, errorMessage } from '../errors.js';
import { OUTPUT_FORMATS } from '../image/image-format.js';
import { parseBatchRequest } from '../studio/batch-request.js';
import type { BatchRequest, BatchView } from '../studio/image-batches.js';
import type { UploadInfo } from '../studio/upload-store.js';
import type { ModelListing } from '../studio/upscale-studio.js';
import { writeZip } from '../studio/zip-writer.js';
import { sendError } from './json-errors.js';

/** UpscaleDirectory is what the /api/upscale routes need from the image service (UpscaleStudio). */
export interface UpscaleDirectory {
  readonly maxUploadBytes: number;
  receiveUpload(body: Readable, declared: number | undefined, name: string | undefined): Promise<UploadInfo>;
  upload(id: string): { info: UploadInfo; path: string } | undefined;
  createBatch(req: BatchRequest): Promise<BatchView>;
  batches(): BatchView[];
  batch(id: string): BatchView | undefined;
  removeBatch(id: string): Promise<boolean>;
  output(id: string, upload: string): { path: string; name: string } | undefined;
  models(): ModelListing[];
  videos(): Promise<string[]>;
  preview(file: string): Promise<Buffer>;
}

/** fail answers a coded error with the catalogue's status (src/errors.ts); anything else is a 500. */
function fail(res: Response, err: unknown): void {
  if (err instanceof UprezError && err.status !== 500) sendError(res, err.status, err.code, err.message);
  else sendError(res, 500, 'HTTP_INTERNAL', errorMessage(err));
}

/** contentDisposition offers a download under `name` (an ASCII fallback and the UTF-8 name, RFC 6266/5987). */
export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

async function sendPreview(res: Response, dir: UpscaleDirectory, file: string): Promise<void> {
  try {
    const webp = await dir.preview(file);
    res.status(200).type('image/webp').set('Cache-Control', 'private, max-age=300').send(webp);
  } catch (err) {
    fail(res, err);
  }
}

/**
 * upscaleRoutes serves /api/upscale (behind the API token): GET models, GET videos (the jobs input
 * folder, for POST /api/jobs), POST uploads (one raw image body per request, ?name= for display),
 * GET uploads/ID/preview, POST batches (JSON), GET batches[/ID], DELETE batches/ID,
 * GET batches/ID/files/UPLOAD[/preview] and GET batches/ID/zip.
 */
export function upscaleRoutes(dir: UpscaleDirectory): Router {
  const router = Router();
  router.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  router.get('/models', (_req, res) => {
    res.json({ models: dir.models(), scales: [2, 4], formats: OUTPUT_FORMATS, maxUploadBytes: dir.maxUploadBytes });
  });
  router.get('/videos', async (_req, res) => {
    res.json({ videos: await dir.videos() });
  });
  router.post('/uploads', async (req: Request, res) => {
    const declared = req.get('content-length');
    const name = typeof req.query['name'] === 'string' ? req.query['name'] : undefined;
    try {
      const info = await dir.receiveUpload(req, declared === undefined ? undefined : Number(declared), name);
      res.status(201).location(`${req.baseUrl}/uploads/${info.id}`).json({ upload: info });
    } catch (err) {
      // An oversized or refused body may still be arriving: answer, then close the connection.
      res.setHeader('Connection', 'close');
      fail(res, err);
    }
  });
  router.get('/uploads/:id/preview', async (req, res) => {
    const up = dir.upload(req.params.id);
    if (!up) return sendError(res, 404, 'UPLOAD_NOT_FOUND', 'no such upload');
    await sendPreview(res, dir, up.path);
  });
  router.post('/batches', express.json({ limit: '32kb', strict: true }), async (req, res) => {
    try {
      const b = await dir.createBatch(parseBatchRequest(req.body as unknown));
      res.status(201).location(`${req.baseUrl}/batches/${b.id}`).json(b);
    } catch (err) {
      fail(res, err);
    }
  });
  router.get('/batches', (_req, res) => {
    res.json({ batches: dir.batches() });
  });
  router.get('/batches/:id', (req, res) => {
    const b = dir.batch(req.params.id);
    if (!b) return sendError(res, 404, 'BATCH_NOT_FOUND', 'no such batch');
    res.json(b);
  });
  router.delete('/batches/:id', async (req, res) => {
    if (!(await dir.removeBatch(req.params.id))) return sendError(res, 404, 'BATCH_NOT_FOUND', 'no such batch');
    res.status(204).end();
  });
  router.get('/batches/:id/files/:upload', (req, res, next) => {
    const out = dir.output(req.params.id, req.params.upload);
    if (!out) return sendError(res, 404, 'OUTPUT_NOT_FOUND', 'no such result (not done, failed, or expired)');
    res.setHeader('Content-Disposition', contentDisposition(out.name));
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.sendFile(out.path, { dotfiles: 'allow', cacheControl: false }, (err?: Error) => {
      if (err && !res.headersSent) next(err);
    });
  });
  router.get('/batches/:id/files/:upload/preview', async (req, res) => {
    const out = dir.output(req.params.id, req.params.upload);
    if (!out) return sendError(res, 404, 'OUTPUT_NOT_FOUND', 'no such result (not done, failed, or expired)');
    await sendPreview(res, dir, out.path);
  });
  router.get('/batches/:id/zip', async (req, res) => {
    const b = dir.batch(req.params.id);
    if (!b) return sendError(res, 404, 'BATCH_NOT_FOUND', 'no such batch');
    const entries = b.files.flatMap((f) => {
      const out = dir.output(b.id, f.upload);
      return out ? [{ out, name: out.name }] : [];
    });
    if (entries.length === 0) return sendError(res, 409, 'BATCH_EMPTY', 'no picture of this batch is done yet');
    // Two uploads of one name get numbered names in the archive.
    const seen = new Map<string, number>();
    const named = entries.map((e) => {
      const n = seen.get(e.name) ?? 0;
      seen.set(e.name, n + 1);
      const dot = e.name.lastIndexOf('.');
      return {
        name: n === 0 ? e.name : `${e.name.slice(0, dot)} (${n + 1})${e.name.slice(dot)}`,
        path: e.out.path,
        deflate: e.name.endsWith('.tif'),
      };
    });
    res
      .status(200)
      .type('application/zip')
      .setHeader('Content-Disposition', contentDisposition(`uprez-${b.id}.zip`));
    try {
      await writeZip(named, res);
      res.end();
    } catch (err) {
      if (res.headersSent) {
        res.destroy(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      res.removeHeader('Content-Disposition');
      fail(res, err);
    }
  });
  return router;
}
