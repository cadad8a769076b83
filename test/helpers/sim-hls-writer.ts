/**
 * A stand-in for the HLS packaging layer, for testing HlsOutput implementations without ffmpeg:
 * it writes segment files (random bytes) for a few renditions to a local folder at a steady
 * pace, keeps sliding live playlists (media sequence, discontinuity sequence), tells its outputs
 * what became visible in the contract's order (files, then playlists, then removes), and can
 * continue a predecessor's playlists from a continuity record. It times every output call.
 */
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { HlsOutput } from '../../src/hls/hls-output.js';
import { continuationOf, type ContinuityState } from '../../src/registry/continuity.js';

interface Entry {
  readonly uri: string;
  readonly duration: number;
  readonly discontinuity: boolean;
}

interface Rendition {
  readonly name: string;
  mediaSequence: number;
  discontinuitySequence: number;
  readonly window: Entry[];
  /** Own segments gone from the window but still on local disk (the local keep-behind). */
  readonly behind: string[];
  next: number;
  nextIsDiscontinuity: boolean;
}

/** SimHlsWriterOptions shape the simulated stream. */
export interface SimHlsWriterOptions {
  /** Local stream folder (like DATA_DIR/hls/KEY). */
  readonly dir: string;
  readonly outputs: readonly HlsOutput[];
  readonly renditions: readonly string[];
  /** Segment duration written in EXTINF, seconds. */
  readonly segmentSeconds: number;
  readonly listSize: number;
  /** Own segments kept on local disk behind the window before they are deleted. */
  readonly localKeepBehind: number;
  /** Segment name prefix, unique per owner (e.g. the lease epoch): e3_00042.ts. */
  readonly prefix: string;
  readonly segmentBytes?: number;
  /** Real media segments to cycle through (makeTsSegments) instead of random bytes, so players can play the result. */
  readonly sourceSegments?: readonly string[];
  /** A predecessor's record: continue its playlists (same numbers, its window, a discontinuity). */
  readonly continueFrom?: ContinuityState | null;
}

/** SimHlsWriter drives HlsOutputs like the HLS layer would. */
export class SimHlsWriter {
  /** Stream-relative paths of every media file announced with file(). */
  readonly announced: string[] = [];
  /** Duration of every output call, ms. */
  readonly callMs: number[] = [];
  private readonly r: Rendition[];
  private masterSent = false;
  /** A predecessor's retired files, removed after the first tick (they may still be at the origin). */
  private retired: readonly string[];

  constructor(private readonly opts: SimHlsWriterOptions) {
    this.retired = opts.continueFrom?.retired ?? [];
    this.r = opts.renditions.map((name) => {
      mkdirSync(path.join(opts.dir, name), { recursive: true });
      const prev = opts.continueFrom?.renditions[`${name}/index.m3u8`];
      if (!prev) return { name, mediaSequence: 0, discontinuitySequence: 0, window: [], behind: [], next: 0, nextIsDiscontinuity: false };
      const c = continuationOf(prev);
      return {
        name,
        mediaSequence: c.mediaSequence,
        discontinuitySequence: c.discontinuitySequence,
        window: prev.segments.map((s) => ({ uri: s.uri, duration: s.duration, discontinuity: s.discontinuity })),
        behind: [],
        next: 0,
        nextIsDiscontinuity: prev.segments.length > 0,
      };
    });
  }

  private call(f: () => void): void {
    const t0 = performance.now();
    f();
    this.callMs.push(performance.now() - t0);
  }

