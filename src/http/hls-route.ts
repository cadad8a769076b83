import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from '../log/logger.js';
import { errorMessage } from '../errors.js';
import { hlsChanges, type HlsChanges } from '../hls/hls-changes.js';
import { IMMUTABLE_MEDIA_NAME } from '../hls/hls-names.js';
import { blockingDecision, readPosition } from '../hls/playlist-position.js';
import { parseDirectives } from './hls-directives.js';
import { sendError } from './json-errors.js';
import { resolveInside } from './resolve-inside.js';
import { type HlsFileKind, type HlsPath, parseHlsPath } from './safe-path.js';

/**
 * Cache policy. Playlists change all the time: revalidate always. Media files a stream run
 * writes carry the run's random id (IMMUTABLE_MEDIA_NAME): their content never changes under
 * their name, so caches may keep them for a year. Anything else (file jobs' seg_NNNNN.ts,
 * init.mp4, subtitles, whose names a later job may reuse) is revalidated (cheap: ETag).
 */
export const HLS_CACHE_CONTROL = {
  playlist: 'no-cache',
  immutable: 'public, max-age=31536000, immutable',
  revalidate: 'no-cache',
} as const;

/** cacheControlFor picks the Cache-Control of an HLS file from its kind and name. */
export function cacheControlFor(kind: HlsFileKind, name: string): string {
  if (kind === 'playlist') return HLS_CACHE_CONTROL.playlist;
  return IMMUTABLE_MEDIA_NAME.test(name) ? HLS_CACHE_CONTROL.immutable : HLS_CACHE_CONTROL.revalidate;
}

/** HlsRouteOptions tune the blocking requests (defaults suit production). */
export interface HlsRouteOptions {
  /** Where playlist and media changes are announced (default: the process's feed). */
  readonly changes?: HlsChanges;
  /** Requests held at once (blocking reloads, preload hints) before more get 503. Default 2000. */
  readonly maxWaiting?: number;
  /** Re-read period while held, should a change notice be missed (another writer). Default 250 ms. */
  readonly pollMs?: number;
}

/** An LL-HLS part's name (the preload hint may name one before it exists). */
const PART_NAME = /_p\d+\.m4s$/;

/**
 * hlsRoute serves GET/HEAD /hls/KEY/... from `hlsRoot`/KEY, refusing any path that could leave it.
 * A playlist request with _HLS_msn (and _HLS_part) is a blocking reload (RFC 8216bis 6.2.5.2): held
 * until the playlist has that segment or part, at most three target durations (then 503), refused
 * at once (400) when it asks beyond what could come next. A request for the part a live playlist's
 * preload hint names is held until the part exists. Files the HTTP layer must never serve
 * (ffmpeg's private playlist, temp files) have no HLS extension and are 404s.
 */
