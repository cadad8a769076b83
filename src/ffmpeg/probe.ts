import { execFile } from 'node:child_process';
import { UprezError, errorMessage } from '../errors.js';

/** ProbeStream is one stream as ffprobe reports it (fields absent when ffprobe gives none). */
export interface ProbeStream {
  index: number;
  /** "video", "audio", "subtitle", "data", … */
  codecType: string;
  codecName?: string;
  width?: number;
  height?: number;
  /** ffprobe's avg_frame_rate, e.g. "25/1" ("0/0" when unknown). */
  avgFrameRate?: string;
  /** avg_frame_rate as a number (undefined when unknown). */
  fps?: number;
  pixFmt?: string;
  /** Frames decoded, only with countFrames. */
  nbReadFrames?: number;
  sampleRate?: number;
  channels?: number;
  startTime?: number;
  duration?: number;
  /** ffprobe's bit_rate in bits per second (absent when the container does not say, e.g. Matroska streams). */
  bitRate?: number;
}

/** MediaProbe is ffprobe's view of a file: its streams and container. */
export interface MediaProbe {
  streams: ProbeStream[];
  format: { formatName?: string; duration?: number; startTime?: number; bitRate?: number };
}

/** ProbeOptions tune probeMedia. */
export interface ProbeOptions {
  /** Decode every frame to count them (nb_read_frames); slower. */
  countFrames?: boolean;
  /** Give up after this long. Default 30 000 ms. */
  timeoutMs?: number;
}

/** probeArgs builds ffprobe's arguments for probeMedia (pure). */
export function probeArgs(file: string, opts: ProbeOptions = {}): string[] {
  const args = ['-v', 'error', '-print_format', 'json', '-show_streams', '-show_format'];
  if (opts.countFrames) args.push('-count_frames');
  // file: keeps a name starting with "-" or containing ":" from being read as an option/protocol.
  args.push(/^[a-z][a-z0-9+.-]*:\/\//i.test(file) || file.startsWith('file:') ? file : `file:${file}`);
  return args;
}

/** probeMedia runs ffprobe on `file` and returns its streams and format. Rejects with UprezError PROBE_FAILED. */
export function probeMedia(ffprobe: string, file: string, opts: ProbeOptions = {}): Promise<MediaProbe> {
  return new Promise((resolve, reject) => {
    execFile(
      ffprobe,
      probeArgs(file, opts),
      { timeout: opts.timeoutMs ?? 30_000, maxBuffer: 16 * 1024 * 1024, windowsHide: true },
      (err, stdout, stderr) => {
        if (err) {
          reject(new UprezError('PROBE_FAILED', `ffprobe ${file} failed: ${String(stderr).trim() || errorMessage(err)}`, { cause: err }));
          return;
        }
        try {
          resolve(parseProbeJson(JSON.parse(String(stdout)) as unknown));
        } catch (e) {
          reject(new UprezError('PROBE_FAILED', `ffprobe ${file}: unreadable output: ${errorMessage(e)}`, { cause: e }));
        }
      },
    );
  });
}

/** parseProbeJson maps ffprobe's JSON (snake_case, numbers often as strings) to MediaProbe (pure). */
export function parseProbeJson(json: unknown): MediaProbe {
  const root = record(json);
  const streams = Array.isArray(root['streams']) ? root['streams'] : [];
  const format = record(root['format']);
  return {
    streams: streams.map((s) => {
      const r = record(s);
      const out: ProbeStream = { index: num(r['index']) ?? 0, codecType: str(r['codec_type']) ?? 'unknown' };
      assign(out, 'codecName', str(r['codec_name']));
      assign(out, 'width', num(r['width']));
      assign(out, 'height', num(r['height']));
      assign(out, 'pixFmt', str(r['pix_fmt']));
      const rate = str(r['avg_frame_rate']);
      assign(out, 'avgFrameRate', rate);
      assign(out, 'fps', rate ? rational(rate) : undefined);
      assign(out, 'nbReadFrames', num(r['nb_read_frames']));
      assign(out, 'sampleRate', num(r['sample_rate']));
      assign(out, 'channels', num(r['channels']));
      assign(out, 'startTime', num(r['start_time']));
      assign(out, 'duration', num(r['duration']));
      assign(out, 'bitRate', num(r['bit_rate']));
      return out;
    }),
    format: pruned({
      formatName: str(format['format_name']),
      duration: num(format['duration']),
      startTime: num(format['start_time']),
      bitRate: num(format['bit_rate']),
    }),
  };
}

function record(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** num accepts numbers and numeric strings ("48000", "4.000000"); "N/A" and friends are undefined. */
function num(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

function rational(v: string): number | undefined {
  const [a, b] = v.split('/').map(Number);
  return a !== undefined && b !== undefined && b > 0 && a > 0 ? a / b : undefined;
}

function assign<T, K extends keyof T>(o: T, k: K, v: T[K] | undefined): void {
  if (v !== undefined) o[k] = v;
}

function pruned<T extends Record<string, unknown>>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}
