"""Gain tables on compressed input: a model against bicubic of the same decoded LR, and flicker.

  /usr/bin/python3 models/train/gains.py uprez-x2-fast [uprez-x2 ...]      # measure the .onnx, update the card
  /usr/bin/python3 models/train/gains.py --print uprez-x2-fast             # measure and print only

For every condition of eval_sets.CONDITIONS (clean, H.264 CRF 18/23/28/33):
  - set5: mean Y-PSNR over the five pictures (scale px shaved) of the model and of MATLAB bicubic
    of the same decoded LR, and the gain;
  - video: the same over the held-out real clips (mean over clips of each clip's mean frame PSNR);
  - flicker (video): mean |Y(t) - Y(t-1)| of the upscaled frames over the pixels whose truth does
    not change (eval_sets.static_mask), pooled over all consecutive frame pairs of all clips, for the
    model and for bicubic, and their ratio (<= 1: the model adds no flicker).
The card's quality.compressed gets the table; `uprez models` shows its CRF 23 and CRF 28 gains.
Models run through onnxruntime-node (run-onnx.mjs), so the numbers are those of the shipped file.
"""
import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import eval_sets as E  # noqa: E402
import protocol as P  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.dirname(HERE)
PROTOCOL = ('gain = Y-PSNR of the model minus that of MATLAB bicubic of the same decoded LR. set5: Set5 x{s} '
            '(standard protocol), the LR through libx264 -preset medium as one intra frame at the CRF (clean: no '
            'encode). video: held-out real clips (' + ', '.join(f'{f} frames {a}-{a + n - 1}' for f, a, n in E.VIDEO_CLIPS) +
            '), truth = Y of each decoded frame, LR = MATLAB imresize 1/{s}, encoded per clip with libx264 '
            + ' '.join(E.VIDEO_ENCODE) + ' at the CRF, decoded; every frame scored ({s} px shaved), mean over clips of '
            'each clip\'s mean frame PSNR. flicker: mean |Y(t)-Y(t-1)| of the output over the static pixels of the '
            'truth (|dY| <= 2 at the pixel and its 8 neighbours), pooled over all consecutive pairs of all clips. '
            'Measured through onnxruntime-node by models/train/gains.py')


def onnx_runner(onnx_path, scale):
    """A batch upscaler: [lr uint8 (h, w)] -> [sr uint8 (sh, sw)] through onnxruntime-node."""
    def run(lrs):
        with tempfile.TemporaryDirectory(prefix='uprez-gains-') as d:
            with open(os.path.join(d, 'in.u8'), 'wb') as fh:
                for lr in lrs:
                    fh.write(np.ascontiguousarray(lr).tobytes())
            with open(os.path.join(d, 'in.json'), 'w') as fh:
                json.dump(dict(scale=scale, frames=[list(lr.shape) for lr in lrs]), fh)
            subprocess.run(['node', os.path.join(HERE, 'run-onnx.mjs'), onnx_path, os.path.join(d, 'in.u8'),
                            os.path.join(d, 'in.json'), os.path.join(d, 'out.u8')], check=True, cwd=os.path.dirname(MODELS))
            flat = np.fromfile(os.path.join(d, 'out.u8'), dtype=np.uint8)
        outs, off = [], 0
        for lr in lrs:
            n = lr.size * scale * scale
            outs.append(flat[off:off + n].reshape(lr.shape[0] * scale, lr.shape[1] * scale))
            off += n
        return outs
    return run


def torch_runner(net, scale):
    """The same for a PyTorch network (uint8 rounding like the deployed graph), for training runs."""
    @torch.no_grad()
    def run(lrs):
        net.eval()
        outs = []
        for lr in lrs:
            x = torch.from_numpy(lr.astype(np.float32) / 255.0)[None, None]
            outs.append(torch.clamp(torch.round(net(x) * 255.0), 0, 255).to(torch.uint8)[0, 0].numpy())
        return outs
    return run


_MASKS = {}


def _static_masks(hr):
    """The static-pixel masks of a clip's consecutive frames (the truth is the same in every condition)."""
    key = (hr.shape, hashlib.sha1(hr[:2].tobytes()).hexdigest(), hashlib.sha1(hr[-2:].tobytes()).hexdigest())
    if key not in _MASKS:
        _MASKS[key] = [E.static_mask(hr[t - 1], hr[t]) for t in range(1, hr.shape[0])]
    return _MASKS[key]


def _flicker(hr, out):
    """(sum of |dY| over static pixels, count) over the consecutive frames of one clip."""
    tot, cnt = 0.0, 0
    for t, m in enumerate(_static_masks(hr), start=1):
        tot += float(np.abs(out[t].astype(np.int16) - out[t - 1].astype(np.int16))[m].sum())
        cnt += int(m.sum())
    return tot, cnt


