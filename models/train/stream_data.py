"""Training data as streams carry it: T91 + BSD200, scale-augmented, LR through H.264 clips, JPEG or clean.

Canvases: every T91 and BSD200 image (Y of MATLAB rgb2ycbcr), resized by each of SCALES (MATLAB
imresize, the scale augmentation), cropped to a multiple of the SR scale; its LR is MATLAB imresize
by 1/scale. Degraded records are cut from the LR canvases (x2 only), WIN x WIN LR pixels each:
  - clip: T frames of a window panning over the LR canvas by an integer step per frame (or standing
    still, with fresh camera noise every frame), encoded as one clip by libx264 the way a publisher
    does (veryfast, zerolatency: an I-frame, then P-frames) at a random CRF, decoded;
  - intra: one window through libx264 -preset medium as a single frame (the Set5 protocol's encode);
  - jpeg: one window through JPEG at a random quality.
Half of the records get Gaussian camera noise (sigma U(0, 3) grey levels, fresh per frame) before
encoding. Everything is cached under cache/ (gitignored) the first time, so training never calls
ffmpeg; `python3 stream_data.py` builds (or checks) the cache and prints what it holds.
"""
import json
import os
import sys
import time

import numpy as np

import degrade as G
import protocol as P
from data import CACHE

SCALES = (1.0, 0.8, 0.6)
WIN, T = 96, 6
CRF_RANGE = (12, 40)
JPEG_RANGE = (15, 95)
CLIPS_PER_CANVAS, INTRA_PER_CANVAS, JPEG_PER_CANVAS = 4, 2, 1
VERSION = 'v1'
BSD200_DIR = os.path.join(P.SHARED, 'datasets', 'train', 'BSD200')


def training_images():
    """[(name, Y uint8)] of T91 then BSD200, sorted by file name."""
    out = []
    for d, ext in ((P.T91_DIR, '.bmp'), (BSD200_DIR, '.jpg')):
        for f in sorted(x for x in os.listdir(d) if x.lower().endswith(ext)):
            out.append((f'{os.path.basename(d)}/{f}', P.load_y(os.path.join(d, f))))
    return out


def _pack(arrays):
    flat = np.concatenate([a.ravel() for a in arrays])
    offs = np.cumsum([0] + [a.size for a in arrays])[:-1]
    return flat, [dict(offset=int(o), shape=list(a.shape)) for o, a in zip(offs, arrays)]


def _record_plan(rng, lr_shape):
    """Where a clip's window goes: start offset and a constant integer step per frame (LR px)."""
    h, w = lr_shape
    if rng.random() < 0.3:
        v = (0, 0)  # a still camera: only the noise and the coding change from frame to frame
    else:
        vmax = int(min(3, (h - WIN) // (T - 1), (w - WIN) // (T - 1)))
        v = (0, 0) if vmax == 0 else tuple(int(x) for x in rng.integers(-vmax, vmax + 1, 2))
    span_y, span_x = abs(v[0]) * (T - 1), abs(v[1]) * (T - 1)
    oy = int(rng.integers(0, h - WIN - span_y + 1)) + (span_y if v[0] < 0 else 0)
    ox = int(rng.integers(0, w - WIN - span_x + 1)) + (span_x if v[1] < 0 else 0)
    return [(oy + t * v[0], ox + t * v[1]) for t in range(T)]


def build(scale=2, seed=0, log=print):
    """Build cache/streams-xS-VERSION/ (canvases for any scale; degraded records at x2)."""
    out = os.path.join(CACHE, f'streams-x{scale}-{VERSION}')
    if os.path.exists(os.path.join(out, 'done.json')):
        return out
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(seed)
    hrs, lrs, canv = [], [], []
    for name, y in training_images():
        for s in SCALES:
            hr = P.modcrop(y if s == 1.0 else P.imresize(y, s), scale)
            hrs.append(hr)
            lrs.append(P.imresize(hr, 1.0 / scale))
            canv.append(dict(image=name, scale_aug=s))
    log(f'{len(canv)} canvases ({sum(h.size for h in hrs) / 1e6:.1f} M HR px)')
    clips, singles, meta_clips, meta_singles = [], [], [], []
    t0 = time.time()
    for ci, lr in enumerate(lrs if scale == 2 else []):
        if min(lr.shape) < WIN:
            continue
        for k in range(CLIPS_PER_CANVAS + INTRA_PER_CANVAS + JPEG_PER_CANVAS):
            sigma = float(rng.uniform(0, 3)) if rng.random() < 0.5 else 0.0
            if k < CLIPS_PER_CANVAS:
                pos = _record_plan(rng, lr.shape)
                frames = np.stack([G.add_noise(lr[y:y + WIN, x:x + WIN], sigma, rng) for y, x in pos])
                crf = int(rng.integers(CRF_RANGE[0], CRF_RANGE[1] + 1))
                dec, nbytes = G.h264_clip(frames, crf)
                clips.append(dec)
                meta_clips.append(dict(canvas=ci, pos=pos, crf=crf, noise=round(sigma, 3), bytes=nbytes))
                continue
            pos = _record_plan(rng, lr.shape)[:1]
            (y, x), win = pos[0], None
            noisy = G.add_noise(lr[y:y + WIN, x:x + WIN], sigma, rng)
            if k < CLIPS_PER_CANVAS + INTRA_PER_CANVAS:
                crf = int(rng.integers(CRF_RANGE[0], CRF_RANGE[1] + 1))
                win = G.h264_intra(noisy, crf)
                meta_singles.append(dict(canvas=ci, pos=pos, kind='intra', crf=crf, noise=round(sigma, 3)))
            else:
                q = int(rng.integers(JPEG_RANGE[0], JPEG_RANGE[1] + 1))
                win = G.jpeg_roundtrip(noisy, q)
                meta_singles.append(dict(canvas=ci, pos=pos, kind='jpeg', quality=q, noise=round(sigma, 3)))
            singles.append(win)
        if ci % 100 == 0:
            log(f'canvas {ci}/{len(lrs)}: {len(clips)} clips, {len(singles)} single frames, {time.time() - t0:.0f} s')
    hflat, hidx = _pack(hrs)
    lflat, lidx = _pack(lrs)
    np.save(os.path.join(out, 'hr.npy'), hflat)
    np.save(os.path.join(out, 'lr.npy'), lflat)
    if clips:
        np.save(os.path.join(out, 'clips.npy'), np.stack(clips))
        np.save(os.path.join(out, 'singles.npy'), np.stack(singles))
    info = dict(scale=scale, scales=SCALES, win=WIN, frames=T, crf=CRF_RANGE, jpeg=JPEG_RANGE, seed=seed,
                encoder=dict(clip='libx264 ' + ' '.join(G.PUBLISHER) + ' -g 250 -bf 0 (30 fps)', intra='libx264 -preset medium'),
                canvases=[dict(c, **{'hr': h, 'lr': l}) for c, h, l in zip(canv, hidx, lidx)],
                clips=meta_clips, singles=meta_singles)
    with open(os.path.join(out, 'meta.json'), 'w') as fh:
        json.dump(info, fh)
    with open(os.path.join(out, 'done.json'), 'w') as fh:
        json.dump(dict(seconds=round(time.time() - t0), clips=len(clips), singles=len(singles)), fh)
    log(f'cached -> {out}: {len(clips)} clips of {T} frames, {len(singles)} single frames')
    return out


if __name__ == '__main__':
    for sc in [int(a) for a in sys.argv[1:]] or [2]:
        d = build(sc)
        with open(os.path.join(d, 'done.json')) as fh:
            print(d, fh.read())
