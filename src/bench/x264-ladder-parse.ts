/** Reads what the x264 ladder benchmark needs from ffmpeg's stderr: per-stream output sizes and PSNR. Pure. */

/** StreamOutput is one output stream's totals from ffmpeg's verbose final statistics. */
export interface StreamOutput {
  readonly frames: number;
  readonly bytes: number;
}

/**
 * parseOutputStreams reads `Output stream #0:N (video): F frames encoded; P packets muxed (B bytes);`
 * lines (ffmpeg -loglevel verbose) of output file 0, indexed by stream; streams not found are absent.
 */
export function parseOutputStreams(lines: readonly string[]): StreamOutput[] {
  const out: StreamOutput[] = [];
  for (const line of lines) {
    const m = /Output stream #0:(\d+) \(video\): (\d+) frames encoded; \d+ packets muxed \((\d+) bytes\)/.exec(line);
    if (m) out[Number(m[1])] = { frames: Number(m[2]), bytes: Number(m[3]) };
  }
  return out;
}

/** parsePsnrY reads the luma PSNR (dB) of the psnr filter's summary line; Infinity for identical pictures, null when absent. */
export function parsePsnrY(lines: readonly string[]): number | null {
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = /PSNR y:(inf|[\d.]+)/.exec(lines[i] as string);
    if (m) return m[1] === 'inf' ? Infinity : Number(m[1]);
  }
  return null;
}
