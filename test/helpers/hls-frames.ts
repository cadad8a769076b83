import { execFile } from 'node:child_process';

/** topVariantUrl picks the highest-resolution variant of a master playlist, as an absolute URL. */
export function topVariantUrl(masterUrl: string, masterText: string): string {
  const variants = [...masterText.matchAll(/#EXT-X-STREAM-INF:([^\n]*)\n([^\n]+)/g)].map((m) => {
    const res = /RESOLUTION=(\d+)x(\d+)/.exec(m[1] as string);
    return { pixels: res ? Number(res[1]) * Number(res[2]) : 0, uri: (m[2] as string).trim() };
  });
  const top = variants.sort((a, b) => b.pixels - a.pixels)[0];
  if (!top) throw new Error(`no variant in ${masterUrl}`);
  return new URL(top.uri, masterUrl).toString();
}

/** meanColours decodes every frame of a media playlist (or file) to its mean RGB. */
export function meanColours(input: string, ffmpeg = process.env['FFMPEG_PATH'] ?? 'ffmpeg'): Promise<[number, number, number][]> {
  return new Promise((resolve, reject) => {
    execFile(
      ffmpeg,
      [
        '-hide_banner',
        '-loglevel',
        'error',
        '-i',
        input,
        '-map',
        '0:v:0',
        '-vf',
        'scale=4:4:flags=area',
        '-fps_mode',
        'passthrough',
        '-f',
        'rawvideo',
        '-pix_fmt',
        'rgb24',
        '-',
      ],
      { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 },
      (err, stdout) => {
        if (err) return reject(err);
        const out: [number, number, number][] = [];
        for (let off = 0; off + 48 <= stdout.length; off += 48) {
          let r = 0;
          let g = 0;
          let b = 0;
          for (let p = 0; p < 16; p++) {
            r += stdout[off + 3 * p] as number;
            g += stdout[off + 3 * p + 1] as number;
            b += stdout[off + 3 * p + 2] as number;
          }
          out.push([r / 16, g / 16, b / 16]);
        }
        resolve(out);
      },
    );
  });
}
