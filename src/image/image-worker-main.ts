import type { MessagePort } from 'node:worker_threads';
import { UprezError, errorMessage } from '../errors.js';
import { finishImage, prepareImage } from './image-job.js';
import type { ImageWorkerReply, ImageWorkerRequest } from './image-worker-protocol.js';

/** ownBuffer returns a plane whose buffer can be transferred (it covers exactly the plane). */
export function ownBuffer(a: Uint8Array): Uint8Array {
  return a.byteOffset === 0 && a.byteLength === a.buffer.byteLength && a.buffer instanceof ArrayBuffer ? a : a.slice();
}

async function answer(msg: ImageWorkerRequest): Promise<{ reply: ImageWorkerReply; transfer: ArrayBuffer[] }> {
  try {
    if (msg.op === 'prepare') {
      const r = await prepareImage(msg.input);
      const result = { ...r, y: ownBuffer(r.y), cb: ownBuffer(r.cb), cr: ownBuffer(r.cr) };
      return { reply: { id: msg.id, ok: true, op: 'prepare', result }, transfer: [result.y.buffer, result.cb.buffer, result.cr.buffer] as ArrayBuffer[] };
    }
    return { reply: { id: msg.id, ok: true, op: 'finish', result: await finishImage(msg.req) }, transfer: [] };
  } catch (err) {
    const code = err instanceof UprezError ? err.code : 'IMAGE_INTERNAL';
    return { reply: { id: msg.id, ok: false, error: { code, message: errorMessage(err) } }, transfer: [] };
  }
}

/** serveImageJobs answers image jobs arriving on `port` (a worker's parentPort), each as it comes. */
export function serveImageJobs(port: MessagePort): void {
  port.on('message', (msg: ImageWorkerRequest) => {
    void answer(msg).then(({ reply, transfer }) => port.postMessage(reply, transfer));
  });
}
