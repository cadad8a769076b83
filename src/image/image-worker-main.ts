import type { MessagePort } from 'node:worker_threads';
import { UprezError, errorMessage, isErrorCode } from '../errors.js';
import type { FromImageWorker, ImageWorkerError, ToImageWorker } from './image-worker-protocol.js';
import type { LumaUpscaler } from '../upscale/luma-upscaler.js';
import { upscaleImageFile } from './upscale-image-file.js';

/** ownBuffer returns a plane whose buffer can be transferred (it covers exactly the plane). */
export function ownBuffer(a: Uint8Array): Uint8Array {
  return a.byteOffset === 0 && a.byteLength === a.buffer.byteLength && a.buffer instanceof ArrayBuffer ? a : a.slice();
}

/** errorData turns anything thrown into an ImageWorkerError. */
export function errorData(err: unknown): ImageWorkerError {
  return { code: err instanceof UprezError ? err.code : 'IMAGE_INTERNAL', message: errorMessage(err) };
}

/** serveImageJobs runs image jobs arriving on `port` (a worker's parentPort), asking the other side for each tile's luma. */
export function serveImageJobs(port: MessagePort): void {
  let nextCall = 1;
  const calls = new Map<number, { resolve: (r: { y: Uint8Array; inferMs?: number }) => void; reject: (e: UprezError) => void }>();
  const post = (m: FromImageWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);
  const lumaFor = (id: number): LumaUpscaler => ({
    upscaleLuma: (y, width, height) =>
      new Promise((resolve, reject) => {
        const call = nextCall++;
        calls.set(call, { resolve, reject });
        const own = ownBuffer(y);
        post({ type: 'luma', id, call, y: own, width, height }, [own.buffer as ArrayBuffer]);
      }),
  });
  port.on('message', (m: ToImageWorker) => {
    if (m.type === 'luma-reply') {
      const c = calls.get(m.call);
      calls.delete(m.call);
      if (!c) return;
      if (m.ok) c.resolve(m.inferMs === undefined ? { y: m.y } : { y: m.y, inferMs: m.inferMs });
      else c.reject(new UprezError(isErrorCode(m.error.code) ? m.error.code : 'IMAGE_INTERNAL', m.error.message));
      return;
    }
    const { id, req } = m;
    upscaleImageFile(req, lumaFor(id), (done, total) => post({ type: 'progress', id, done, total })).then(
      (result) => post({ type: 'result', id, ok: true, result }),
      (err: unknown) => post({ type: 'result', id, ok: false, error: errorData(err) }),
    );
  });
}
