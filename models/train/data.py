"""T91 training patches (luma), cached as .npy under models/train/cache/.

HR = MATLAB rgb2ycbcr Y of each T91 image, cropped to a multiple of the scale; LR = MATLAB imresize
(antialiased bicubic, uint8) by 1/scale. Patches are cut on a dense grid of the LR image (stride
`stride`), the HR patch aligned to it. The H.264 cache holds, for every CRF, the LR image that went
through libx264 at that CRF (with mild Gaussian noise added before encoding to some of them, as a
camera would), cut on the same grid, so `lr_h264[v, i]` degrades `lr[i]`.
"""
import json
import os

import numpy as np

import protocol as P

CACHE = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'cache')
CRFS = (18, 22, 25, 28, 31, 34)


def _grid(n, p, stride):
    if n < p:
        return []
    pos = list(range(0, n - p + 1, stride))
    if pos[-1] != n - p:
        pos.append(n - p)
    return pos


def _t91(scale):
    files = sorted(f for f in os.listdir(P.T91_DIR) if f.lower().endswith('.bmp'))
    for f in files:
        hr = P.modcrop(P.load_y(os.path.join(P.T91_DIR, f)), scale)
        yield f, hr, P.imresize(hr, 1.0 / scale)


def build_patches(scale, lr_patch, stride, h264=False, seed=0, log=print):
    """Return (hr, lr, lr_h264 or None) uint8 arrays, building the cache files on first use."""
    os.makedirs(CACHE, exist_ok=True)
    tag = f't91-x{scale}-p{lr_patch}-s{stride}'
    paths = {k: os.path.join(CACHE, f'{tag}-{k}.npy') for k in ('hr', 'lr', 'h264')}
    need_h264 = h264 and not os.path.exists(paths['h264'])
    if not os.path.exists(paths['hr']) or need_h264:
        rng = np.random.default_rng(seed)
        hrs, lrs, degs, meta = [], [], [], []
        for f, hr, lr in _t91(scale):
            ys, xs = _grid(lr.shape[0], lr_patch, stride), _grid(lr.shape[1], lr_patch, stride)
            if not ys or not xs:
                continue
            variants = []
            if h264:
                for crf in CRFS:
                    sigma = float(rng.uniform(0, 2.5)) if rng.random() < 0.5 else 0.0
                    noisy = lr if sigma == 0 else P.round_u8(lr + rng.normal(0, sigma, lr.shape))
                    variants.append(P.h264_roundtrip(noisy, crf))
                    meta.append(dict(image=f, crf=crf, noise_sigma=round(sigma, 3)))
            hp = lr_patch * scale
            for y in ys:
                for x in xs:
                    lrs.append(lr[y:y + lr_patch, x:x + lr_patch])
                    hrs.append(hr[y * scale:y * scale + hp, x * scale:x * scale + hp])
                    if h264:
                        degs.append(np.stack([v[y:y + lr_patch, x:x + lr_patch] for v in variants]))
        np.save(paths['hr'], np.stack(hrs))
        np.save(paths['lr'], np.stack(lrs))
        if h264:
            np.save(paths['h264'], np.ascontiguousarray(np.stack(degs).transpose(1, 0, 2, 3)))
            with open(os.path.join(CACHE, f'{tag}-h264.json'), 'w') as fh:
                json.dump(dict(crfs=CRFS, preset=P.H264_PRESET, variants=meta), fh)
        log(f'cached {len(hrs)} patches -> {paths["hr"]}')
    hr = np.load(paths['hr'])
    lr = np.load(paths['lr'])
    deg = np.load(paths['h264'], mmap_mode='r') if h264 else None
    return hr, lr, deg


def set5_cached(scale, crf=None):
    """Set5 (name, hr, lr) for validation; the H.264 LR is cached (ffmpeg is slow-ish)."""
    if crf is None:
        return P.set5(scale)
    path = os.path.join(CACHE, f'set5-x{scale}-crf{crf}.npz')
    if not os.path.exists(path):
        items = P.set5(scale, crf)
        os.makedirs(CACHE, exist_ok=True)
        np.savez(path, **{f'{n}__hr': h for n, h, _ in items}, **{f'{n}__lr': l for n, _, l in items})
    z = np.load(path)
    names = sorted({k.split('__')[0] for k in z.files})
    return [(n, z[f'{n}__hr'], z[f'{n}__lr']) for n in names]
