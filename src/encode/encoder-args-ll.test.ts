import { describe, expect, test } from 'vitest';
import { buildLlEncoderArgs, llOutputFds } from './encoder-args-ll.js';
import { buildLadder } from './ladder.js';

const source = { width: 320, height: 180, fpsNum: 25, fpsDen: 1 };

function build(hasAudio: boolean): string[] {
  return buildLlEncoderArgs({
    input: { ...source, width: 640, height: 360 },
    rungs: buildLadder(source, 2, hasAudio),
    hasAudio,
    segmentSeconds: 2,
    videoQueue: 64,
    audioQueue: 1024,
  });
}

/** outputs splits the arguments after the filter graph into one list per output (ending at its pipe). */
function outputs(args: string[]): string[][] {
  const start = args.indexOf('-filter_complex') + 2;
  const out: string[][] = [];
  let cur: string[] = [];
  for (const a of args.slice(start)) {
    cur.push(a);
    if (a.startsWith('pipe:')) {
      out.push(cur);
      cur = [];
    }
  }
  return out;
}

describe('buildLlEncoderArgs', () => {
  test.each([
    [true, ['pipe:4', 'pipe:5']],
    [false, ['pipe:3', 'pipe:4']],
  ])('audio %s: one fragmented MP4 output per rung, on its own pipe after the audio input', (hasAudio, pipes) => {
    const outs = outputs(build(hasAudio));
    expect(outs.map((o) => o.at(-1))).toEqual(pipes);
    expect(llOutputFds(2, hasAudio)).toEqual(pipes.map((p) => Number(p.slice(5))));
    for (const [i, o] of outs.entries()) {
      expect(o.slice(0, 2)).toEqual(['-map', `[v${i}]`]);
      expect(o.includes('1:a')).toBe(hasAudio);
      expect(o.slice(-5, -1)).toEqual(['-f', 'mp4', '-movflags', '+frag_every_frame+empty_moov+default_base_moof']);
      expect(o).toEqual(
        expect.arrayContaining([
          '-force_key_frames',
          'expr:gte(t,n_forced*2)',
          '-g',
          '50',
          '-bf',
          '0',
          '-sc_threshold',
          '0',
          '-tune',
          'zerolatency',
        ]),
      );
    }
  });

  test('each rung keeps its own bitrate, VBV and level', () => {
    const rungs = buildLadder(source, 2, true);
    const outs = outputs(build(true));
    rungs.forEach((r, i) => {
      const o = outs[i] as string[];
      expect(o[o.indexOf('-maxrate:v') + 1]).toBe(String(r.videoBitrate));
      expect(o[o.indexOf('-bufsize:v') + 1]).toBe(String(r.bufsize));
      expect(o[o.indexOf('-level:v') + 1]).toBe(r.level);
      expect(o[o.indexOf('-movflags') + 1]).toBe('+frag_every_frame+empty_moov+default_base_moof');
    });
  });
});
