import { UprezError } from '../errors.js';

/** OriginError is a failed origin request or file: `retryable` says whether trying again can help. */
export class OriginError extends UprezError {
  constructor(
    code: string,
    message: string,
    readonly retryable: boolean,
    /** The origin's HTTP status, when it answered. */
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(code, message, 'origin', false, options);
  }
}

/** isRetryableStatus: request timeout, too early, too many requests, and every 5xx are worth another try. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/** asOriginError classifies anything a request threw; unknown errors (sockets, DNS) are retryable. */
export function asOriginError(err: unknown): OriginError {
  if (err instanceof OriginError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  return new OriginError(typeof code === 'string' ? `ORIGIN_${code}` : 'ORIGIN_REQUEST_FAILED', message, true, undefined, { cause: err });
}
