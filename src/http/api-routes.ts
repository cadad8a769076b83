import { Router } from 'express';
import type { StreamDirectory, StreamSnapshot } from '../stream/stream-snapshot.js';
import { isValidStreamKey } from '../ingest/stream-key.js';
import { notFound, sendError } from './json-errors.js';

/** StreamListBody is the JSON shape of GET /api/streams. */
export interface StreamListBody {
  readonly streams: StreamSnapshot[];
}

/** apiRoutes builds the /api router: stream snapshots, JSON errors only. */
export function apiRoutes(streams: StreamDirectory): Router {
  const router = Router();
  router.use((_req, res, next) => {
    // Snapshots are live numbers; a cached one is a wrong one.
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  router.get('/streams', (_req, res) => {
    const body: StreamListBody = { streams: streams.list() };
    res.json(body);
  });
  router.get('/streams/:key', (req, res) => {
    const key = req.params.key;
    const snap = isValidStreamKey(key) ? streams.get(key) : undefined;
    if (snap === undefined) {
      sendError(res, 404, 'HTTP_STREAM_NOT_FOUND', 'no such stream');
      return;
    }
    res.json(snap);
  });
  // Keep unknown /api paths JSON even if a later route would answer otherwise.
  router.use(notFound);
  return router;
}
