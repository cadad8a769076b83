import { UprezError } from '../errors.js';

/** The catalogue codes an origin request or file can fail with (see src/errors.ts). */
export type OriginErrorCode =
  | 'ORIGIN_HTTP_STATUS'
  | 'ORIGIN_NETWORK'
  | 'ORIGIN_TIMEOUT'
  | 'ORIGIN_FILE_MISSING'
  | 'ORIGIN_FILE_UNREADABLE'
  | 'ORIGIN_COMMIT_FAILED'
  | 'ORIGIN_FENCED'
  | 'ORIGIN_CLOSED';

/** OriginError is a failed origin request or file: `retryable` says whether trying again can help. */
export class OriginError extends UprezError {
  constructor(
    code: OriginErrorCode,
    message: string,
    readonly retryable: boolean,
    /** The origin's HTTP status, when it answered (ORIGIN_HTTP_STATUS). */
    readonly originStatus?: number,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/**
 * isRetryableStatus: request timeout, a WebDAV lock held by another request (423: rclone serve
 * webdav answers it while a file or directory is being written), too early, too many requests, and
 * every 5xx are worth another try.
 */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 423 || status === 425 || status === 429 || status >= 500;
}

/** asOriginError classifies anything a request threw; unknown errors (sockets, DNS) are retryable ORIGIN_NETWORK errors. */
export function asOriginError(err: unknown): OriginError {
  if (err instanceof OriginError) return err;
  const errno = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  const text = typeof errno === 'string' && !message.includes(errno) ? `${errno}: ${message}` : message;
  return new OriginError('ORIGIN_NETWORK', text, true, undefined, { cause: err });
}
