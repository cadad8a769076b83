import type { RequestHandler } from 'express';
import type { Logger } from '../log/logger.js';
import { errorMessage } from '../errors.js';
import { sendError } from './json-errors.js';
import { resolveInside } from './resolve-inside.js';
import { type HlsFileKind, parseHlsPath } from './safe-path.js';

/**
 * Cache policy by file kind. Playlists change every segment; media segments never change once
 * listed (the encoder writes them under new names); init sections keep one name per stream, so
 * they are revalidated (cheap: ETag) rather than cached across a republish.
 */
export const HLS_CACHE_CONTROL: Readonly<Record<HlsFileKind, string>> = {
  playlist: 'no-cache',
  segment: 'public, max-age=86400',
  init: 'no-cache',
};

/** hlsRoute serves GET/HEAD /hls/KEY/... from `hlsRoot`/KEY, refusing any path that could leave it. */
export function hlsRoute(hlsRoot: string, log: Logger): RequestHandler {
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
    resolveInside(hlsRoot, [parsed.key, ...parsed.segments]).then(
      (found) => {
        if (found === null) {
          sendError(res, 404, 'HTTP_NOT_FOUND', 'no such HLS file');
          return;
        }
        res.setHeader('Content-Type', parsed.contentType);
        res.setHeader('Cache-Control', HLS_CACHE_CONTROL[parsed.kind]);
        res.setHeader('X-Content-Type-Options', 'nosniff');
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
          // Deleted between realpath and open (the encoder rotated it out of the playlist), or
          // refused by send itself (403: a link that resolves to a dot-file): not a file we serve.
          if (code === 'ENOENT' || status === 404 || status === 403) {
            sendError(res, 404, 'HTTP_NOT_FOUND', 'no such HLS file');
            return;
          }
          next(err);
        });
      },
      (err: unknown) => next(err),
    );
  };
}
