import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import { errorMessage, UprezError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { UprezMetrics } from '../metrics/metrics.js';
import type { StreamDirectory } from '../stream/stream-snapshot.js';
import { apiRoutes, type ClusterSource } from './api-routes.js';
import { bearerAuth } from './bearer-auth.js';
import { cors } from './cors.js';
import { hlsRoute } from './hls-route.js';
import { jobRoutes, type JobDirectory } from './job-routes.js';
import { errorHandler, notFound } from './json-errors.js';
import { dashboardRoute, playerRoute, upscalePageRoute } from './player-route.js';
import { upscaleRoutes, type UpscaleDirectory } from './upscale-routes.js';
import { StreamHistory } from './stream-history.js';
import { healthRoutes, type Readiness } from './health-routes.js';

/** HttpServerOptions is everything the HTTP server needs, declared narrowly. */
export interface HttpServerOptions {
  /** Directory holding one folder per stream key. */
  readonly hlsRoot: string;
  readonly streams: StreamDirectory;
  readonly metrics: UprezMetrics;
  /** Asked on every /readyz; ready: false answers 503 with the reason. */
  readonly readiness: () => Readiness;
  readonly log: Logger;
  /** Access-Control-Allow-Origin for /hls and /api. Default '*'. */
  readonly corsOrigin?: string;
  /** When set, /api requires `Authorization: Bearer <apiToken>`. */
  readonly apiToken?: string;
  /** When set, /metrics requires `Authorization: Bearer <metricsToken>`. */
  readonly metricsToken?: string;
  /** The job queue behind /api/jobs (same bearer token as /api); absent = no jobs API. */
  readonly jobs?: JobDirectory;
  /** Directory of file jobs' outputs (DATA_DIR/jobs), served read-only at /vod/ID/… like /hls. */
  readonly vodRoot?: string;
  /** How long close() lets in-flight responses (a segment download) finish before cutting them (ms). Default 2000. */
  readonly closeGraceMs?: number;
  /** player/ folder; found next to the code by default. */
  readonly playerDir?: string;
  /** The cluster's stream list behind GET /api/streams?scope=cluster; absent = 400 for that scope. */
  readonly cluster?: ClusterSource;
  /** The image service behind /api/upscale (same bearer token as /api) and the /upscale page; absent = neither. */
  readonly upscale?: UpscaleDirectory;
}

/**
 * HttpServer is uprez's HTTP face: HLS files, the player page, the stream API, Prometheus
 * metrics and health probes, on one express app. start() listens, close() stops (idempotent).
 */
export class HttpServer {
  private readonly app: Express;
  private readonly log: Logger;
  private server: http.Server | undefined;
  private closing: Promise<void> | undefined;
  private shuttingDown = false;
  /** Recent per-stream samples behind /api/history (the dashboard's plots). */
  private readonly history: StreamHistory;

  constructor(private readonly opts: HttpServerOptions) {
    this.log = opts.log.child({ stage: 'http' });
    this.history = new StreamHistory(opts.streams);
    this.app = this.buildApp();
  }

  /** start listens on `port` (0 picks a free one) and `host`, and resolves with the bound port. */
  async start(port: number, host?: string): Promise<number> {
    if (this.server !== undefined || this.closing !== undefined) {
      throw new UprezError('HTTP_ALREADY_STARTED', 'HttpServer.start() may be called once');
    }
    const server = http.createServer(this.app);
    // Keep-alive sockets would otherwise hold close() open until the client lets go.
    server.keepAliveTimeout = 5_000;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => {
        this.server = undefined;
        reject(new UprezError('HTTP_LISTEN_FAILED', `cannot listen on ${host ?? '*'}:${port}: ${errorMessage(err)}`, { cause: err }));
      };
      server.once('error', onError);
      server.listen(port, host, () => {
        server.off('error', onError);
        resolve();
      });
    });
    server.on('error', (err) => this.log.error('server error', { err: errorMessage(err) }));
    this.history.start();
    const bound = (server.address() as AddressInfo).port;
    this.log.info('http listening', { host: host ?? '*', port: bound });
    return bound;
  }

  /** beginShutdown makes /readyz answer 503 and asks keep-alive clients to reconnect elsewhere. */
  beginShutdown(): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    this.log.info('http draining: /readyz now 503');
  }

  /** close stops listening, ends idle keep-alive sockets at once and busy ones after the grace period. */
  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    this.shuttingDown = true;
    this.history.close();
    const server = this.server;
    if (server === undefined) return;
    this.log.info('http closing');
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const cut = setTimeout(() => server.closeAllConnections(), this.opts.closeGraceMs ?? 2_000);
    cut.unref();
    await closed;
    clearTimeout(cut);
    this.server = undefined;
    this.log.info('http closed');
  }

  private buildApp(): Express {
    const { opts } = this;
    const app = express();
    app.disable('x-powered-by');
    app.use((_req, res, next) => {
      // While draining, answers end their connection so load balancers move clients away.
      if (this.shuttingDown) res.setHeader('Connection', 'close');
      next();
    });
    app.get('/', (_req, res) => res.redirect(302, '/player'));
    app.use(healthRoutes({ readiness: opts.readiness, shuttingDown: () => this.shuttingDown }));
    app.get('/metrics', bearerAuth(opts.metricsToken ?? '', 'metrics'), (_req, res, next) => {
      opts.metrics.registry
        .metrics()
        .then((text) => res.status(200).type(opts.metrics.registry.contentType).set('Cache-Control', 'no-store').send(text), next);
    });
    const allowOrigin = cors(opts.corsOrigin ?? '*');
    app.use('/hls', allowOrigin, hlsRoute(opts.hlsRoot, this.log));
    if (opts.jobs) app.use('/api', allowOrigin, bearerAuth(opts.apiToken ?? '', 'api'), jobRoutes(opts.jobs));
    if (opts.upscale) app.use('/api/upscale', allowOrigin, bearerAuth(opts.apiToken ?? '', 'api'), upscaleRoutes(opts.upscale));
    // A job id is a valid key, so /hls's path rules apply as they are; the job's JSON and state file are never served.
    if (opts.vodRoot) app.use('/vod', allowOrigin, hlsRoute(opts.vodRoot, this.log));
    app.use('/api', allowOrigin, bearerAuth(opts.apiToken ?? '', 'api'), apiRoutes(opts.streams, this.history, opts.cluster));
    app.use('/player', playerRoute(opts.playerDir));
    app.use('/dashboard', dashboardRoute(opts.playerDir));
    if (opts.upscale) app.use('/upscale', upscalePageRoute(opts.playerDir));
    app.use(notFound);
    app.use(errorHandler(this.log));
    return app;
  }
}
