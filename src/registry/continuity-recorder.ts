/**
 * ContinuityRecorder keeps a stream's continuity record one step ahead of what its origin shows:
 * wire commit() as the origin mirror's write-ahead gate (StreamOutputHooks.commit). Each playlist
 * version is saved into the record (fenced by the stream's lease) before its PUT, so a successor
 * never continues from a window older than the one viewers saw, and once the key has changed hands
 * nothing of this instance reaches the origin's playlists again.
 */
import type { Logger } from '../log/logger.js';
import { resolveRef } from '../origin/playlist-refs.js';
import {
  isMasterPlaylist,
  renditionFromPlaylist,
  RETIRED_KEPT,
  type ContinuityState,
  type RenditionContinuity,
  type StreamContinuity,
} from './continuity.js';

/** ContinuityRecorderOptions name the stream, its owner and where the record goes. */
export interface ContinuityRecorderOptions {
  readonly key: string;
  readonly instance: string;
  readonly epoch: number;
  /** The lease's fenced store (StreamLease.continuity). */
  readonly store: StreamContinuity;
  readonly log: Logger;
  /** A predecessor's record to start from (its renditions stay until this instance's own replace them). */
  readonly initial?: ContinuityState | null;
}

/** ContinuityRecorder turns playlist versions about to go up into saved continuity records. */
export class ContinuityRecorder {
  private master: string | null;
  private readonly renditions = new Map<string, RenditionContinuity>();
  private retired: string[];
  private fenced = false;

  constructor(private readonly opts: ContinuityRecorderOptions) {
    this.master = opts.initial?.master ?? null;
    for (const r of Object.values(opts.initial?.renditions ?? {})) this.renditions.set(r.playlist, r);
    this.retired = [...(opts.initial?.retired ?? [])];
  }

  /**
   * commit records a playlist version and saves the record: true when saved (the PUT may go),
   * false when this instance no longer owns the key (fenced: the PUT must not go); rejects when
   * the registry cannot be reached (the mirror tries that playlist again later).
   */
  async commit(relPath: string, text: string): Promise<boolean> {
    if (this.fenced) return false;
    if (isMasterPlaylist(text)) this.master = text;
    else {
      const r = renditionFromPlaylist(relPath, text);
      if (r) {
        this.retire(this.renditions.get(relPath), r);
        this.renditions.set(relPath, r);
      }
    }
    try {
      await this.opts.store.save(this.opts.key, this.state());
      return true;
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code !== 'REGISTRY_FENCED' && code !== 'REGISTRY_WRONG_KEY') throw err;
      if (!this.fenced)
        this.opts.log.warn('stream owned elsewhere now: its playlists stop going to the origin', {
          stream: this.opts.key,
          epoch: this.opts.epoch,
        });
      this.fenced = true;
      return false;
    }
  }

  /** retire notes the segments of `before` that `after` no longer lists (they left the window). */
  private retire(before: RenditionContinuity | undefined, after: RenditionContinuity): void {
    if (!before) return;
    const still = new Set(after.segments.map((s) => s.uri));
    for (const s of before.segments) {
      const rel = still.has(s.uri) ? null : resolveRef(before.playlist, s.uri);
      if (rel !== null && !this.retired.includes(rel)) this.retired.push(rel);
    }
    if (this.retired.length > RETIRED_KEPT) this.retired.splice(0, this.retired.length - RETIRED_KEPT);
  }

  /** state is the record as it stands. */
  state(): ContinuityState {
    return {
      v: 1,
      key: this.opts.key,
      epoch: this.opts.epoch,
      instance: this.opts.instance,
      updatedAt: Date.now(),
      master: this.master,
      renditions: Object.fromEntries(this.renditions),
      retired: [...this.retired],
    };
  }
}
