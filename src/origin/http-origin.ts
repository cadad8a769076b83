/**
 * HttpOrigin sends PUT and DELETE to an HTTP origin (a WebDAV server such as nginx's dav module,
 * a CDN ingest point, an object-store gateway) over keep-alive connections, streaming files from
 * disk with a Content-Length and honouring backpressure. It classifies every failure as an
 * OriginError that says whether a retry can help. A strict WebDAV server that will not create
 * missing directories on PUT (it answers 404 or 409: Apache mod_dav, rclone serve webdav) gets
 * MKCOL for each directory of the path, then the PUT once more.
 */
import { open } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { asOriginError, isRetryableStatus, OriginError } from './origin-error.js';
import type { OriginTarget } from './origin-url.js';
import type { UploadBody } from './upload-types.js';

const CONTENT_TYPES: Record<string, string> = {
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.ts': 'video/mp2t',
  '.m4s': 'video/iso.segment',
  '.mp4': 'video/mp4',
  '.m4a': 'audio/mp4',
  '.aac': 'audio/aac',
  '.vtt': 'text/vtt',
};

/** contentTypeOf picks the Content-Type an HLS player expects for a file name. */
export function contentTypeOf(name: string): string {
  return CONTENT_TYPES[path.extname(name).toLowerCase()] ?? 'application/octet-stream';
}

/** HttpOriginOptions tune the connection pool. */
export interface HttpOriginOptions {
  /** Sockets per origin host, over every stream of the server. Default 32. */
  readonly maxSockets?: number;
  /** User-Agent header. */
  readonly userAgent?: string;
}

/** HttpOrigin is the server-wide connection to one origin; streams address it with paths below its base. */
export class HttpOrigin {
  private readonly agent: http.Agent;
  /** Directories this origin made with MKCOL (so each is made once). */
  private readonly made = new Set<string>();

  constructor(
    readonly target: OriginTarget,
    private readonly opts: HttpOriginOptions = {},
  ) {
    const AgentClass = target.base.protocol === 'https:' ? https.Agent : http.Agent;
    this.agent = new AgentClass({ keepAlive: true, keepAliveMsecs: 1_000, maxSockets: opts.maxSockets ?? 32, maxFreeSockets: 8 });
  }

  /** urlOf is the origin URL of a path below the base ('/'-separated; each segment percent-encoded). */
  urlOf(relPath: string): URL {
    return new URL(relPath.split('/').map(encodeURIComponent).join('/'), this.target.base);
  }

  /** put uploads a file (streamed from disk) or a playlist's text to `relPath`, making missing directories on a strict WebDAV server. */
  async put(relPath: string, body: UploadBody, signal: AbortSignal): Promise<void> {
    try {
      await this.putOnce(relPath, body, signal);
    } catch (err) {
      if (!(err instanceof OriginError) || (err.originStatus !== 404 && err.originStatus !== 409) || !relPath.includes('/')) throw err;
      await this.makeDirs(relPath, signal);
      await this.putOnce(relPath, body, signal);
    }
  }

  /** makeDirs sends MKCOL for the base's own path and each directory of `relPath`, top down; 405 (exists) is fine. */
  private async makeDirs(relPath: string, signal: AbortSignal): Promise<void> {
    const base = this.target.base.pathname.split('/').filter(Boolean);
    const dirs: string[] = [];
    for (let i = 1; i <= base.length; i++) dirs.push(`/${base.slice(0, i).join('/')}/`);
    const parts = relPath.split('/').slice(0, -1);
    for (let i = 1; i <= parts.length; i++) dirs.push(this.urlOf(`${parts.slice(0, i).join('/')}/`).pathname);
    for (const dir of dirs) {
      if (this.made.has(dir)) continue;
      try {
        await this.request('MKCOL', dir, {}, null, signal, false, true);
      } catch (err) {
        if (!(err instanceof OriginError) || err.originStatus !== 405) throw err;
      }
      this.made.add(dir);
    }
  }

  private async putOnce(relPath: string, body: UploadBody, signal: AbortSignal): Promise<void> {
    const headers: http.OutgoingHttpHeaders = { 'Content-Type': contentTypeOf(relPath) };
    if (body.file === undefined) {
      const buf = Buffer.from(body.text, 'utf8');
      headers['Content-Length'] = buf.length;
      return this.request('PUT', relPath, headers, buf, signal, false);
    }
    let fh;
    try {
      fh = await open(body.file.path, 'r');
    } catch (err) {
      const missing = (err as { code?: unknown }).code === 'ENOENT';
      throw new OriginError(
        missing ? 'ORIGIN_FILE_MISSING' : 'ORIGIN_FILE_UNREADABLE',
        `cannot read ${relPath} for upload: ${(err as Error).message}`,
        false,
        undefined,
        { cause: err },
      );
    }
    try {
      headers['Content-Length'] = (await fh.stat()).size;
      await this.request('PUT', relPath, headers, fh.createReadStream({ autoClose: false }), signal, false);
    } finally {
      await fh.close().catch(() => undefined);
    }
  }

  /** delete removes `relPath`; a 404 (already gone) counts as done. */
  delete(relPath: string, signal: AbortSignal): Promise<void> {
    return this.request('DELETE', relPath, {}, null, signal, true);
  }

  /** close drops the pooled connections. */
  close(): void {
    this.agent.destroy();
  }

  private request(
    method: string,
    relPath: string,
    extra: http.OutgoingHttpHeaders,
    body: Buffer | Readable | null,
    signal: AbortSignal,
    notFoundOk: boolean,
    absolute = false,
  ): Promise<void> {
    const url = absolute ? new URL(relPath, this.target.base) : this.urlOf(relPath);
    const headers: http.OutgoingHttpHeaders = { 'User-Agent': this.opts.userAgent ?? 'uprez-origin-mirror', ...extra };
    if (this.target.authorization !== undefined) headers['Authorization'] = this.target.authorization;
    if (body === null) headers['Content-Length'] = 0;
    const mod = url.protocol === 'https:' ? https : http;
    return new Promise<void>((resolve, reject) => {
      if (signal.aborted) return reject(asOriginError(signal.reason));
      let settled = false;
      const fail = (err: unknown): void => {
        if (settled) return;
        settled = true;
        req.destroy();
        if (body !== null && !Buffer.isBuffer(body)) body.destroy();
        reject(signal.aborted ? asOriginError(signal.reason) : asOriginError(err));
      };
      const req = mod.request(url, { method, headers, agent: this.agent, signal }, (res) => {
        const status = res.statusCode ?? 0;
        res.resume();
        res.on('error', fail);
        res.on('end', () => {
          if (settled) return;
          if ((status >= 200 && status < 300) || (notFoundOk && status === 404)) {
            settled = true;
            resolve();
            return;
          }
          fail(
            new OriginError(
              'ORIGIN_HTTP_STATUS',
              `${method} ${url.toString()} answered ${status} ${res.statusMessage ?? ''}`.trim(),
              isRetryableStatus(status),
              status,
            ),
          );
        });
      });
      req.on('error', fail);
      if (body === null) req.end();
      else if (Buffer.isBuffer(body)) req.end(body);
      else pipeline(body, req).catch(fail);
    });
  }
}
