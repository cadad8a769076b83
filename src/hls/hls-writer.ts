import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { errorMessage, UprezError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { peakBandwidthBound, type RungRates } from './bandwidth.js';
import { DirHlsOutput } from './dir-hls-output.js';
import type { HlsFileKind, HlsOutput } from './hls-output.js';
import { MASTER_PLAYLIST, MEDIA_PLAYLIST, checkRunId, newRunId } from './hls-names.js';
import { renderMasterPlaylist, renderMediaPlaylist } from './playlist-render.js';
import { type CarriedWindow, RungPlaylist } from './rung-playlist.js';
import { HlsSession } from './hls-session.js';

/** HlsMode is how a live stream is packaged: classic MPEG-TS segments, or LL-HLS (fMP4 parts). */
export type HlsMode = 'classic' | 'll';

/** HLS_MODES are the accepted values of --hls-mode. */
export const HLS_MODES: readonly HlsMode[] = ['ll', 'classic'];

/**
 * PART-HOLD-BACK in parts: one more than RFC 8216bis' minimum of three, so a player at that
 * distance from the edge rides out a part that comes a part late (a busy host) without stalling.
 */
export const PART_HOLD_BACK_PARTS = 4;

/** Default LL-HLS part length: 6 frames at 25 fps, 8 at 30 (parts hold whole frames). */
export const DEFAULT_PART_TARGET_SECONDS = 0.25;

/** HlsWriterOptions fix a stream run's packaging. */
export interface HlsWriterOptions {
  readonly mode: HlsMode;
  /** The stream's local directory (DATA_DIR/hls/KEY): media files are written there. */
  readonly dir: string;
  readonly segmentSeconds: number;
  /** Segments in each live playlist (default 6). */
  readonly listSize?: number;
  /** LL-HLS: wanted part length, seconds (default 0.25; parts are whole frames). */
  readonly partTargetSeconds?: number;
  /** Where the files go, in order; default: the local directory alone. */
  readonly outputs?: readonly HlsOutput[];
  /**
   * The windows a predecessor left, by media playlist path ("720p/index.m3u8"): the stream moved
   * here from an instance that died, and its playlists go on (same sequence numbers, the old
   * window first, then a DISCONTINUITY). Renditions of another name start new.
   */
  readonly continueFrom?: { readonly renditions: Readonly<Record<string, CarriedWindow>> } | null;
  readonly log: Logger;
  /** For tests: a fixed run id (see newRunId). */
  readonly runId?: string;
}

/** RungSpec is one rung as the encoder makes it. */
export interface RungSpec {
  readonly name: string;
  readonly width: number;
  readonly height: number;
  readonly rates: RungRates;
}

/** SessionSpec is what one encoder (a session of the stream) produces. */
export interface SessionSpec {
  /** Largest first; names and order must be the same in every session of a run. */
  readonly rungs: readonly RungSpec[];
  readonly fpsNum: number;
  readonly fpsDen: number;
  readonly hasAudio: boolean;
  /** A rung's segment was published (for metrics). */
  readonly onSegment?: (rung: string, file: string) => void;
  /** A media file could not be written (disk full, read-only): the session cannot go on. */
  readonly onError?: (err: Error) => void;
}

/** LlPart is one LL-HLS part as the encoder cut it. */
export interface LlPart {
  /** moof + mdat bytes. */
  readonly data: Buffer;
  readonly duration: number;
  /** Starts with a keyframe: it begins a new segment. */
  readonly startsSegment: boolean;
  /** The next frame is a keyframe: this part ends its segment (it may be shorter than the others). */
  readonly endsSegment?: boolean;
  /** Wall-clock time of its first frame, ms since the epoch. */
  readonly programDateTime: number;
}

/** RungState is the writer's state for one rung (shared with HlsSession). */
export interface RungState {
  readonly spec: RungSpec;
  readonly playlist: RungPlaylist;
  codecs: string[] | null;
  /** LL: the pending segment's part data (the segment file is their concatenation). */
  partData: Buffer[];
  parts: number;
}

/**
 * targetDurationFor is the EXT-X-TARGETDURATION of segments cut at keyframes forced every
 * `segmentSeconds` (the first frame at or after each multiple): no segment is longer than
 * ceil(segmentSeconds x fps) frames, rounded to the nearest second as RFC 8216 compares them.
 */
export function targetDurationFor(segmentSeconds: number, fps: number): number {
  const longest = Math.ceil(segmentSeconds * fps - 1e-9) / fps;
  return Math.max(1, Math.round(longest));
}

/** partFramesFor is how many frames an LL-HLS part holds: the wanted length rounded, at least one. */
export function partFramesFor(partTargetSeconds: number, fps: number): number {
  return Math.max(1, Math.round(partTargetSeconds * fps));
}

/**
 * HlsWriter owns a stream run's public playlists for the run's whole life, across encoder
 * restarts and publisher reconnects: each encoder is a session (beginSession) whose segments it
 * numbers on (media sequence), marks with DISCONTINUITY and counts in DISCONTINUITY-SEQUENCE once
 * they slide out, and publishes through its outputs, media before the playlists that list it,
 * deletions after. Segments are published in step across rungs (segment N of every rung at once,
 * classic), so media sequence numbers mean the same time in every rung. One task queue keeps
 * every output call in order; nothing here waits on a viewer.
 */
export class HlsWriter {
  readonly runId: string;
  readonly mode: HlsMode;
  private readonly outputs: readonly HlsOutput[];
  private readonly rungs = new Map<string, RungState>();
  private order: string[] = [];
  private spec: SessionSpec | null = null;
  private sessions = 0;
  private current: HlsSession | null = null;
  private masterText: string | null = null;
  /** BANDWIDTH each rung's variant declares in the master as published. */
  private readonly declared = new Map<string, number>();
  private chain: Promise<void> = Promise.resolve();
  private tasks = 0;
  private pendingBytes = 0;
  private endPromise: Promise<void> | null = null;
  /** end() began: the master's averages are the measured ones from now on. */
  private ending = false;
  private readonly log: Logger;
  /** Fixed by the first session. */
  targetDuration = 0;
  partFrames = 0;

  constructor(readonly opts: HlsWriterOptions) {
    this.runId = checkRunId(opts.runId ?? newRunId());
    this.mode = opts.mode;
    this.log = opts.log.child({ stage: 'hls', run: this.runId });
    this.outputs = opts.outputs ?? [new DirHlsOutput(opts.dir, this.log)];
  }

  /** sessionCount is the number of encoders that wrote into this run so far. */
  get sessionCount(): number {
    return this.sessions;
  }

  /** ended says whether end() was called. */
  get ended(): boolean {
    return this.endPromise !== null;
  }

  /** backlog is the bytes of media queued but not yet on disk (LL): the encoder slows its reading past a bound. */
  get backlog(): number {
    return this.pendingBytes;
  }

  /** idle resolves once every queued task ran. */
  idle(): Promise<void> {
    return this.chain;
  }

  /** beginSession starts an encoder's session (ending the previous one if its encoder did not). */
  beginSession(spec: SessionSpec): HlsSession {
    if (this.endPromise) throw new UprezError('HLS_ENDED', 'the stream run has ended: no new session');
    if (this.current && !this.current.isEnded) {
      this.log.warn('a new encoder session began before the last one ended; ending it');
      void this.current.end();
    }
    const fps = spec.fpsNum / spec.fpsDen;
    if (!this.spec) {
      this.spec = spec;
      this.order = spec.rungs.map((r) => r.name);
      this.targetDuration = targetDurationFor(this.opts.segmentSeconds, fps);
      this.partFrames = partFramesFor(this.opts.partTargetSeconds ?? DEFAULT_PART_TARGET_SECONDS, fps);
      const partTarget = this.partFrames / fps;
      const carried = this.opts.continueFrom?.renditions ?? {};
      // EXT-X-TARGETDURATION may not shrink within a playlist's life (RFC 8216 6.2.1).
      for (const r of spec.rungs)
        this.targetDuration = Math.max(this.targetDuration, Math.ceil(carried[`${r.name}/${MEDIA_PLAYLIST}`]?.targetDuration ?? 0));
      for (const r of spec.rungs) {
        const playlist = new RungPlaylist({
          name: r.name,
          targetDuration: this.targetDuration,
          listSize: this.opts.listSize ?? 6,
          ...(this.mode === 'll' ? { lowLatency: { partTarget, partHoldBack: PART_HOLD_BACK_PARTS * partTarget } } : {}),
        });
        const window = carried[`${r.name}/${MEDIA_PLAYLIST}`];
        if (window) playlist.carry(window, r.name);
        this.rungs.set(r.name, { spec: r, playlist, codecs: null, partData: [], parts: 0 });
      }
      this.log.info('hls run started', {
        mode: this.mode,
        rungs: this.order.join(','),
        targetDuration: this.targetDuration,
        ...(this.mode === 'll' ? { partFrames: this.partFrames } : {}),
      });
    } else {
      const names = spec.rungs.map((r) => r.name).join(',');
      if (names !== this.order.join(','))
        throw new UprezError('HLS_LADDER_CHANGED', `the ladder changed within a stream run: ${this.order.join(',')} then ${names}`);
    }
    this.sessions++;
    const session = new HlsSession(this, this.sessions, spec);
    for (const r of this.rungs.values()) r.playlist.newSession(this.sessions > 1);
    this.current = session;
    return session;
  }

  /**
   * end finishes the run: the open session's last segments are completed, every playlist gets
   * #EXT-X-ENDLIST, the master its measured bit rates, and the outputs are closed. Idempotent.
   */
  end(): Promise<void> {
    if (!this.endPromise) {
      this.ending = true;
      const finish = (): void => {
        for (const r of this.rungs.values()) r.playlist.end();
        // Playlists first (their last segments), then the master with the final measurements.
        for (const name of this.order) if (this.rung(name).playlist.hasContent) this.publishMedia(name);
        if (this.masterText !== null || this.publishable()) this.publishMaster(true);
      };
      const close = async (): Promise<void> => {
        await Promise.all(this.outputs.map((o) => o.close()));
        this.log.info('hls run ended', { sessions: this.sessions });
      };
      if (this.tasks === 0 && (!this.current || this.current.isEnded)) {
        // The usual case (the last encoder has exited and its session was published): ENDLIST
        // is written before end() returns, so a stream reported ended has ended playlists.
        finish();
        this.endPromise = close();
      } else {
        this.endPromise = (async () => {
          if (this.current && !this.current.isEnded) await this.current.end();
          this.enqueue(finish);
          await this.chain;
          await close();
        })();
      }
    }
    return this.endPromise;
  }

  // ---- used by HlsSession ----

  /** @internal */ enqueue(task: () => Promise<void> | void, bytes = 0): void {
    this.pendingBytes += bytes;
    this.tasks++;
    this.chain = this.chain.then(task).then(
      () => {
        this.pendingBytes -= bytes;
        this.tasks--;
      },
      (err: unknown) => {
        this.pendingBytes -= bytes;
        this.tasks--;
        this.log.error('hls task failed', { err: errorMessage(err) });
        this.current?.fail(err instanceof Error ? err : new Error(String(err)));
      },
    );
  }

  /** @internal */ rung(name: string): RungState {
    const r = this.rungs.get(name);
    if (!r) throw new UprezError('HLS_UNKNOWN_RUNG', `no rung ${name} in this run`);
    return r;
  }

  /** @internal */ get rungNames(): readonly string[] {
    return this.order;
  }

  /** @internal */ abs(rel: string): string {
    return path.join(this.opts.dir, rel);
  }

  /** @internal */ announce(rel: string, kind: HlsFileKind): void {
    for (const o of this.outputs) o.file(rel, this.abs(rel), kind);
  }

  /** @internal */ remove(rels: readonly string[]): void {
    for (const rel of rels) for (const o of this.outputs) o.remove(rel);
  }

  /** @internal */ publishMedia(name: string): void {
    const text = renderMediaPlaylist(this.rung(name).playlist.model());
    for (const o of this.outputs) o.playlist(`${name}/${MEDIA_PLAYLIST}`, text);
  }

  /** @internal */ publishable(): boolean {
    return this.rungs.size > 0 && [...this.rungs.values()].every((r) => r.codecs !== null && r.playlist.hasContent);
  }

  /**
   * @internal Publishes the master when it first can (after every rung's media playlist) and
   * again whenever a rung's measured peak passed the BANDWIDTH it declares, or at the end.
   */
  publishMaster(force = false): void {
    if (!this.publishable()) return;
    const variants = this.order.map((name) => this.variant(name));
    const text = renderMasterPlaylist(variants);
    if (!force && text === this.masterText) return;
    const first = this.masterText === null;
    this.masterText = text;
    variants.forEach((v, i) => this.declared.set(this.order[i] as string, v.bandwidth));
    for (const o of this.outputs) o.playlist(MASTER_PLAYLIST, text);
    if (first) this.log.info('master playlist published', { rungs: this.order.join(',') });
  }

  /** @internal Whether a rung measured a peak above what the master declares (the master must go first). */
  masterBehind(): boolean {
    if (this.masterText === null) return false;
    return this.order.some((name) => this.rung(name).playlist.measuredPeak > (this.declared.get(name) ?? 0));
  }

  private bound(r: RungState): number {
    const fps = (this.spec as SessionSpec).fpsNum / (this.spec as SessionSpec).fpsDen;
    const container = this.mode === 'll' ? 'fmp4' : 'mpegts';
    return peakBandwidthBound(r.spec.rates, this.opts.segmentSeconds, container, this.mode === 'll' ? fps / this.partFrames : 0);
  }

  private variant(name: string): Parameters<typeof renderMasterPlaylist>[0][number] {
    const r = this.rung(name);
    const spec = this.spec as SessionSpec;
    const bound = this.bound(r);
    const nominal = Math.ceil((r.spec.rates.videoMaxrate + (r.spec.rates.audioBitrate ?? 0)) * 1.05);
    const measured = r.playlist.measuredAverage;
    return {
      uri: `${name}/${MEDIA_PLAYLIST}`,
      bandwidth: Math.max(bound, r.playlist.measuredPeak),
      // Until a few segments are in, the encoder's target is a better average than the first
      // segment (its keyframe and the VBV's initial fill make it the largest).
      averageBandwidth: this.ending && measured > 0 ? measured : nominal,
      codecs: r.codecs ?? [],
      width: r.spec.width,
      height: r.spec.height,
      frameRate: spec.fpsNum / spec.fpsDen,
    };
  }

  /** @internal Writes a media file atomically into the stream directory. */
  async writeMedia(rel: string, data: Buffer | readonly Buffer[]): Promise<void> {
    const abs = this.abs(rel);
    await mkdir(path.dirname(abs), { recursive: true });
    const tmp = `${abs}.tmp`;
    await writeFile(tmp, Array.isArray(data) ? Buffer.concat(data as Buffer[]) : (data as Buffer));
    await rename(tmp, abs);
  }
}

export { HlsSession, type ClassicSegment } from './hls-session.js';