  /** tick writes one segment per rendition and publishes the new playlists (and the master, once), then removes what left the window. */
  tick(): void {
    const removed: string[] = [];
    for (const r of this.r) {
      const uri = `${this.opts.prefix}_${String(r.next++).padStart(5, '0')}.ts`;
      const abs = path.join(this.opts.dir, r.name, uri);
      const src = this.opts.sourceSegments;
      writeFileSync(
        `${abs}.tmp`,
        src?.length ? readFileSync(src[(r.next - 1) % src.length] as string) : randomBytes(this.opts.segmentBytes ?? 24_000),
      );
      renameSync(`${abs}.tmp`, abs);
      const rel = `${r.name}/${uri}`;
      this.announced.push(rel);
      this.call(() => this.opts.outputs.forEach((o) => o.file(rel, abs, 'segment')));
      r.window.push({ uri, duration: this.opts.segmentSeconds, discontinuity: r.nextIsDiscontinuity });
      r.nextIsDiscontinuity = false;
      while (r.window.length > this.opts.listSize) {
        const gone = r.window.shift() as Entry;
        r.mediaSequence++;
        if (gone.discontinuity) r.discontinuitySequence++;
        removed.push(`${r.name}/${gone.uri}`);
        if (gone.uri.startsWith(`${this.opts.prefix}_`)) r.behind.push(gone.uri);
      }
      this.call(() => this.opts.outputs.forEach((o) => o.playlist(`${r.name}/index.m3u8`, this.playlistText(r, false))));
      while (r.behind.length > this.opts.localKeepBehind)
        rmSync(path.join(this.opts.dir, r.name, r.behind.shift() as string), { force: true });
    }
    if (!this.masterSent) {
      this.masterSent = true;
      this.call(() => this.opts.outputs.forEach((o) => o.playlist('master.m3u8', this.masterText())));
    }
    for (const rel of [...this.retired, ...removed]) this.call(() => this.opts.outputs.forEach((o) => o.remove(rel)));
    this.retired = [];
  }

  /** run ticks `count` times, one every `everyMs`. */
  async run(count: number, everyMs: number, onTick?: (i: number) => void | Promise<void>): Promise<void> {
    for (let i = 0; i < count; i++) {
      this.tick();
      await onTick?.(i);
      await new Promise((res) => setTimeout(res, everyMs));
    }
  }

  /** end publishes every playlist with #EXT-X-ENDLIST. */
  end(): void {
    for (const r of this.r)
      this.call(() => this.opts.outputs.forEach((o) => o.playlist(`${r.name}/index.m3u8`, this.playlistText(r, true))));
  }

  /** window lists a rendition's current segment URIs (as its playlist writes them). */
  window(name: string): string[] {
    return this.r.find((r) => r.name === name)?.window.map((e) => e.uri) ?? [];
  }

  private playlistText(r: Rendition, endList: boolean): string {
    const lines = [
      '#EXTM3U',
      '#EXT-X-VERSION:3',
      `#EXT-X-TARGETDURATION:${Math.ceil(this.opts.segmentSeconds)}`,
      `#EXT-X-MEDIA-SEQUENCE:${r.mediaSequence}`,
      `#EXT-X-DISCONTINUITY-SEQUENCE:${r.discontinuitySequence}`,
    ];
    for (const e of r.window) {
      if (e.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
      lines.push(`#EXTINF:${e.duration.toFixed(3)},`, e.uri);
    }
    if (endList) lines.push('#EXT-X-ENDLIST');
    return `${lines.join('\n')}\n`;
  }

  private masterText(): string {
    const lines = ['#EXTM3U', '#EXT-X-VERSION:3'];
    this.r.forEach((r, i) => lines.push(`#EXT-X-STREAM-INF:BANDWIDTH=${(i + 1) * 500_000}`, `${r.name}/index.m3u8`));
    return `${lines.join('\n')}\n`;
  }
}

/** makeTsSegments has ffmpeg write `seconds` of a small test picture as MPEG-TS segments of about `segmentSeconds` each into `dir`; returns their paths in order. */
export async function makeTsSegments(dir: string, seconds: number, segmentSeconds: number, ffmpeg = 'ffmpeg'): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const fps = 10;
  const args = [
    '-hide_banner',
    '-nostdin',
    '-loglevel',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=160x90:rate=${fps}:duration=${seconds}`,
  ];
  args.push(
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p',
    '-g',
    String(Math.round(fps * segmentSeconds)),
    '-f',
    'hls',
    '-hls_time',
    String(segmentSeconds),
    '-hls_list_size',
    '0',
  );
  args.push('-hls_segment_filename', path.join(dir, 'src_%03d.ts'), path.join(dir, 'src.m3u8'));
  await new Promise<void>((resolve, reject) => execFile(ffmpeg, args, { timeout: 60_000 }, (err) => (err ? reject(err) : resolve())));
  return readdirSync(dir)
    .filter((n) => n.endsWith('.ts'))
    .sort()
    .map((n) => path.join(dir, n));
}
