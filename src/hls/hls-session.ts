import { rm, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { UprezError } from '../errors.js';
import { classicSegmentPattern, llInitName, llPartName, llSegmentName } from './hls-names.js';
import type { HlsWriter, LlPart, SessionSpec } from './hls-writer.js';
import { tsCodecs } from './ts-codecs.js';

/** ClassicSegment is a finished MPEG-TS segment of one rung, as ffmpeg listed it. */
export interface ClassicSegment {
  /** Absolute path of the .ts file (in the rung's directory). */
  readonly file: string;
  readonly duration: number;
  /** Wall-clock time of its first frame, ms since the epoch. */
  readonly programDateTime: number;
}

/**
 * HlsSession is one encoder's share of a stream run: it takes that encoder's segments (classic)
 * or init sections and parts (LL-HLS) and hands them to the writer's queue.
 */
export class HlsSession {
  private readonly queued = new Map<string, ClassicSegment[]>();
  private ended: Promise<void> | null = null;
  private failed = false;

  constructor(
    private readonly w: HlsWriter,
    /** 1 for the run's first encoder, then 2, 3, … */
    readonly index: number,
    private readonly spec: SessionSpec,
  ) {}

  /** isEnded says whether end() was called. */
  get isEnded(): boolean {
    return this.ended !== null;
  }

  /** classicPattern is the -hls_segment_filename base name for this session (classic mode). */
  get classicPattern(): string {
    return classicSegmentPattern(this.w.runId, this.index);
  }

  /** @internal */ fail(err: Error): void {
    if (this.failed) return;
    this.failed = true;
    this.spec.onError?.(err);
  }

  /**
   * segment takes a finished classic segment. Segments are published in step: segment k of every
   * rung together, once each rung has it.
   */
  segment(rung: string, seg: ClassicSegment): void {
    if (this.ended) return;
    this.w.rung(rung);
    const list = this.queued.get(rung) ?? [];
    list.push(seg);
    this.queued.set(rung, list);
    while (this.w.rungNames.every((n) => (this.queued.get(n)?.length ?? 0) > 0)) {
      const batch = this.w.rungNames.map((n) => [n, (this.queued.get(n) as ClassicSegment[]).shift() as ClassicSegment] as const);
      this.w.enqueue(() => this.publishClassic(batch));
    }
  }

  private async publishClassic(batch: readonly (readonly [string, ClassicSegment])[]): Promise<void> {
    const removals: string[] = [];
    for (const [name, seg] of batch) {
      const r = this.w.rung(name);
      const rel = `${name}/${path.basename(seg.file)}`;
      const { size } = await stat(seg.file);
      if (r.codecs === null) {
        const head = (await readFile(seg.file)).subarray(0, 256 * 1024);
        const c = tsCodecs(head);
        if (!c.video) throw new UprezError('HLS_NO_SPS', `segment ${seg.file} has no H.264 SPS in its first 256 KB`);
        r.codecs = [c.video, ...(this.spec.hasAudio && c.audio ? [c.audio] : [])];
      }
      this.w.announce(rel, 'segment');
      removals.push(
        ...r.playlist.addSegment({
          uri: path.basename(seg.file),
          rel,
          duration: seg.duration,
          bytes: size,
          programDateTime: seg.programDateTime,
        }).removable,
      );
      this.spec.onSegment?.(name, seg.file);
    }
    // A peak above what the master declares: the master says so before any playlist lists it.
    if (this.w.masterBehind()) this.w.publishMaster();
    for (const [name] of batch) this.w.publishMedia(name);
    this.w.publishMaster();
    this.w.remove(removals);
  }

  /** init takes an LL-HLS rung's initialization section (ftyp + moov) and its codecs. */
  init(rung: string, bytes: Buffer, codecs: readonly string[]): void {
    if (this.ended) return;
    const r = this.w.rung(rung);
    const name = llInitName(this.w.runId, this.index);
    const rel = `${rung}/${name}`;
    this.w.enqueue(async () => {
      await this.w.writeMedia(rel, bytes);
      this.w.announce(rel, 'init');
      r.codecs ??= [...codecs];
      r.playlist.newSession(this.index > 1, name);
    }, bytes.length);
  }

  /** part takes an LL-HLS part; one that starts a segment completes the rung's previous segment first. */
  part(rung: string, p: LlPart): void {
    if (this.ended) return;
    const r = this.w.rung(rung);
    this.w.enqueue(async () => {
      if (p.startsSegment) await this.completeSegment(rung);
      const k = r.parts++;
      const name = llPartName(this.w.runId, k);
      const rel = `${rung}/${name}`;
      await this.w.writeMedia(rel, p.data);
      this.w.announce(rel, 'part');
      r.partData.push(p.data);
      r.playlist.addPart({ uri: name, rel, duration: p.duration, independent: p.startsSegment, bytes: p.data.length }, p.programDateTime);
      r.playlist.setPreloadHint(llPartName(this.w.runId, k + 1));
      // Listed with its segment at once: a short last part must not look like a pending segment's
      // middle part (every part but a segment's last is at least 85 % of PART-TARGET).
      if (p.endsSegment) await this.completeSegment(rung);
      this.w.publishMedia(rung);
      this.w.publishMaster();
    }, p.data.length);
  }

  /** Writes the rung's pending parts as one segment file and lists it. */
  private async completeSegment(rung: string): Promise<void> {
    const r = this.w.rung(rung);
    if (r.playlist.pendingParts === 0) return;
    const msn = r.playlist.nextMsn;
    const name = llSegmentName(this.w.runId, msn);
    const rel = `${rung}/${name}`;
    const data = r.partData;
    r.partData = [];
    await this.w.writeMedia(rel, data);
    this.w.announce(rel, 'segment');
    const model = r.playlist.model();
    const duration = model.lowLatency?.pending?.parts.reduce((n, p) => n + p.duration, 0) ?? 0;
    const { removable } = r.playlist.addSegment({ uri: name, rel, duration, bytes: data.reduce((n, b) => n + b.length, 0) });
    if (this.w.masterBehind()) this.w.publishMaster();
    this.w.remove(removable);
    this.spec.onSegment?.(rung, this.w.abs(rel));
  }

  /**
   * end closes the session: classic segments not finished in every rung are dropped (their files
   * deleted; nothing listed them); LL-HLS pending segments are completed, and a rung that lost a
   * segment the others have (an encoder crash between their writes) gets a GAP in its place, so
   * media sequence numbers stay in step. Resolves once published.
   */
  end(): Promise<void> {
    if (!this.ended) {
      this.ended = (async () => {
        const dropped = [...this.queued.values()].flat();
        this.queued.clear();
        if (dropped.length) {
          this.w.enqueue(async () => {
            for (const s of dropped) await rm(s.file, { force: true });
          });
        }
        if (this.w.mode === 'll') {
          this.w.enqueue(async () => {
            for (const name of this.w.rungNames) await this.completeSegment(name);
            const lead = Math.max(...this.w.rungNames.map((n) => this.w.rung(n).playlist.nextMsn));
            for (const name of this.w.rungNames) {
              const r = this.w.rung(name);
              while (r.playlist.nextMsn < lead) {
                const msn = r.playlist.nextMsn;
                const other = this.w.rungNames
                  .map((n) =>
                    this.w
                      .rung(n)
                      .playlist.model()
                      .segments.find((s) => s.msn === msn),
                  )
                  .find((s) => s);
                r.playlist.addSegment({
                  uri: llSegmentName(this.w.runId, msn),
                  rel: `${name}/${llSegmentName(this.w.runId, msn)}`,
                  duration: other?.duration ?? this.w.opts.segmentSeconds,
                  bytes: 0,
                  gap: true,
                });
              }
              r.playlist.setPreloadHint(llPartName(this.w.runId, r.parts));
            }
            for (const name of this.w.rungNames) this.w.publishMedia(name);
            this.w.publishMaster();
          });
        }
        await this.w.idle();
      })();
    }
    return this.ended;
  }
}
