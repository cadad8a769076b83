// src/hls/hls-output.ts (the hls helper creates it exactly like this; scaleout copies it verbatim
// into its branch so both compile; the core team dedupes on merge)
export type HlsFileKind = 'init' | 'segment' | 'part';

/** HlsOutput receives one stream's HLS files in the order they must become visible. */
export interface HlsOutput {
  /** A media file is complete on local disk at absPath; publish it as relPath (e.g. "720p/a1b2_00042.ts"). */
  file(relPath: string, absPath: string, kind: HlsFileKind): void;
  /**
   * A playlist's new full text (relPath "master.m3u8" or "720p/index.m3u8"). It may become visible
   * only after every file()/part announced before it has become visible (a viewer never gets a 404).
   */
  playlist(relPath: string, text: string): void;
  /** A media file left the live window: delete it (after the playlist that dropped it is visible). */
  remove(relPath: string): void;
  /** Flush what is queued (bounded wait), then stop; idempotent. */
  close(): Promise<void>;
}