def _bicubic_video(cond, scale):
    """Bicubic's per-clip mean PSNR and flicker sums for a video condition (cached: they never change)."""
    path = os.path.join(E.EVAL_CACHE, f'bicubic-video-x{scale}-{cond}.json')
    if os.path.exists(path):
        with open(path) as fh:
            return json.load(fh)
    res = {}
    for name, hr, lr in E.video_set(cond, scale):
        bic = np.stack([P.imresize(f, scale) for f in lr])
        res[name] = dict(psnr=float(np.mean([P.psnr(b, h, scale) for b, h in zip(bic, hr)])), flicker=_flicker(hr, bic))
    with open(path, 'w') as fh:
        json.dump(res, fh)
    return res


def gain_table(run, scale=2, conditions=E.CONDITIONS, video=True):
    """{'set5': {cond: {...}}, 'video': {cond: {...}}, 'flicker': {cond: {...}}} for one upscaler."""
    table = {'set5': {}, 'video': {}, 'flicker': {}}
    for cond in conditions:
        items = E.set5_set(cond, scale)
        outs = run([lr for _, _, lr in items])
        m = float(np.mean([P.psnr(o, hr, scale) for o, (_, hr, _) in zip(outs, items)]))
        b = float(np.mean([P.psnr(P.imresize(lr, scale), hr, scale) for _, hr, lr in items]))
        table['set5'][cond] = dict(psnrY=round(m, 3), bicubicPsnrY=round(b, 3), gainDb=round(m - b, 3))
        if not video:
            continue
        clips = E.video_set(cond, scale)
        bic = _bicubic_video(cond, scale)
        outs = run([f for _, _, lr in clips for f in lr])
        per, ft, fc, off = {}, 0.0, 0, 0
        bt, bc = 0.0, 0
        for name, hr, lr in clips:
            o = np.stack(outs[off:off + len(lr)])
            off += len(lr)
            p = float(np.mean([P.psnr(a, h, scale) for a, h in zip(o, hr)]))
            per[name] = round(p - bic[name]['psnr'], 3)
            s, c = _flicker(hr, o)
            ft, fc = ft + s, fc + c
            bt, bc = bt + bic[name]['flicker'][0], bc + bic[name]['flicker'][1]
        m = float(np.mean([bic[n]['psnr'] + per[n] for n in per]))
        b = float(np.mean([bic[n]['psnr'] for n in per]))
        table['video'][cond] = dict(psnrY=round(m, 3), bicubicPsnrY=round(b, 3), gainDb=round(m - b, 3), gainDbPerClip=per)
        fm, fb = ft / max(fc, 1), bt / max(bc, 1)
        table['flicker'][cond] = dict(model=round(fm, 4), bicubic=round(fb, 4), ratio=round(fm / fb, 3), staticPixels=fc)
    return table


def format_table(name, table):
    rows = [f'{name}: gain over bicubic, dB (flicker ratio vs bicubic on static pixels)']
    conds = list(table['set5'])
    rows.append('          ' + ''.join(f'{c:>9}' for c in conds))
    for k in ('set5', 'video'):
        if table[k]:
            rows.append(f'{k:<10}' + ''.join(f'{table[k][c]["gainDb"]:+9.3f}' for c in conds))
    if table['flicker']:
        rows.append(f'{"flicker":<10}' + ''.join(f'{table["flicker"][c]["ratio"]:9.3f}' for c in conds))
    return '\n'.join(rows)


def update_card(name, table, scale):
    card_path = os.path.join(MODELS, f'{name}.json')
    with open(card_path) as fh:
        card = json.load(fh)
    with open(os.path.join(MODELS, f'{name}.onnx'), 'rb') as fh:
        assert hashlib.sha256(fh.read()).hexdigest() == card['sha256'], f'{name}: the .onnx does not match its card'
    card.setdefault('quality', {})['compressed'] = dict(table, protocol=PROTOCOL.format(s=scale))
    with open(card_path, 'w') as fh:
        json.dump(card, fh, indent=2)
        fh.write('\n')


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('names', nargs='+', help='model NAMEs (models/NAME.onnx), or checkpoints with --ckpt')
    ap.add_argument('--print', action='store_true', help='print the tables, leave the cards alone')
    ap.add_argument('--ckpt', action='store_true', help='the names are train.py checkpoints (PyTorch, for comparing runs)')
    ap.add_argument('--conditions', default=','.join(E.CONDITIONS))
    args = ap.parse_args()
    torch.set_num_threads(1)
    conds = tuple(args.conditions.split(','))
    if args.ckpt:
        import model as M  # noqa: PLC0415
        for path in args.names:
            ck = torch.load(path)
            net = M.build(ck['args']['arch'], ck['args']['scale'], rep=ck['args'].get('rep') or False)
            net.load_state_dict(ck['model'])
            if ck['args'].get('rep'):
                net = net.to_plain()
            print(format_table(f'{path} (iter {ck["state"]["iter"]})', gain_table(torch_runner(net, ck['args']['scale']),
                                                                                   ck['args']['scale'], conds)), flush=True)
        return
    for name in args.names:
        with open(os.path.join(MODELS, f'{name}.json')) as fh:
            scale = json.load(fh)['scale']
        table = gain_table(onnx_runner(os.path.join(MODELS, f'{name}.onnx'), scale), scale)
        print(format_table(name, table), flush=True)
        if not args.print:
            update_card(name, table, scale)


if __name__ == '__main__':
    main()
