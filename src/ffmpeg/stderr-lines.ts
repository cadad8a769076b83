import { StringDecoder } from 'node:string_decoder';

/** Longest stderr line kept; ffmpeg's lines are short, so longer ones are cut, not buffered forever. */
const MAX_LINE = 2000;

/** StderrLines splits a byte stream into lines (on \n, \r\n or a lone \r) and keeps the last `capacity`. */
export class StderrLines {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';
  private readonly ring: string[] = [];

  /** Applied to each line before it is kept or returned (see redact.ts). */
  redact: ((line: string) => string) | null = null;

  constructor(private readonly capacity = 50) {}

  /** push adds a chunk and returns the complete, non-empty lines it finished. */
  push(chunk: Buffer | string): string[] {
    const text = this.partial + (typeof chunk === 'string' ? chunk : this.decoder.write(chunk));
    const parts = text.split(/\r\n|\r|\n/);
    this.partial = (parts.pop() ?? '').slice(0, MAX_LINE);
    return this.keep(parts);
  }

  /** end returns the last unterminated line, if any. */
  end(): string[] {
    const rest = this.partial + this.decoder.end();
    this.partial = '';
    return this.keep([rest]);
  }

  /** tail returns a copy of the last lines seen, oldest first. */
  tail(): string[] {
    return [...this.ring];
  }

  private keep(lines: string[]): string[] {
    const out: string[] = [];
    for (const raw of lines) {
      const cut = raw.trimEnd().slice(0, MAX_LINE);
      if (!cut) continue;
      const line = this.redact ? this.redact(cut) : cut;
      out.push(line);
      this.ring.push(line);
      if (this.ring.length > this.capacity) this.ring.shift();
    }
    return out;
  }
}

/** Warnings ffmpeg always prints for our raw pipe inputs; they say nothing about the stream. */
const BENIGN = [/Estimating duration from bitrate, this may be inaccurate/];

/**
 * ffmpegLineLevel says at which level a stderr line of ffmpeg deserves logging: `warn` for
 * warnings and errors (ffmpeg tags them when run with `-loglevel level+…`, which our builders
 * use; untagged lines fall back to a keyword match), `debug` for everything else.
 */
export function ffmpegLineLevel(line: string): 'debug' | 'warn' {
  if (BENIGN.some((re) => re.test(line))) return 'debug';
  const tag = /\[(trace|debug|verbose|info|warning|error|fatal|panic)\]/.exec(line)?.[1];
  if (tag) return tag === 'warning' || tag === 'error' || tag === 'fatal' || tag === 'panic' ? 'warn' : 'debug';
  return /\b(error|failed|invalid|no such file)\b/i.test(line) ? 'warn' : 'debug';
}
