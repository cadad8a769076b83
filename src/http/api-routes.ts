import { Router } from 'express';
import type { StreamDirectory, StreamSnapshot } from '../stream/stream-snapshot.js';
import { isValidStreamKey } from '../media/stream-key.js';
import { notFound, sendError } from './json-errors.js';
import type { HistorySource } from './stream-history.js';
import type { ClusterListBody } from '../registry/cluster-view.js';
import { UprezError } from '../errors.js';

/** ClusterSource answers the cluster's stream list; null when no registry is configured. */
export type ClusterSource = () => Promise<ClusterListBody | null>;

/** StreamListBody is the JSON shape of GET /api/streams. */
export interface StreamListBody {
  readonly streams: StreamSnapshot[];
}

/** apiRoutes builds the /api router: stream snapshots and (when given) their recent history, JSON errors only. */
export function apiRoutes(streams: StreamDirectory, history?: HistorySource, cluster?: ClusterSource): Router {
  const router = Router();
  router.use((_req, res, next) => {
    // Snapshots are live numbers; a cached one is a wrong one.
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  // GET /api/streams[?scope=local|cluster]: this instance's streams; with scope=cluster also every
  // stream of the cluster and its owner, from the registry.
  router.get('/streams', (req, res, next) => {
    const scope = req.query['scope'] ?? 'local';
    if (scope !== 'local' && scope !== 'cluster') {
      sendError(res, 400, 'HTTP_BAD_QUERY', 'scope must be local or cluster');
      return;
    }
    const body: StreamListBody = { streams: streams.list() };
    if (scope === 'local') {
      res.json(body);
      return;
    }
    (cluster?.() ?? Promise.resolve(null)).then(
      (view) => {
        if (view === null) sendError(res, 400, 'HTTP_BAD_QUERY', 'scope=cluster needs a stream registry (--registry / UPREZ_REGISTRY)');
        else res.json({ ...body, ...view });
      },
      (err: unknown) => {
        if (err instanceof UprezError && err.code === 'REGISTRY_UNAVAILABLE') sendError(res, 503, err.code, err.message);
        else next(err);
      },
    );
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
