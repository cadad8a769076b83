"""Degradations the way streams and pictures carry them: H.264 clips (intra and inter frames), JPEG.

h264_clip encodes T luma frames as one clip (yuv420p, chroma flat 128) with libx264 as a publisher
would (`-preset veryfast -tune zerolatency`, no B-frames, one keyframe at the start, then P-frames),
or as a single intra frame with `-preset medium` (what protocol.h264_roundtrip and the Set5 CRF
numbers use), and decodes it back; jpeg_roundtrip compresses one luma plane with PIL's JPEG (the
luma quantiser of libjpeg at quality q). Each call owns its ffmpeg children and checks their exit.
"""
import io
import subprocess

import numpy as np
from PIL import Image

PUBLISHER = ('-preset', 'veryfast', '-tune', 'zerolatency')


def h264_clip(frames, crf, args=PUBLISHER + ('-g', '250', '-bf', '0'), rate=('-framerate', '30')):
    """frames: (T, H, W) uint8 luma with H, W even -> (decoded (T, H, W) uint8, encoded bytes) through libx264 at crf."""
    t, h, w = frames.shape
    assert h % 2 == 0 and w % 2 == 0, 'yuv420p needs even sizes'
    chroma = np.full((h // 2) * (w // 2) * 2, 128, dtype=np.uint8).tobytes()
    raw = b''.join(f.tobytes() + chroma for f in np.ascontiguousarray(frames))
    enc = subprocess.run(
        ['ffmpeg', '-v', 'error', '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-s', f'{w}x{h}', *rate, '-i', '-',
         '-c:v', 'libx264', *args, '-crf', str(crf), '-f', 'h264', '-'],
        input=raw, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True).stdout
    dec = subprocess.run(['ffmpeg', '-v', 'error', '-f', 'h264', '-i', '-', '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-'],
                         input=enc, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True).stdout
    fsize = h * w * 3 // 2
    assert len(dec) == t * fsize, f'decoded {len(dec)} bytes, want {t} frames of {fsize}'
    out = np.frombuffer(dec, dtype=np.uint8).reshape(t, fsize)[:, :h * w].reshape(t, h, w)
    return out.copy(), len(enc)


def h264_intra(y, crf):
    """One frame through libx264 -preset medium (the Set5 protocol's encode); odd sizes edge-padded."""
    h, w = y.shape
    yp = np.pad(y, ((0, h % 2), (0, w % 2)), mode='edge')
    dec, _ = h264_clip(yp[None], crf, args=('-preset', 'medium'), rate=())
    return dec[0, :h, :w]


def jpeg_roundtrip(y, quality):
    """A luma plane through baseline JPEG at quality (1..100) and back."""
    buf = io.BytesIO()
    Image.fromarray(y, mode='L').save(buf, format='JPEG', quality=int(quality))
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert('L')).copy()


def add_noise(y, sigma, rng):
    """Camera-like Gaussian noise of sigma grey levels, rounded back to uint8."""
    if sigma <= 0:
        return y
    return np.clip(np.floor(y.astype(np.float64) + rng.normal(0, sigma, y.shape) + 0.5), 0, 255).astype(np.uint8)
