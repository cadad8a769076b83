"""Training batches from the stream_data cache, for one denoise level (or all of them).

Denoise levels (what a card's "denoiseLevel" says it was trained for), like waifu2x's noise levels:
  0  none   clean LR (80% of the samples), or H.264 at CRF <= 19, JPEG quality >= 88, camera noise
            sigma <= 1 (a level-0 model that learns to remove more noise gives up clean detail: a pilot
            with 70% clean and records up to sigma 3 stood 0.56 dB below a clean-only one at 1,000 iterations)
  1  light  H.264 CRF 17-25, JPEG 70-92
  2  medium H.264 CRF 23-31, JPEG 45-75
  3  heavy  H.264 CRF 29-40, JPEG 15-50
The ranges overlap by two CRF steps so that a model is not blind just past its edge. A sample is
clean LR with probability `clean`, else a random record in the level's range: a pair of
consecutive frames of a clip (both showing the same HR patch, for the temporal term), an intra frame
or a JPEG window. Each batch gets one of the 8 flips/rotations.
"""
import json
import os

import numpy as np
import torch

LEVELS = {
    0: dict(crf=(0, 19), jpeg=(88, 100), clean=0.8, max_noise=1.0),
    1: dict(crf=(17, 25), jpeg=(70, 92), clean=0.1),
    2: dict(crf=(23, 31), jpeg=(45, 75), clean=0.05),
    3: dict(crf=(29, 40), jpeg=(15, 50), clean=0.05),
    'clean': dict(crf=(0, -1), jpeg=(101, 100), clean=1.0),
    'all': dict(crf=(0, 40), jpeg=(0, 100), clean=0.2),
}
LEVEL_DOC = {0: 'none: clean, H.264 CRF <= 19, JPEG q >= 88, little camera noise', 1: 'light: H.264 CRF 17-25, JPEG q 70-92',
             2: 'medium: H.264 CRF 23-31, JPEG q 45-75', 3: 'heavy: H.264 CRF 29-40, JPEG q 15-50'}


def parse_level(s):
    return s if s in ('clean', 'all') else int(s)


