/** The data uprez's HLS playlists are rendered from (pure values; see media-playlist-render.ts). */

/** PartEntry is one LL-HLS partial segment (EXT-X-PART). */
export interface PartEntry {
  readonly uri: string;
  /** Seconds. */
  readonly duration: number;
  /** Starts with a keyframe (INDEPENDENT=YES). */
  readonly independent: boolean;
}

/** SegmentEntry is one media segment of a media playlist. */
export interface SegmentEntry {
  /** Media sequence number. */
  readonly msn: number;
  readonly uri: string;
  /** Seconds (EXTINF). */
  readonly duration: number;
  /** Wall-clock time of the segment's first frame, ms since the epoch (EXT-X-PROGRAM-DATE-TIME). */
  readonly programDateTime: number;
  /** First segment after an encoder restart or a reconnect (EXT-X-DISCONTINUITY). */
  readonly discontinuity: boolean;
  /** fMP4: the initialization section (EXT-X-MAP URI). */
  readonly map?: string;
  /** LL-HLS: the segment's parts (rendered only near the live edge). */
  readonly parts?: readonly PartEntry[];
  /** Size of the segment file, bytes. */
  readonly bytes: number;
  /** No media: a rung lost this segment in an encoder crash (EXT-X-GAP; the URI is not served). */
  readonly gap?: boolean;
}

/** PendingSegment is the LL-HLS segment still being written: its parts so far. */
export interface PendingSegment {
  readonly parts: readonly PartEntry[];
  readonly programDateTime: number;
  readonly discontinuity: boolean;
  readonly map?: string;
}

/** LowLatencyModel is what an LL-HLS media playlist adds. */
export interface LowLatencyModel {
  /** Seconds: no part is longer (EXT-X-PART-INF PART-TARGET). */
  readonly partTarget: number;
  /** Seconds (EXT-X-SERVER-CONTROL PART-HOLD-BACK), at least 3 x partTarget. */
  readonly partHoldBack: number;
  readonly pending: PendingSegment | null;
  /** URI of the next part (EXT-X-PRELOAD-HINT TYPE=PART), null once the stream ended. */
  readonly preloadHint: string | null;
  /** Parts are listed for this many segments at the end (plus the pending one). */
  readonly partSegments: number;
}

/** MediaPlaylistModel is one rung's media playlist. */
export interface MediaPlaylistModel {
  readonly targetDuration: number;
  readonly mediaSequence: number;
  /** Discontinuity tags that slid out of the window (EXT-X-DISCONTINUITY-SEQUENCE). */
  readonly discontinuitySequence: number;
  readonly segments: readonly SegmentEntry[];
  readonly lowLatency?: LowLatencyModel;
  readonly endList: boolean;
}

/** VariantEntry is one variant stream of the master playlist. */
export interface VariantEntry {
  /** URI of its media playlist, relative to the master, e.g. "720p/index.m3u8". */
  readonly uri: string;
  /** bit/s, at least the peak segment bit rate (RFC 8216 4.3.4.2). */
  readonly bandwidth: number;
  /** bit/s, the average segment bit rate. */
  readonly averageBandwidth: number;
  /** RFC 6381 codecs of every format in the variant, e.g. ["avc1.64001f", "mp4a.40.2"]. */
  readonly codecs: readonly string[];
  readonly width: number;
  readonly height: number;
  readonly frameRate: number;
}