export function hlsRoute(hlsRoot: string, log: Logger, o: HlsRouteOptions = {}): RequestHandler {
  const changes = o.changes ?? hlsChanges;
  const maxWaiting = o.maxWaiting ?? 2000;
  const pollMs = o.pollMs ?? 250;
  let waiting = 0;

  /** hold waits for a change in `dir` (or the poll period), counting the waiter; false if too many wait. */
  const hold = async (dir: string, untilMs: number, signal: AbortSignal): Promise<boolean> => {
    if (waiting >= maxWaiting) return false;
    waiting++;
    try {
      await changes.wait(dir, Math.max(0, Math.min(pollMs, untilMs - Date.now())), signal);
    } finally {
      waiting--;
    }
    return true;
  };

  const blockingReload = async (req: Request, res: Response, parsed: HlsPath, msn: number, part: number | null): Promise<void> => {
    const found = await resolveInside(hlsRoot, [parsed.key, ...parsed.segments]);
    if (found === null) return sendError(res, 404, 'HTTP_NOT_FOUND', 'no such HLS file');
    const file = path.join(found.root, found.relative);
    const dir = path.resolve(hlsRoot, parsed.key, ...parsed.segments.slice(0, -1));
    const signal = abortOnClose(req, res);
    const start = Date.now();
    for (;;) {
      const text = await readFile(file, 'utf8');
      const position = readPosition(text);
      const decision = blockingDecision(position, msn, part);
      if (decision === 'ready') return sendPlaylist(res, parsed, text);
      if (decision === 'too-far') {
        return sendError(
          res,
          400,
          'HLS_TOO_FAR_AHEAD',
          `segment ${msn}${part === null ? '' : ` part ${part}`} is beyond what this playlist can have next (its last segment is ${position.lastSegment})`,
        );
      }
      const until = start + 3 * Math.max(1, position.targetDuration) * 1000;
      if (signal.aborted) return;
      if (Date.now() >= until) {
        res.setHeader('Retry-After', '1');
        return sendError(
          res,
          503,
          'HLS_NOT_YET',
          `segment ${msn}${part === null ? '' : ` part ${part}`} did not appear within three target durations`,
        );
      }
      if (!(await hold(dir, until, signal))) return sendError(res, 503, 'HLS_BUSY', 'too many requests are waiting for playlist updates');
    }
  };

  /** A missing file: the part a live playlist hints at is waited for; anything else is a 404. */
  const hinted = async (req: Request, res: Response, parsed: HlsPath): Promise<boolean> => {
    const name = parsed.segments[parsed.segments.length - 1] as string;
    if (!PART_NAME.test(name) || !IMMUTABLE_MEDIA_NAME.test(name)) return false;
    const dir = path.resolve(hlsRoot, parsed.key, ...parsed.segments.slice(0, -1));
    const signal = abortOnClose(req, res);
    const start = Date.now();
    for (;;) {
      let position;
      try {
        position = readPosition(await readFile(path.join(dir, 'index.m3u8'), 'utf8'));
      } catch {
        return false;
      }
      if (await resolveInside(hlsRoot, [parsed.key, ...parsed.segments])) return true;
      if (position.ended || position.preloadHint !== name || signal.aborted) return false;
      const until = start + 3 * Math.max(1, position.targetDuration) * 1000;
      if (Date.now() >= until || !(await hold(dir, until, signal))) return false;
    }
  };

  const serveFile = async (req: Request, res: Response, next: (err?: unknown) => void, parsed: HlsPath): Promise<void> => {
    let found = await resolveInside(hlsRoot, [parsed.key, ...parsed.segments]);
    if (found === null && parsed.kind !== 'playlist' && (await hinted(req, res, parsed)))
      found = await resolveInside(hlsRoot, [parsed.key, ...parsed.segments]);
    if (res.destroyed) return;
    if (found === null) return sendError(res, 404, 'HTTP_NOT_FOUND', 'no such HLS file');
    if (parsed.kind === 'playlist') {
      // Read whole, not streamed: a live playlist is replaced (renamed over) several times a second,
      // and a stat followed by an open can meet two different files (a body shorter or longer than
      // its Content-Length). Playlists are small; res.send still answers If-None-Match with 304.
      return sendPlaylist(res, parsed, await readFile(path.join(found.root, found.relative), 'utf8'));
    }
    setHeaders(res, parsed);
    res.sendFile(found.relative, { root: found.root, cacheControl: false, dotfiles: 'deny' }, (err?: Error) => {
      if (!err) return;
      const code = (err as NodeJS.ErrnoException).code;
      // The viewer went away mid-segment: routine for players that switch renditions.
      if (code === 'ECONNABORTED' || code === 'ECONNRESET' || res.destroyed) return;
      if (res.headersSent) {
        log.warn('hls send failed', { path: req.url, err: errorMessage(err) });
        return;
      }
      // The error answer is JSON, not the file's type.
      res.removeHeader('Content-Type');
      const status = (err as { status?: number }).status;
      // Deleted between realpath and open (the live window moved on), or refused by send itself
      // (403: a link that resolves to a dot-file): not a file we serve.
      if (code === 'ENOENT' || status === 404 || status === 403) {
        sendError(res, 404, 'HTTP_NOT_FOUND', 'no such HLS file');
        return;
      }
      next(err);
    });
  };

  return (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD, OPTIONS');
      sendError(res, 405, 'HTTP_METHOD_NOT_ALLOWED', `${req.method} is not allowed on /hls`);
      return;
    }
    // req.url is the raw path below the mount point (/hls), still percent-encoded: validate
    // that, never a decoded or URL-normalised form.
    const parsed = parseHlsPath(req.url);
    if (!parsed.ok) {
      sendError(res, parsed.status, parsed.code, parsed.reason);
      return;
    }
    if (parsed.kind === 'playlist') {
      const q = req.url.indexOf('?');
      const d = parseDirectives(q === -1 ? '' : (req.url.slice(q + 1).split('#')[0] as string));
      if (!d.ok) {
        sendError(res, 400, 'HLS_BAD_DIRECTIVE', d.reason);
        return;
      }
      if (d.msn !== null) {
        blockingReload(req, res, parsed, d.msn, d.part).catch((err: unknown) => fail(err, res, next));
        return;
      }
    }
    serveFile(req, res, next, parsed).catch((err: unknown) => fail(err, res, next));
  };
}

function setHeaders(res: Response, parsed: HlsPath): void {
  res.setHeader('Content-Type', parsed.contentType);
  res.setHeader('Cache-Control', cacheControlFor(parsed.kind, parsed.segments[parsed.segments.length - 1] as string));
  res.setHeader('X-Content-Type-Options', 'nosniff');
}

function sendPlaylist(res: Response, parsed: HlsPath, text: string): void {
  if (res.destroyed) return;
  setHeaders(res, parsed);
  res.send(Buffer.from(text, 'utf8')); // a Buffer: express leaves the Content-Type as set
}

/** abortOnClose aborts when the client goes away before the answer is sent. */
function abortOnClose(req: Request, res: Response): AbortSignal {
  const ac = new AbortController();
  res.once('close', () => ac.abort());
  req.once('aborted', () => ac.abort());
  return ac.signal;
}

function fail(err: unknown, res: Response, next: (err?: unknown) => void): void {
  const code = (err as NodeJS.ErrnoException).code;
  if (res.headersSent || res.destroyed) return;
  // The playlist went away while held (the stream's directory was removed).
  if (code === 'ENOENT') {
    sendError(res, 404, 'HTTP_NOT_FOUND', 'no such HLS file');
    return;
  }
  next(err);
}
