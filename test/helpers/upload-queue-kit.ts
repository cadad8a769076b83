/** Test kit for UploadQueue: a fake origin whose requests wait until the test answers them (fake timers). */
import { vi } from 'vitest';
import { OriginError } from '../../src/origin/origin-error.js';
import { UploadQueue } from '../../src/origin/upload-queue.js';
import type { DropReason, QueueObserver, QueuePort, UploadKind, UploadQueueOptions } from '../../src/origin/upload-types.js';

/** Call is one request the fake origin received. */
export interface Call {
  readonly method: 'PUT' | 'DELETE';
  readonly rel: string;
  readonly text: string | undefined;
  readonly signal: AbortSignal;
  ok(): void;
  fail(err: Error): void;
}

/** harness builds a queue on a fake origin: every request waits until the test answers it. */
export function harness(
  opts: Partial<UploadQueueOptions> = {},
  sizes: Record<string, number> = {},
  missing: string[] = [],
  commit?: QueuePort['commit'],
) {
  const calls: Call[] = [];
  const released: string[] = [];
  const visible: string[] = [];
  const drops: [UploadKind, DropReason][] = [];
  const request = (method: Call['method'], rel: string, text: string | undefined, signal: AbortSignal): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      calls.push({ method, rel, text, signal, ok: resolve, fail: reject });
      signal.addEventListener('abort', () => reject(signal.reason as Error));
    });
  const port: QueuePort = {
    prepare: async (rel, abs) => {
      if (missing.includes(rel)) throw new OriginError('ORIGIN_FILE_MISSING', `${rel} gone`, false);
      return { path: abs, size: sizes[rel] ?? 100 };
    },
    release: (f) => released.push(f.path),
    put: (rel, body, signal) => request('PUT', rel, body.text, signal),
    delete: (rel, signal) => request('DELETE', rel, undefined, signal),
    commit,
  };
  const observer: QueueObserver = {
    succeeded: () => {},
    failed: () => {},
    dropped: (kind, reason) => drops.push([kind, reason]),
    depth: () => {},
    visible: (rel, text) => visible.push(`${rel}:${text}`),
  };
  const q = new UploadQueue(port, observer, { random: () => 0, removeDelayMs: 1_000, ...opts });
  /** open lists requests started and not yet answered, as "PUT a.ts". */
  const open = (): string[] => calls.filter((c) => !(c as { done?: boolean }).done).map((c) => `${c.method} ${c.rel}`);
  const answer = async (rel: string, err?: Error): Promise<void> => {
    const c = calls.find((x) => x.rel === rel && !(x as { done?: boolean }).done);
    if (!c) throw new Error(`no open request for ${rel}; open: ${open().join(', ')}`);
    (c as { done?: boolean }).done = true;
    if (err) c.fail(err);
    else c.ok();
    await settle();
  };
  return { q, calls, released, visible, drops, open, answer };
}

/** settle lets promise callbacks (prepare, request settlement) run without moving the clock. */
export async function settle(): Promise<void> {
  await vi.advanceTimersByTimeAsync(0);
}

/** media is a media playlist listing `segs`. */
export const media = (...segs: string[]): string =>
  `#EXTM3U\n#EXT-X-TARGETDURATION:2\n${segs.map((s) => `#EXTINF:2.0,\n${s}`).join('\n')}\n`;
/** down is the error of an origin that is not there. */
export const down = (): OriginError => new OriginError('ORIGIN_NETWORK', 'connect ECONNREFUSED 127.0.0.1:1', true);
