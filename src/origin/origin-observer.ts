/**
 * One stream's QueueObserver: Prometheus series, plus log lines a person can read during an
 * outage (one when the origin starts failing, one when it is back, drops summed at most every 10 s)
 * instead of one line per failed request.
 */
import { errorMessage } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { OriginMetrics } from './origin-metrics.js';
import type { DropReason, QueueObserver, UploadKind } from './upload-types.js';

const DROP_LOG_EVERY_MS = 10_000;

/** originObserver reports stream `key`'s queue to `metrics` (when given) and `log`; `visible` hears visible playlists. */
export function originObserver(
  key: string,
  log: Logger,
  metrics: OriginMetrics | undefined,
  visible?: (rel: string, text: string) => void,
): QueueObserver {
  let failing = 0;
  let drops: Partial<Record<`${UploadKind}/${DropReason}`, number>> = {};
  let dropLoggedAt = 0;
  const flushDrops = (now: number): void => {
    if (Object.keys(drops).length === 0 || now - dropLoggedAt < DROP_LOG_EVERY_MS) return;
    log.warn('origin mirror dropped files (see uprez_origin_dropped_total)', { dropped: drops });
    drops = {};
    dropLoggedAt = now;
  };
  return {
    succeeded(kind, seconds) {
      metrics?.uploadSeconds.observe({ stream: key, kind }, seconds);
      if (failing > 0) log.info('origin reachable again', { failedRequests: failing });
      failing = 0;
    },
    failed(kind, retrying, err) {
      metrics?.failuresTotal.inc({ stream: key, kind });
      if (retrying) metrics?.retriesTotal.inc({ stream: key, kind });
      if (failing++ === 0)
        log.warn(retrying ? 'origin request failed; queuing and retrying with backoff' : 'origin refused a request', {
          kind,
          err: errorMessage(err),
        });
    },
    dropped(kind, reason) {
      metrics?.droppedTotal.inc({ stream: key, kind, reason });
      const k = `${kind}/${reason}` as const;
      drops[k] = (drops[k] ?? 0) + 1;
      flushDrops(Date.now());
    },
    depth(items, bytes) {
      metrics?.queueDepth.set({ stream: key }, items);
      metrics?.queueBytes.set({ stream: key }, bytes);
    },
    visible,
  };
}
