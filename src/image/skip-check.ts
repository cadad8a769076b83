import { randomBytes } from 'node:crypto';
import { lstat, open, unlink } from 'node:fs/promises';
import path from 'node:path';
import { isobmffComplete, tiffComplete } from './container-complete.js';
import { detectImageFormat } from './magic-bytes.js';

/** FileTimes is what the skip rule needs of a file: its modification time. */
export interface FileTimes {
  readonly mtimeMs: number;
}

/** OutputState is an existing output file: its time, and whether its bytes end the way a whole file of its format ends. */
export interface OutputState extends FileTimes {
  readonly complete: boolean;
}

/** SkipDecision says what to do with one input: upscale it, skip it (its output is done), or refuse it. */
export type SkipDecision = { readonly action: 'process' } | { readonly action: 'skip' | 'refuse'; readonly reason: string };

/**
 * decideSkip: no output yet -> process. An output written since this run started was written by
 * another input of this run (two inputs mapping to one output name) -> refuse, even with --force.
 * With --force -> process. A complete output at least as new as its input -> skip ("up to date").
 * Otherwise (older than the input, or truncated) -> process.
 */
export function decideSkip(o: { input: FileTimes; output: OutputState | undefined; force: boolean; runStartedMs: number }): SkipDecision {
  const out = o.output;
  if (!out) return { action: 'process' };
  if (out.mtimeMs >= o.runStartedMs) return { action: 'refuse', reason: 'its output was already written for another input in this run' };
  if (o.force) return { action: 'process' };
  if (out.complete && out.mtimeMs >= o.input.mtimeMs) return { action: 'skip', reason: 'up to date' };
  return { action: 'process' };
}

const PNG_END = [0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82];

/**
 * looksComplete checks a file's head and tail: a PNG ends with its IEND chunk, a JPEG with the EOI
 * marker, a WebP's RIFF size covers the whole file. Anything else is not complete (AVIF and TIFF
 * need more than head and tail: readOutputState checks them).
 */
export function looksComplete(head: Uint8Array, tail: Uint8Array, size: number): boolean {
  const format = detectImageFormat(head);
  if (format === 'png') return tail.length >= 12 && PNG_END.every((v, i) => tail[tail.length - 12 + i] === v);
  if (format === 'jpeg') return tail.length >= 2 && tail[tail.length - 2] === 0xff && tail[tail.length - 1] === 0xd9;
  if (format === 'webp') return new DataView(head.buffer, head.byteOffset, head.byteLength).getUint32(4, true) + 8 === size;
  return false;
}

/**
 * readOutputState stats an output file and reads its first and last bytes; undefined when it does not
 * exist. Anything but a regular file there (a symlink, a FIFO) is never opened and counts as not complete.
 */
export async function readOutputState(file: string): Promise<OutputState | undefined> {
  let link;
  try {
    link = await lstat(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  if (!link.isFile()) return { mtimeMs: link.mtimeMs, complete: false };
  const fh = await open(file, 'r');
  try {
    const st = await fh.stat();
    const head = new Uint8Array(64);
    const tail = new Uint8Array(Math.min(12, st.size));
    await fh.read(head, 0, Math.min(64, st.size), 0);
    await fh.read(tail, 0, tail.length, st.size - tail.length);
    const format = st.size >= 16 ? detectImageFormat(head.subarray(0, Math.min(64, st.size))) : undefined;
    let complete = false;
    if (format === 'avif' || format === 'heif') complete = await isobmffComplete(fh, st.size);
    else if (format === 'tiff') complete = await tiffComplete(fh, st.size);
    else if (format !== undefined) complete = looksComplete(head.subarray(0, 16), tail, st.size);
    return { mtimeMs: st.mtimeMs, complete };
  } finally {
    await fh.close();
  }
}

/**
 * fileSystemStart is a start time in the file system's own clock: every file in DIR written before
 * the call has an older mtime, every file written after it one at least as new. The kernel stamps
 * mtimes from a coarse clock (a tick of a few ms; 2 s on FAT) that can lag Date.now(), so comparing
 * mtimes with Date.now() let an output written just after the start look older than it, and a
 * plain stamp cannot tell apart files written in the same tick before and after. So it writes a
 * hidden file in DIR until its mtime moves on to the next tick (at most a tick, `maxWaitMs` at
 * worst), removes it, and returns that tick.
 */
export async function fileSystemStart(dir: string, maxWaitMs = 3_000): Promise<number> {
  const probe = path.join(dir, `.uprez-clock-${process.pid}-${randomBytes(4).toString('hex')}`);
  const fh = await open(probe, 'wx');
  try {
    const first = (await fh.stat()).mtimeMs;
    const giveUp = Date.now() + maxWaitMs;
    let now = first;
    while (now <= first && Date.now() < giveUp) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      await fh.write('.');
      now = (await fh.stat()).mtimeMs;
    }
    return now;
  } finally {
    await fh.close();
    await unlink(probe);
  }
}
