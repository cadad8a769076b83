import { Router } from 'express';
import type { StreamDirectory, StreamSnapshot } from '../stream/stream-snapshot.js';
import { isValidStreamKey } from '../ingest/stream-key.js';
import { notFound, sendError } from './json-errors.js';
import type { HistorySource } from './stream-history.js';

/** StreamListBody is the JSON shape of GET /api/streams. */
export interface StreamListBody {
  readonly streams: StreamSnapshot[];
}

/** apiRoutes builds the /api router: stream snapshots and (when given) their recent history, JSON errors only. */
export function apiRoutes(streams: StreamDirectory, history?: HistorySource): Router {
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
  if (history !== undefined) {
    // GET /api/history[?since=MS]: per-stream samples for the dashboard's plots.
    router.get('/history', (req, res) => {
      const raw = req.query['since'];
      const since = typeof raw === 'string' && /^\d{1,15}$/.test(raw) ? Number(raw) : undefined;
      if (raw !== undefined && since === undefined) {
        sendError(res, 400, 'HTTP_BAD_QUERY', 'since must be a time in ms since the epoch');
        return;
      }
      res.json(history.body(since));
    });
  }
  // Keep unknown /api paths JSON even if a later route would answer otherwise.
  router.use(notFound);
  return router;
}
