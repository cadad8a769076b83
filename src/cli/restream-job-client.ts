import { UprezError, errorMessage, isErrorCode } from '../errors.js';
import type { CliIo } from './cli-io.js';
import { createProgress } from './progress.js';

/** FollowRestreamOptions: which server, what to restream, and how to report. */
export interface FollowRestreamOptions {
  readonly server: string;
  readonly token: string | undefined;
  /** Absolute path; the server requires it inside its jobs input directory. */
  readonly input: string;
  readonly key: string;
  readonly to: string;
  readonly json: boolean;
  readonly io: CliIo;
  /** Aborting cancels the job (DELETE) and returns 130. */
  readonly signal: AbortSignal;
  /** Poll period. Default 1000 ms. */
  readonly pollMs?: number;
}

interface JobBody {
  id: string;
  state: string;
  progress: { done: number; total: number | null } | null;
  error: { code: string; message: string } | null;
  result: Record<string, unknown> | null;
}

interface ErrorBody {
  error?: { code?: string; message?: string };
}

/**
 * followRestreamJob creates a restream job on a running server (POST /api/jobs), prints its
 * progress until it ends, and cancels it (DELETE) when aborted. Exit code 0 when it finished.
 */
export async function followRestreamJob(o: FollowRestreamOptions): Promise<number> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (o.token) headers['authorization'] = `Bearer ${o.token}`;
  const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> => {
    try {
      const res = await fetch(`${o.server}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(10_000),
      });
      return { status: res.status, json: (await res.json()) as unknown };
    } catch (err) {
      throw new UprezError(
        'SERVER_UNREACHABLE',
        `no answer from ${o.server}${path}: ${errorMessage(err)} (is \`uprez serve\` running there? --server)`,
      );
    }
  };
  const created = await call('POST', '/api/jobs', { type: 'restream', input: o.input, key: o.key, to: o.to });
  if (created.status !== 201) {
    const e = (created.json as ErrorBody).error;
    throw new UprezError(
      isErrorCode(e?.code) ? e.code : 'JOB_REFUSED',
      `the server refused the restream (HTTP ${created.status}): ${e?.message ?? 'no reason given'}`,
    );
  }
  const id = (created.json as JobBody).id;
  o.io.stderr.write(`uprez restream: job ${id} publishes ${o.key} and pushes its top rung; HLS at ${o.server}/hls/${o.key}/master.m3u8\n`);
  let progress: ReturnType<typeof createProgress> | null = null;
  for (;;) {
    if (o.signal.aborted) {
      await call('DELETE', `/api/jobs/${id}`);
      o.io.stderr.write(`uprez restream: job ${id} cancelled\n`);
      return 130;
    }
    const { status, json } = await call('GET', `/api/jobs/${id}`);
    if (status !== 200) throw new UprezError('JOB_LOST', `GET /api/jobs/${id} answered HTTP ${status}`);
    const job = json as JobBody;
    if (job.progress) {
      progress ??= createProgress({
        label: `restream ${o.key}`,
        ...(job.progress.total !== null ? { total: Math.round(job.progress.total) } : {}),
        unit: 's',
        json: o.json,
        out: o.io.stderr as NodeJS.WritableStream,
      });
      progress.update(Math.round(job.progress.done));
    }
    if (job.state === 'done') {
      (progress as ReturnType<typeof createProgress> | null)?.finish();
      o.io.stdout.write(o.json ? JSON.stringify(job) + '\n' : `restream job ${id} done\n`);
      return 0;
    }
    if (job.state === 'failed' || job.state === 'cancelled') {
      (progress as ReturnType<typeof createProgress> | null)?.finish();
      o.io.stderr.write(`uprez restream: job ${id} ${job.state}${job.error ? `: ${job.error.message}` : ''}\n`);
      return 1;
    }
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, o.pollMs ?? 1_000);
      o.signal.addEventListener(
        'abort',
        () => {
          clearTimeout(t);
          resolve();
        },
        { once: true },
      );
    });
  }
}
