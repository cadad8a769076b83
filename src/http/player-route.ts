import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Router } from 'express';
import { UprezError } from '../errors.js';

/** URL paths of the vendored hls.js files, as player/index.html and player.js reference them. */
export const HLS_JS_PATH = '/player/vendor/hls.mjs';
export const HLS_WORKER_PATH = '/player/vendor/hls.worker.js';

/** One file the player route serves: where it is on disk and what it is. */
interface PlayerFile {
  readonly file: string;
  readonly contentType: string;
}

/**
 * The player's own CSP: everything from this origin, media through MediaSource blob: URLs, and
 * hls.js's demux worker from the vendored script. No inline script, no CDN.
 */
export const PLAYER_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "media-src 'self' blob:",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'self'",
].join('; ');

/**
 * findPlayerDir walks up from this module to the repo's player/ folder, so the same code finds it
 * from src/http (vitest) and from dist/src/http (built), and in the image (/app/player).
 */
export function findPlayerDir(from: string = path.dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (let i = 0; i < 5; i++) {
    const candidate = path.join(dir, 'player');
    if (existsSync(path.join(candidate, 'index.html'))) return candidate;
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new UprezError('HTTP_PLAYER_MISSING', `player/index.html not found above ${from}; ship the player/ folder beside dist/`);
}

/** resolveHlsJs finds the installed hls.js ESM build and its worker (no copy, no build step). */
function resolveHlsJs(): { module: string; map: string; worker: string } {
  const require = createRequire(import.meta.url);
  try {
    const module = require.resolve('hls.js/dist/hls.min.mjs');
    return { module, map: `${module}.map`, worker: require.resolve('hls.js/dist/hls.worker.js') };
  } catch (err) {
    throw new UprezError('HTTP_PLAYER_MISSING', 'hls.js is not installed (npm ci)', { cause: err });
  }
}

const HTML = 'text/html; charset=utf-8';
const JS = 'text/javascript; charset=utf-8';

/** The player's, the dashboard's and the upscale page's ES modules in player/, served under /player/. */
export const PLAYER_MODULES = [
  'player.js',
  'compare.js',
  'compare-controls.js',
  'hls-config.js',
  'live-badge.js',
  'stream-sync.js',
  'util.js',
  'dashboard.js',
  'chart.js',
  'upscale.js',
  'upscale-api.js',
  'upscale-video.js',
] as const;

/** The upscale page's CSP: the player's, with blob: images (previews are fetched with the API token, then shown). */
export const UPSCALE_CSP = PLAYER_CSP.replace("img-src 'self' data:", "img-src 'self' data: blob:");

/** playerRoute serves the player page at /player (and /player/), its modules and styles, and the vendored hls.js. */
export function playerRoute(playerDir: string = findPlayerDir()): Router {
  const hls = resolveHlsJs();
  // An allow-list, not a static folder: only these files, and nothing else in player/, go out.
  const files = new Map<string, PlayerFile>([
    ['/', { file: path.join(playerDir, 'index.html'), contentType: HTML }],
    ['/index.html', { file: path.join(playerDir, 'index.html'), contentType: HTML }],
    ...PLAYER_MODULES.map((m): [string, PlayerFile] => [`/${m}`, { file: path.join(playerDir, m), contentType: JS }]),
    ['/player.css', { file: path.join(playerDir, 'player.css'), contentType: 'text/css; charset=utf-8' }],
    ['/vendor/hls.mjs', { file: hls.module, contentType: JS }],
    // hls.min.mjs names its source map relative to itself; devtools fetch it on demand.
    ['/vendor/hls.min.mjs.map', { file: hls.map, contentType: 'application/json; charset=utf-8' }],
    ['/vendor/hls.worker.js', { file: hls.worker, contentType: JS }],
  ]);
  return fileRouter(files);
}

/** dashboardRoute serves the dashboard page at /dashboard (its modules come from /player/). */
export function dashboardRoute(playerDir: string = findPlayerDir()): Router {
  const page: PlayerFile = { file: path.join(playerDir, 'dashboard.html'), contentType: HTML };
  return fileRouter(
    new Map([
      ['/', page],
      ['/index.html', page],
    ]),
  );
}

/** upscalePageRoute serves the page to upscale images and files at /upscale (its modules come from /player/). */
export function upscalePageRoute(playerDir: string = findPlayerDir()): Router {
  const page: PlayerFile = { file: path.join(playerDir, 'upscale.html'), contentType: HTML };
  return fileRouter(
    new Map([
      ['/', page],
      ['/index.html', page],
    ]),
    UPSCALE_CSP,
  );
}

/** fileRouter answers GET for exactly the listed paths, with the player's headers (CSP on pages). */
function fileRouter(files: ReadonlyMap<string, PlayerFile>, csp: string = PLAYER_CSP): Router {
  const router = Router();
  router.get('/{*rest}', (req, res, next) => {
    const entry = files.get(req.path);
    if (entry === undefined) {
      next();
      return;
    }
    res.setHeader('Content-Type', entry.contentType);
    // Revalidate (ETag) so a redeploy is seen at once; the files are small or rarely change.
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (entry.contentType === HTML) res.setHeader('Content-Security-Policy', csp);
    // Sent from its own folder: with an absolute path, send would refuse every file whose path
    // has a dot-folder anywhere (a checkout under ~/.local, pnpm's node_modules/.pnpm).
    res.sendFile(path.basename(entry.file), { root: path.dirname(entry.file), cacheControl: false }, (err?: Error) => {
      if (err && !res.headersSent) next(err);
    });
  });
  return router;
}
