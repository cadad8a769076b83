"""The SR evaluation protocol (shared/datasets/README.md) in numpy, plus the H.264 degradation.

imresize reproduces MATLAB `imresize(..., 'bicubic')`: Keys cubic a = -0.5, antialiased (kernel
stretched by 1/scale) when shrinking, symmetric edge mirroring, rows before columns, and for uint8
input every pass rounded half away from zero and saturated (like MATLAB's imresizemex). It is the same
algorithm as src/image/matlab-imresize.ts, so Python and TypeScript evaluations agree.
"""
import math
import os
import subprocess

import numpy as np
from PIL import Image


def cubic(x):
    ax = np.abs(x)
    ax2, ax3 = ax * ax, ax * ax * ax
    return ((1.5 * ax3 - 2.5 * ax2 + 1) * (ax <= 1)
            + (-0.5 * ax3 + 2.5 * ax2 - 4 * ax + 2) * ((ax > 1) & (ax <= 2)))


def resize_matrix(n_in, n_out, scale):
    """Dense (n_out, n_in) matrix of MATLAB's contributions() for one dimension."""
    shrink = scale < 1
    width = 4.0 / scale if shrink else 4.0
    taps = int(math.ceil(width)) + 2
    o = np.arange(1, n_out + 1, dtype=np.float64)
    u = o / scale + 0.5 * (1 - 1 / scale)
    left = np.floor(u - width / 2)
    idx = left[:, None] + np.arange(taps)[None, :]  # 1-based source positions
    d = u[:, None] - idx
    w = scale * cubic(scale * d) if shrink else cubic(d)
    w = w / w.sum(axis=1, keepdims=True)
    period = 2 * n_in
    m = np.mod(idx - 1, period).astype(np.int64)
    src = np.where(m < n_in, m, period - 1 - m)
    mat = np.zeros((n_out, n_in), dtype=np.float64)
    for t in range(taps):
        np.add.at(mat, (np.arange(n_out), src[:, t]), w[:, t])
    return mat


def round_u8(x):
    """MATLAB's double -> uint8: round half away from zero (values are >= 0 after the clip), saturate."""
    return np.floor(np.clip(x, 0, 255) + 0.5).astype(np.uint8)


def imresize(img, scale):
    """MATLAB imresize(img, scale, 'bicubic') of a 2-D plane; uint8 in -> uint8 out (per-pass rounding)."""
    h, w = img.shape
    oh, ow = int(math.ceil(h * scale)), int(math.ceil(w * scale))
    is_u8 = img.dtype == np.uint8
    x = img.astype(np.float64)
    x = resize_matrix(h, oh, scale) @ x  # rows (dimension 1) first, as MATLAB does
    if is_u8:
        x = round_u8(x).astype(np.float64)
    x = x @ resize_matrix(w, ow, scale).T
    return round_u8(x) if is_u8 else x


def rgb_to_y(rgb):
    """MATLAB rgb2ycbcr Y (BT.601 studio range) of an 8-bit RGB image, rounded to uint8."""
    r, g, b = [rgb[..., i].astype(np.float64) for i in range(3)]
    return round_u8(16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255)


def load_y(path):
    return rgb_to_y(np.asarray(Image.open(path).convert('RGB')))


def modcrop(img, scale):
    h, w = img.shape
    return img[: h - h % scale, : w - w % scale]


def psnr(a, b, shave):
    a = a.astype(np.float64)[shave:-shave, shave:-shave]
    b = b.astype(np.float64)[shave:-shave, shave:-shave]
    mse = np.mean((a - b) ** 2)
    return 10 * math.log10(255.0 ** 2 / mse)


def _filter_valid(x, k):
    n = len(k)
    # separable 'valid' correlation (the window is symmetric)
    t = sum(k[i] * x[:, i: x.shape[1] - n + 1 + i] for i in range(n))
    return sum(k[i] * t[i: t.shape[0] - n + 1 + i, :] for i in range(n))


