"""How `uprez file --denoise auto` would do on the held-out clips: bits per pixel -> level -> model.

  /usr/bin/python3 models/train/auto_level_eval.py

For each held-out clip (eval_sets.VIDEO_CLIPS) and CRF 18/23/28/33, the LR clip is encoded exactly as
gains.py's video set is (libx264 publisher settings), its bits per pixel (bytes * 8 / (w * h * frames))
go through the calibration of src/upscale/denoise-choice.ts (DEFAULT_DENOISE_CALIBRATION, mirrored
below) to a level, and the level's model (0: uprez-x2, the file default; 1-3: uprez-x2-fast-dN) is
scored with the per-clip gain its card states for that clip and CRF (quality.compressed.video). Prints
the mean gain over clips of auto, of uprez-x2 alone and of the best model per clip (an oracle).
"""
import json
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import degrade as G  # noqa: E402
import eval_sets as E  # noqa: E402

MODELS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# DEFAULT_DENOISE_CALIBRATION (src/upscale/denoise-choice.ts): [bpp, crf] knots and level boundaries.
KNOTS = [(0.9332, 14), (0.297, 18), (0.1592, 21), (0.0895, 23), (0.0524, 25), (0.0357, 28), (0.0296, 30), (0.0238, 33),
         (0.0201, 36), (0.0169, 40)]
BOUNDS = (20.5, 25.5, 30.5)
BY_LEVEL = {0: 'uprez-x2', 1: 'uprez-x2-fast-d1', 2: 'uprez-x2-fast-d2', 3: 'uprez-x2-fast-d3'}


def crf_from_bpp(bpp):
    if bpp >= KNOTS[0][0]:
        return KNOTS[0][1]
    if bpp <= KNOTS[-1][0]:
        return KNOTS[-1][1]
    for (b0, c0), (b1, c1) in zip(KNOTS, KNOTS[1:]):
        if bpp >= b1:
            return c0 + (c1 - c0) * (math.log2(bpp) - math.log2(b0)) / (math.log2(b1) - math.log2(b0))
    return KNOTS[-1][1]


def level_of(crf):
    return sum(crf >= b for b in BOUNDS)


def main():
    cards = {}
    for n in BY_LEVEL.values():
        with open(os.path.join(MODELS, f'{n}.json')) as fh:
            cards[n] = json.load(fh)['quality']['compressed']['video']
    clips = E.video_set('clean', 2)
    out = {}
    for crf in (18, 23, 28, 33):
        cond = f'crf{crf}'
        rows = []
        for name, _, lr in clips:
            _, nbytes = G.h264_clip(lr, crf, args=E.VIDEO_ENCODE)
            t, h, w = lr.shape
            bpp = nbytes * 8 / (w * h * t)
            level = level_of(crf_from_bpp(bpp))
            gains = {m: cards[m][cond]['gainDbPerClip'][name] for m in BY_LEVEL.values()}
            rows.append(dict(clip=name, bpp=round(bpp, 4), level=level, auto=gains[BY_LEVEL[level]], x2=gains['uprez-x2'],
                             best=max(gains.values())))
        levels = [r['level'] for r in rows]
        summary = dict(levels={lv: levels.count(lv) for lv in sorted(set(levels))},
                       auto=round(float(np.mean([r['auto'] for r in rows])), 3),
                       uprezX2=round(float(np.mean([r['x2'] for r in rows])), 3),
                       oracle=round(float(np.mean([r['best'] for r in rows])), 3),
                       bppMedian=round(float(np.median([r['bpp'] for r in rows])), 4))
        out[cond] = dict(summary, clips=rows)
        print(f'{cond}: levels {summary["levels"]} (bpp median {summary["bppMedian"]}); mean gain over bicubic: '
              f'auto {summary["auto"]:+.3f}, uprez-x2 {summary["uprezX2"]:+.3f}, best per clip {summary["oracle"]:+.3f}', flush=True)
    print(json.dumps(out))


if __name__ == '__main__':
    main()
