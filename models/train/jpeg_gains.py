"""Gain over bicubic on JPEG input: Set5 x2, the LR luma through baseline JPEG (PIL/libjpeg) at a quality.

  /usr/bin/python3 models/train/jpeg_gains.py uprez-x2 uprez-x2-fast uprez-x2-fast-d1 uprez-x2-fast-d2 [--qualities 95,85,...]

What `uprez image --denoise` is judged by: for each quality, the Y-PSNR (Set5 protocol, 2 px shaved)
of each model's output against the clean HR minus that of MATLAB bicubic of the same decoded LR.
The models run through onnxruntime-node (gains.onnx_runner), so the numbers are the shipped files'.
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import degrade as G  # noqa: E402
import eval_sets as E  # noqa: E402
import gains  # noqa: E402
import protocol as P  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('names', nargs='+')
    ap.add_argument('--qualities', default='95,85,75,60,45,30,20')
    args = ap.parse_args()
    qualities = [int(q) for q in args.qualities.split(',')]
    items = E.set5_set('clean', 2)
    table = {}
    for q in qualities:
        lrs = [G.jpeg_roundtrip(lr, q) for _, _, lr in items]
        bic = float(np.mean([P.psnr(P.imresize(lr, 2), hr, 2) for lr, (_, hr, _) in zip(lrs, items)]))
        row = {'bicubicPsnrY': round(bic, 3)}
        for name in args.names:
            outs = gains.onnx_runner(os.path.join(gains.MODELS, f'{name}.onnx'), 2)(lrs)
            m = float(np.mean([P.psnr(o, hr, 2) for o, (_, hr, _) in zip(outs, items)]))
            row[name] = round(m - bic, 3)
        table[f'q{q}'] = row
        print(f'q{q:<3} bicubic {bic:.3f} ' + ' '.join(f'{n} {row[n]:+.3f}' for n in args.names), flush=True)
    print(json.dumps(table))


if __name__ == '__main__':
    main()