class StreamSampler:
    def __init__(self, cache_dir, level, patch, scale, clean=None, clip_frac=0.6, pairs=True, seed=1):
        with open(os.path.join(cache_dir, 'meta.json')) as fh:
            self.meta = json.load(fh)
        self.scale, self.patch, self.pairs = scale, patch, pairs
        self.hr = np.load(os.path.join(cache_dir, 'hr.npy'), mmap_mode='r')
        self.lr = np.load(os.path.join(cache_dir, 'lr.npy'), mmap_mode='r')
        self.canv = self.meta['canvases']
        cfg = LEVELS[level]
        self.clean = cfg['clean'] if clean is None else clean
        big = [i for i, c in enumerate(self.canv) if min(c['lr']['shape']) >= patch]
        # clean patches: canvases weighted by area, so every LR pixel is about equally likely
        area = np.array([np.prod(self.canv[i]['lr']['shape']) for i in big], dtype=np.float64)
        self.clean_ids, self.clean_p = np.array(big), area / area.sum()
        self.clip_ids = self.single_ids = np.array([], dtype=np.int64)
        if self.clean < 1 and os.path.exists(os.path.join(cache_dir, 'clips.npy')):
            self.clips = np.load(os.path.join(cache_dir, 'clips.npy'), mmap_mode='r')
            self.singles = np.load(os.path.join(cache_dir, 'singles.npy'), mmap_mode='r')
            lo, hi = cfg['crf']
            jlo, jhi = cfg['jpeg']
            quiet = cfg.get('max_noise', 99.0)
            self.clip_ids = np.array([i for i, m in enumerate(self.meta['clips']) if lo <= m['crf'] <= hi and m['noise'] <= quiet])
            self.single_ids = np.array([i for i, m in enumerate(self.meta['singles']) if m['noise'] <= quiet and (
                (m['kind'] == 'intra' and lo <= m['crf'] <= hi) or (m['kind'] == 'jpeg' and jlo <= m['quality'] <= jhi))])
        if len(self.clip_ids) == 0 and len(self.single_ids) == 0:
            self.clean = 1.0
        self.clip_frac = clip_frac if len(self.single_ids) else 1.0
        if len(self.clip_ids) == 0:
            self.clip_frac = 0.0
        self.rng = np.random.default_rng(seed)

    def _canvas(self, arr, ci, which):
        c = self.canv[ci][which]
        n = int(np.prod(c['shape']))
        return arr[c['offset']:c['offset'] + n].reshape(c['shape'])

    def _hr(self, ci, y, x):
        s, p = self.scale, self.patch
        return self._canvas(self.hr, ci, 'hr')[y * s:(y + p) * s, x * s:(x + p) * s]

    def _clean(self):
        ci = int(self.rng.choice(self.clean_ids, p=self.clean_p))
        h, w = self.canv[ci]['lr']['shape']
        y, x = int(self.rng.integers(0, h - self.patch + 1)), int(self.rng.integers(0, w - self.patch + 1))
        return self._canvas(self.lr, ci, 'lr')[y:y + self.patch, x:x + self.patch], self._hr(ci, y, x)

    def _single(self):
        i = int(self.rng.choice(self.single_ids))
        m = self.meta['singles'][i]
        (oy, ox), win, p = m['pos'][0], self.singles.shape[-1], self.patch
        y, x = int(self.rng.integers(0, win - p + 1)), int(self.rng.integers(0, win - p + 1))
        return self.singles[i, y:y + p, x:x + p], self._hr(m['canvas'], oy + y, ox + x)

    def _clip_pair(self):
        """Frames t and t+1 of a clip, cropped where both show the same canvas patch."""
        i = int(self.rng.choice(self.clip_ids))
        m = self.meta['clips'][i]
        n, win, p = self.clips.shape[1], self.clips.shape[-1], self.patch
        t = int(self.rng.integers(0, n - 1))
        (ay, ax), (by, bx) = m['pos'][t], m['pos'][t + 1]
        # canvas position q must satisfy 0 <= q - a <= win - p and 0 <= q - b <= win - p
        ylo, yhi = max(ay, by), min(ay, by) + win - p
        xlo, xhi = max(ax, bx), min(ax, bx) + win - p
        qy, qx = int(self.rng.integers(ylo, yhi + 1)), int(self.rng.integers(xlo, xhi + 1))
        a = self.clips[i, t, qy - ay:qy - ay + p, qx - ax:qx - ax + p]
        b = self.clips[i, t + 1, qy - by:qy - by + p, qx - bx:qx - bx + p]
        return a, b, self._hr(m['canvas'], qy, qx)

    def batch(self, n):
        """(x (N+K, 1, p, p), y (N+K, 1, sp, sp), K): the last K inputs are the second frames of the
        first K samples (temporal pairs: x[i] and x[N+i] show the same HR patch y[i] == y[N+i])."""
        xs, ys, seconds = [], [], []
        for _ in range(n):
            r = self.rng.random()
            if r < self.clean:
                a, h = self._clean()
            elif self.rng.random() < self.clip_frac:
                a, b, h = self._clip_pair()
                if self.pairs:
                    seconds.append((len(xs), b))
            else:
                a, h = self._single()
            xs.append(a)
            ys.append(h)
        # pairs first, so that the K second frames line up with samples 0..K-1
        order = [i for i, _ in seconds] + [i for i in range(n) if i not in {j for j, _ in seconds}]
        xs = [xs[i] for i in order] + [b for _, b in seconds]
        ys = [ys[i] for i in order] + [ys[i] for i, _ in seconds]
        x = torch.from_numpy(np.stack(xs).astype(np.float32) / 255.0)[:, None]
        y = torch.from_numpy(np.stack(ys).astype(np.float32) / 255.0)[:, None]
        k = int(self.rng.integers(0, 8))
        return _dihedral(x, k).contiguous(), _dihedral(y, k).contiguous(), len(seconds)


def _dihedral(t, k):
    if k & 4:
        t = t.flip(-1)
    return torch.rot90(t, k & 3, dims=(-2, -1))