def ssim(a, b, shave):
    """Wang et al.'s ssim_index.m: 11x11 Gaussian (sigma 1.5), K = (0.01, 0.03), L = 255, valid region."""
    x = a.astype(np.float64)[shave:-shave, shave:-shave]
    y = b.astype(np.float64)[shave:-shave, shave:-shave]
    g = np.exp(-((np.arange(11) - 5.0) ** 2) / (2 * 1.5 ** 2))
    k = g / g.sum()
    mu1, mu2 = _filter_valid(x, k), _filter_valid(y, k)
    s11 = _filter_valid(x * x, k) - mu1 * mu1
    s22 = _filter_valid(y * y, k) - mu2 * mu2
    s12 = _filter_valid(x * y, k) - mu1 * mu2
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    m = ((2 * mu1 * mu2 + c1) * (2 * s12 + c2)) / ((mu1 ** 2 + mu2 ** 2 + c1) * (s11 + s22 + c2))
    return float(m.mean())


# H.264 degradation: the LR luma plane goes through libx264 as one yuv420p frame (chroma flat 128,
# no colour conversion anywhere), intra-coded, then is decoded back. Odd sizes are padded by edge
# replication to even and cropped after decoding.
H264_PRESET = 'medium'


def h264_roundtrip(y, crf, preset=H264_PRESET):
    h, w = y.shape
    ph, pw = h + h % 2, w + w % 2
    yp = np.pad(y, ((0, ph - h), (0, pw - w)), mode='edge')
    chroma = np.full((ph // 2) * (pw // 2) * 2, 128, dtype=np.uint8)
    raw = yp.tobytes() + chroma.tobytes()
    enc = subprocess.run(
        ['ffmpeg', '-v', 'error', '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-s', f'{pw}x{ph}', '-i', '-',
         '-c:v', 'libx264', '-preset', preset, '-crf', str(crf), '-f', 'h264', '-'],
        input=raw, stdout=subprocess.PIPE, check=True).stdout
    dec = subprocess.run(
        ['ffmpeg', '-v', 'error', '-f', 'h264', '-i', '-', '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-'],
        input=enc, stdout=subprocess.PIPE, check=True).stdout
    out = np.frombuffer(dec[: ph * pw], dtype=np.uint8).reshape(ph, pw)
    return out[:h, :w].copy()


H264_COMMAND = ('ffmpeg -f rawvideo -pix_fmt yuv420p -s WxH -i LR.yuv (chroma 128) -c:v libx264 '
                f'-preset {H264_PRESET} -crf CRF -f h264 - | ffmpeg -f h264 -i - -f rawvideo -pix_fmt yuv420p -')

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
SHARED = os.environ.get('UPREZ_SHARED', os.path.join(REPO, '..', 'shared'))
T91_DIR = os.path.join(SHARED, 'datasets', 'train', 'T91')
SET5_DIR = os.path.join(SHARED, 'datasets', 'val', 'Set5')


def set5(scale, crf=None):
    """[(name, hr_y, lr_y)] with the standard protocol; lr optionally through H.264 at crf."""
    out = []
    for f in sorted(os.listdir(SET5_DIR)):
        hr = modcrop(load_y(os.path.join(SET5_DIR, f)), scale)
        lr = imresize(hr, 1.0 / scale)
        if crf is not None:
            lr = h264_roundtrip(lr, crf)
        out.append((os.path.splitext(f)[0], hr, lr))
    return out


if __name__ == '__main__':
    for s in (2, 4):
        ps, ss = [], []
        for name, hr, lr in set5(s):
            sr = imresize(lr, s)
            ps.append(psnr(sr, hr, s))
            ss.append(ssim(sr, hr, s))
        print(f'x{s} bicubic Set5 Y-PSNR {np.mean(ps):.3f} SSIM {np.mean(ss):.4f}', [round(p, 2) for p in ps])
    ps = []
    for name, hr, lr in set5(2, crf=28):
        ps.append(psnr(imresize(lr, 2), hr, 2))
    print(f'x2 bicubic of H.264 CRF 28 LR: Set5 Y-PSNR {np.mean(ps):.3f}')
