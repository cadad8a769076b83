/** The benchmarks' ffmpeg helpers: reading its `-benchmark` figures and a synthetic test clip (runs go through ffmpeg/run-ffmpeg.ts). */

/** BenchmarkTimes are ffmpeg's `-benchmark` figures in seconds. */
export interface BenchmarkTimes {
  readonly utime: number;
  readonly stime: number;
  readonly rtime: number;
}

/**
 * parseBenchmark reads `bench: utime=0.124s stime=0.008s rtime=0.178s` from ffmpeg's stderr.
 * ffmpeg starts that clock after opening inputs and outputs, so process start is not in it.
 */
export function parseBenchmark(lines: readonly string[]): BenchmarkTimes | null {
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = /bench:\s+utime=([\d.]+)s\s+stime=([\d.]+)s\s+rtime=([\d.]+)s/.exec(lines[i] as string);
    if (m) return { utime: Number(m[1]), stime: Number(m[2]), rtime: Number(m[3]) };
  }
  return null;
}

/** testClipArgs builds ffmpeg arguments for n raw yuv420p frames of a moving test pattern (with grain, so it is not flat) on stdout. */
export function testClipArgs(width: number, height: number, frames: number, fps = 30): string[] {
  return [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${width}x${height}:rate=${fps}`,
    '-vf',
    'noise=alls=12:allf=t',
    '-frames:v',
    String(frames),
    '-pix_fmt',
    'yuv420p',
    '-f',
    'rawvideo',
    'pipe:1',
  ];
}
