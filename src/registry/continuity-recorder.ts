/**
 * ContinuityRecorder keeps a stream's continuity record equal to what its origin shows: wire its
 * visible() to the origin mirror's hook (StreamOutputHooks.visible), so every playlist version
 * that became visible at the origin updates the record, saved at most every `minIntervalMs`, one
 * save at a time, the newest state winning. A fenced save (the key changed hands) stops it.
 */
import { errorMessage } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { isMasterPlaylist, renditionFromPlaylist, type ContinuityState, type RenditionContinuity, type StreamContinuity } from './continuity.js';

/** ContinuityRecorderOptions name the stream, its owner and where the record goes. */
export interface ContinuityRecorderOptions {
  readonly key: string;
  readonly instance: string;
  readonly epoch: number;
  /** The lease's fenced store (StreamLease.continuity). */
  readonly store: StreamContinuity;
  readonly log: Logger;
  /** Least time between two saves. Default 500 ms. */
  readonly minIntervalMs?: number;
  /** A predecessor's record to start from (its renditions stay until this instance's own replace them). */
  readonly initial?: ContinuityState | null;
}

/** ContinuityRecorder turns visible playlists into saved continuity records. */
export class ContinuityRecorder {
  private master: string | null;
  private readonly renditions = new Map<string, RenditionContinuity>();
  private dirty = false;
  private saving: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lastSave = 0;
  private stopped = false;

  constructor(private readonly opts: ContinuityRecorderOptions) {
    this.master = opts.initial?.master ?? null;
    for (const r of Object.values(opts.initial?.renditions ?? {})) this.renditions.set(r.playlist, r);
  }

  /** visible records a playlist version the origin now shows (the mirror's hook); returns at once. */
  visible(relPath: string, text: string): void {
    if (this.stopped) return;
    if (isMasterPlaylist(text)) this.master = text;
    else {
      const r = renditionFromPlaylist(relPath, text);
      if (r) this.renditions.set(relPath, r);
    }
    this.dirty = true;
    this.schedule();
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
    };
  }

  /** flush saves a pending change now and waits for it; then stops (call at stream end, before the lease is released). */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.saving;
    if (this.dirty && !this.stopped) await this.save();
    this.stopped = true;
  }

  private schedule(): void {
    if (this.timer || this.saving) return;
    const wait = Math.max(0, this.lastSave + (this.opts.minIntervalMs ?? 500) - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.save();
    }, wait);
    this.timer.unref?.();
  }

  private save(): Promise<void> {
    this.dirty = false;
    this.lastSave = Date.now();
    this.saving = this.opts.store.save(this.opts.key, this.state()).then(
      () => {
        this.saving = null;
        if (this.dirty && !this.stopped) this.schedule();
      },
      (err: unknown) => {
        this.saving = null;
        const code = (err as { code?: unknown }).code;
        if (code === 'REGISTRY_FENCED' || code === 'REGISTRY_WRONG_KEY') this.stopped = true;
        else this.dirty = true; // registry briefly unreachable: the next change saves again
        this.opts.log.warn('continuity record not saved', { stream: this.opts.key, err: errorMessage(err) });
      },
    );
    return this.saving;
  }
}
