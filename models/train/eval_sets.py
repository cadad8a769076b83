"""Held-out evaluation sets for the compressed-input gain tables (never trained on).

CONDITIONS: clean LR, and LR through H.264 at CRF 18, 23, 28 and 33.
  - set5: the standard Set5 protocol (x2, MATLAB imresize), each LR picture encoded as one intra
    frame with libx264 -preset medium (protocol.h264_roundtrip, as the cards' set5H264Crf28);
  - video: real camera footage from shared/datasets/video (bottle-detection, car-detection and the ten
    asl clips; static cameras). The truth is the Y plane of each decoded frame; the LR is MATLAB
    imresize by 1/2 of it; the LR frames are encoded as one clip each the way a publisher does
    (libx264 -preset veryfast -tune zerolatency -g 60 -bf 0, 30 fps; chroma flat), decoded, and
    every frame is scored against the original, I- and P-frames alike. VIDEO_CLIPS says which frames.
Built once and cached under cache/eval-v1/ (gitignored).
"""
import os
import subprocess

import numpy as np

import data as D
import degrade as G
import protocol as P

CONDITIONS = ('clean', 'crf18', 'crf23', 'crf28', 'crf33')
VIDEO_DIR = os.path.join(P.SHARED, 'datasets', 'video')
# (file under datasets/video, first frame, frame count): contiguous runs, so flicker can be measured
VIDEO_CLIPS = [('bottle-detection.mp4', 0, 90), ('car-detection.mp4', 0, 60)] + [
    (f'asl/{n}.mkv', 0, 30) for n in ('again', 'book', 'eat', 'hungry', 'milk', 'no', 'school', 'sorry', 'thanks', 'want')]
VIDEO_ENCODE = G.PUBLISHER + ('-g', '60', '-bf', '0')
EVAL_CACHE = os.path.join(D.CACHE, 'eval-v1')


def crf_of(cond):
    return None if cond == 'clean' else int(cond[3:])


def decode_y(path, first, count):
    """(count, H, W) uint8: the Y plane of frames first..first+count-1 of a video file."""
    probe = subprocess.run(['ffprobe', '-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height',
                            '-of', 'csv=p=0', path], stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True)
    w, h = (int(v) for v in probe.stdout.decode().strip().split(',')[:2])
    raw = subprocess.run(['ffmpeg', '-v', 'error', '-i', path, '-vf', f'select=gte(n\\,{first})', '-vsync', '0',
                          '-frames:v', str(count), '-f', 'rawvideo', '-pix_fmt', 'gray', '-'],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True).stdout
    assert len(raw) == count * w * h, f'{path}: got {len(raw) // (w * h)} frames, want {count}'
    return np.frombuffer(raw, dtype=np.uint8).reshape(count, h, w).copy()


def video_set(cond, scale=2):
    """[(clip name, hr (T, H, W), lr (T, h, w))] for one condition, cached."""
    path = os.path.join(EVAL_CACHE, f'video-x{scale}-{cond}.npz')
    if not os.path.exists(path):
        os.makedirs(EVAL_CACHE, exist_ok=True)
        items = {}
        for f, first, count in VIDEO_CLIPS:
            hr = decode_y(os.path.join(VIDEO_DIR, f), first, count)
            hr = hr[:, :hr.shape[1] - hr.shape[1] % scale, :hr.shape[2] - hr.shape[2] % scale]
            lr = np.stack([P.imresize(fr, 1.0 / scale) for fr in hr])
            crf = crf_of(cond)
            if crf is not None:
                lr, _ = G.h264_clip(lr, crf, args=VIDEO_ENCODE)
            name = os.path.splitext(f)[0]
            items[f'{name}__hr'], items[f'{name}__lr'] = hr, lr
        np.savez(path, **items)
    z = np.load(path)
    names = [os.path.splitext(f)[0] for f, _, _ in VIDEO_CLIPS]
    return [(n, z[f'{n}__hr'], z[f'{n}__lr']) for n in names]


def set5_set(cond, scale=2):
    """[(name, hr, lr)] of Set5 for one condition (intra-coded single frames), cached."""
    return D.set5_cached(scale, crf_of(cond))


def static_mask(hr_prev, hr_next, tol=2):
    """Pixels whose truth does not change: |dY| <= tol there and at all 8 neighbours."""
    d = np.abs(hr_next.astype(np.int16) - hr_prev.astype(np.int16))
    p = np.pad(d, 1, mode='edge')
    m = np.max(np.stack([p[i:i + d.shape[0], j:j + d.shape[1]] for i in range(3) for j in range(3)]), axis=0)
    return m <= tol


if __name__ == '__main__':
    for c in CONDITIONS:
        v = video_set(c)
        s = set5_set(c)
        print(c, 'video frames', sum(h.shape[0] for _, h, _ in v), 'set5', len(s))
