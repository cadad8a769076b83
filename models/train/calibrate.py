"""What the server can measure at each CRF: bits per pixel and the decoder's frame QP, on training clips.

  /usr/bin/python3 models/train/calibrate.py [--clips 24] [--out models/train/runs/calibration.json]

Clips are cut from BSD200 training pictures (never from the held-out video): a 320x180 window (the LR
of a 640x360 stream... or a 320x180 stream) that pans a few pixels per frame or stands still with
camera noise, 60 frames at 30 fps, encoded like a publisher (libx264 -preset veryfast -tune zerolatency
-g 60 -bf 0) at each CRF. For each we record bits per pixel (bytes * 8 / (w * h * frames)) and the
mean frame QP that ffmpeg's decoder exports (`-export_side_data venc_params`, printed by the showinfo
filter as `qp=N`). src/upscale/denoise-choice.ts takes its thresholds from this table.
"""
import argparse
import json
import os
import re
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import degrade as G  # noqa: E402
import protocol as P  # noqa: E402
import stream_data as SD  # noqa: E402

CRFS = (14, 18, 21, 23, 25, 28, 30, 33, 36, 40)
W, H, N = 320, 180, 60


def frame_qps(h264):
    """Per-frame QP as the decoder exports it (venc_params side data, via showinfo)."""
    res = subprocess.run(['ffmpeg', '-hide_banner', '-export_side_data', 'venc_params', '-f', 'h264', '-i', '-',
                          '-vf', 'showinfo', '-f', 'null', '-'], input=h264, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         check=True)
    return [int(q) for q in re.findall(r'video encoding parameters: type \d+; qp=(-?\d+)', res.stderr.decode())]


def encode(frames, crf):
    t, h, w = frames.shape
    chroma = np.full((h // 2) * (w // 2) * 2, 128, dtype=np.uint8).tobytes()
    raw = b''.join(f.tobytes() + chroma for f in frames)
    return subprocess.run(['ffmpeg', '-v', 'error', '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-s', f'{w}x{h}', '-framerate',
                           '30', '-i', '-', '-c:v', 'libx264', *G.PUBLISHER, '-g', '60', '-bf', '0', '-crf', str(crf), '-f',
                           'h264', '-'], input=raw, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True).stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--clips', type=int, default=24)
    ap.add_argument('--out', default=os.path.join(os.path.dirname(os.path.abspath(__file__)), 'runs', 'calibration.json'))
    args = ap.parse_args()
    rng = np.random.default_rng(7)
    files = sorted(f for f in os.listdir(SD.BSD200_DIR) if f.endswith('.jpg'))
    rows = []
    for i in range(args.clips):
        y = P.load_y(os.path.join(SD.BSD200_DIR, files[int(rng.integers(0, len(files)))]))
        if y.shape[0] > y.shape[1]:
            y = y.T.copy()
        still = i % 3 == 0
        v = (0, 0) if still else (int(rng.integers(-1, 2)), int(rng.integers(1, 3)) * (1 if rng.random() < 0.5 else -1))
        sigma = float(rng.uniform(0.5, 2.5))
        # the pan must fit: 320 + 2 * 59 > 481, so it bounces back and forth over the free span
        span_y, span_x = y.shape[0] - H, y.shape[1] - W
        frames = []
        for t in range(N):
            py = abs((t * v[0]) % (2 * span_y) - span_y) if span_y else 0
            px = abs((t * v[1]) % (2 * span_x) - span_x) if span_x else 0
            frames.append(G.add_noise(y[py:py + H, px:px + W], sigma, rng))
        frames = np.stack(frames)
        for crf in CRFS:
            enc = encode(frames, crf)
            q = frame_qps(enc)
            rows.append(dict(clip=i, still=still, crf=crf, bpp=len(enc) * 8 / (W * H * N), qpMean=float(np.mean(q)),
                             qpPMean=float(np.mean(q[1:60])), noise=round(sigma, 2)))
        print(i, 'still' if still else f'pan {v}', [(r['crf'], round(r['bpp'], 4), round(r['qpMean'], 1)) for r in rows[-len(CRFS):]],
              flush=True)
    summary = {}
    for crf in CRFS:
        r = [x for x in rows if x['crf'] == crf]
        summary[crf] = dict(bppMedian=float(np.median([x['bpp'] for x in r])), bppP10=float(np.percentile([x['bpp'] for x in r], 10)),
                            bppP90=float(np.percentile([x['bpp'] for x in r], 90)), qpMean=float(np.mean([x['qpMean'] for x in r])),
                            bppStillMedian=float(np.median([x['bpp'] for x in r if x['still']])),
                            bppPanMedian=float(np.median([x['bpp'] for x in r if not x['still']])))
        print(crf, json.dumps({k: round(v, 4) for k, v in summary[crf].items()}))
    # log2(bpp) against CRF, least squares: crf ~ a + b * log2(bpp)
    xs = np.log2([x['bpp'] for x in rows])
    ys = np.array([x['crf'] for x in rows], dtype=np.float64)
    b, a = np.polyfit(xs, ys, 1)
    q = np.polyfit([x['qpMean'] for x in rows], ys, 1)
    fit = dict(crfFromLog2Bpp=dict(a=float(a), b=float(b), residualStd=float(np.std(ys - (a + b * xs)))),
               crfFromQp=dict(slope=float(q[0]), intercept=float(q[1]),
                              residualStd=float(np.std(ys - np.polyval(q, [x['qpMean'] for x in rows])))))
    print(json.dumps(fit))
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, 'w') as fh:
        json.dump(dict(size=[W, H], frames=N, encoder=' '.join(G.PUBLISHER) + ' -g 60 -bf 0', rows=rows, summary=summary, fit=fit), fh, indent=1)


if __name__ == '__main__':
    main()
