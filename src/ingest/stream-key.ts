/**
 * Transitional: the stream key moved to media/stream-key.ts (every layer names streams by it, and
 * ingest/ importing it made hls/, origin/ and registry/ depend on the ingest). Kept only for
 * stream/stream-manager.ts and http/api-routes.ts; delete once they import media/stream-key.js.
 */
export { isValidStreamKey, RTMP_APP, STREAM_KEY_PATTERN } from '../media/stream-key.js';
