/** Prometheus metrics of the origin mirror, registered on the server's own registry. */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { DROP_REASONS, UPLOAD_KINDS } from './upload-types.js';

/** Upload time buckets, seconds: loopback milliseconds up to a timed-out request. */
export const UPLOAD_SECONDS_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** OriginMetrics holds the uprez_origin_* series; labels: stream (the key), kind (init|segment|part|playlist|delete), reason (a DropReason). */
export interface OriginMetrics {
  /** Time of one successful PUT or DELETE. */
  readonly uploadSeconds: Histogram<'stream' | 'kind'>;
  /** Requests that failed (each attempt), by kind. */
  readonly failuresTotal: Counter<'stream' | 'kind'>;
  /** Failed requests that will be tried again. */
  readonly retriesTotal: Counter<'stream' | 'kind'>;
  /** Files, playlists and deletes that never reached the origin, by reason. */
  readonly droppedTotal: Counter<'stream' | 'kind' | 'reason'>;
  /** Items waiting or in flight. */
  readonly queueDepth: Gauge<'stream'>;
  /** Bytes of the media files waiting or in flight (held on disk). */
  readonly queueBytes: Gauge<'stream'>;
}

/** createOriginMetrics registers the origin mirror's metrics on `registry` (call once per registry). */
export function createOriginMetrics(registry: Registry): OriginMetrics {
  const registers = [registry];
  return {
    uploadSeconds: new Histogram({
      name: 'uprez_origin_upload_seconds',
      help: 'Time of one successful request to the HLS origin, by kind (init, segment, part, playlist, delete).',
      labelNames: ['stream', 'kind'] as const,
      buckets: [...UPLOAD_SECONDS_BUCKETS],
      registers,
    }),
    failuresTotal: new Counter({
      name: 'uprez_origin_upload_failures_total',
      help: 'Requests to the HLS origin that failed (every attempt), by kind.',
      labelNames: ['stream', 'kind'] as const,
      registers,
    }),
    retriesTotal: new Counter({
      name: 'uprez_origin_upload_retries_total',
      help: 'Failed requests to the HLS origin that will be tried again, by kind.',
      labelNames: ['stream', 'kind'] as const,
      registers,
    }),
    droppedTotal: new Counter({
      name: 'uprez_origin_dropped_total',
      help: 'Files, playlists and deletes that never reached the HLS origin, by kind and reason (overflow, missing, rejected, expired, closed, invalid).',
      labelNames: ['stream', 'kind', 'reason'] as const,
      registers,
    }),
    queueDepth: new Gauge({
      name: 'uprez_origin_queue_depth',
      help: 'Requests waiting for or in flight to the HLS origin.',
      labelNames: ['stream'] as const,
      registers,
    }),
    queueBytes: new Gauge({
      name: 'uprez_origin_queue_bytes',
      help: 'Bytes of media files waiting for or in flight to the HLS origin.',
      labelNames: ['stream'] as const,
      registers,
    }),
  };
}

/** forgetOriginStream removes every origin series of stream `key` (call with the stream's other series). */
export function forgetOriginStream(m: OriginMetrics, key: string): void {
  // prom-client removes exact label sets only; the kinds and reasons are a small closed list.
  for (const kind of UPLOAD_KINDS) {
    for (const metric of [m.uploadSeconds, m.failuresTotal, m.retriesTotal]) metric.remove({ stream: key, kind });
    for (const reason of DROP_REASONS) m.droppedTotal.remove({ stream: key, kind, reason });
  }
  m.queueDepth.remove({ stream: key });
  m.queueBytes.remove({ stream: key });
}
