import { Router } from 'express';
import { errorMessage } from '../errors.js';

/** Readiness is what the composer reports: ready to take viewers, or why not. */
export interface Readiness {
  readonly ready: boolean;
  readonly reason?: string;
}

/** HealthDeps is what the probes consult. */
export interface HealthDeps {
  readonly readiness: () => Readiness;
  readonly shuttingDown: () => boolean;
}

/**
 * healthRoutes answers /healthz (the process serves: always 200) and /readyz (200 only when the
 * composer says ready and no shutdown has begun, else 503 with the reason).
 */
export function healthRoutes(deps: HealthDeps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ status: 'ok' });
  });
  router.get('/readyz', (_req, res) => {
    let r: Readiness;
    if (deps.shuttingDown()) r = { ready: false, reason: 'shutting down' };
    else {
      try {
        r = deps.readiness();
      } catch (err) {
        r = { ready: false, reason: `readiness check failed: ${errorMessage(err)}` };
      }
    }
    res.set('Cache-Control', 'no-store');
    if (r.ready) res.status(200).json({ status: 'ready' });
    else res.status(503).json({ status: 'not_ready', reason: r.reason ?? 'not ready' });
  });
  return router;
}
