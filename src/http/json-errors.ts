import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import type { Logger } from '../log/logger.js';
import { UprezError, errorMessage } from '../errors.js';

/** ErrorBody is the JSON shape of every error uprez's HTTP server answers. */
export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string };
}

/** sendError answers `status` with an ErrorBody. */
export function sendError(res: Response, status: number, code: string, message: string): void {
  const body: ErrorBody = { error: { code, message } };
  res.status(status).set('Cache-Control', 'no-store').json(body);
}

/** notFound answers any request no route took with a JSON 404. */
export const notFound: RequestHandler = (req, res) => {
  sendError(res, 404, 'HTTP_NOT_FOUND', `no route for ${req.method} ${req.baseUrl}${req.path}`);
};

/** statusOf reads the 4xx status that express and its helpers attach to client errors. */
function statusOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const s = (err as { status?: unknown; statusCode?: unknown }).status ?? (err as { statusCode?: unknown }).statusCode;
  return typeof s === 'number' && s >= 400 && s < 500 ? s : undefined;
}

/**
 * errorHandler turns thrown errors into JSON: client errors (a malformed URI, say) keep their
 * 4xx status; anything else is logged with its stack and answered 500 without one.
 */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      // Too late for a JSON answer; let express end the connection.
      log.warn('error after response started', { method: req.method, path: req.path, err: errorMessage(err) });
      next(err);
      return;
    }
    // A coded error answers with its catalogue status when that is a client error.
    if (err instanceof UprezError && err.status < 500) {
      sendError(res, err.status, err.code, err.message);
      return;
    }
    const status = statusOf(err);
    if (status !== undefined) {
      sendError(res, status, 'HTTP_BAD_REQUEST', 'bad request');
      return;
    }
    log.error('request failed', {
      method: req.method,
      path: req.path,
      err: errorMessage(err),
      stack: err instanceof Error ? err.stack : undefined,
    });
    sendError(res, 500, 'HTTP_INTERNAL', 'internal server error');
  };
}
