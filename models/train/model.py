"""uprez SR networks: a small conv body at LR resolution, pixel-shuffle head, fixed bicubic skip.

out = PixelShuffle(body(x) + B(x)), where B is a fixed conv holding MATLAB's bicubic (Keys a = -0.5)
upsampling weights, one output channel per sub-pixel phase; so the body learns only the residual
over bicubic. The skip pads by edge replication (ONNX Pad mode 'edge'). Everything runs on LR
pixels, so the cost per input pixel is the sum of the conv MACs (counted in macs_per_pixel).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

# name -> (channels, first kernel, middle 3x3 layers, MAC budget per LR pixel)
ARCHS = {
    'fast': dict(channels=16, first_k=5, n_mid=2, budget=6000),
    'default': dict(channels=28, first_k=5, n_mid=3, budget=25000),
}
X4_BUDGET = 30000  # x4: the default body with a 16-phase head (about 1.6k MACs per output pixel)


def _keys(x, a=-0.5):
    ax = abs(x)
    if ax <= 1:
        return (a + 2) * ax ** 3 - (a + 3) * ax ** 2 + 1
    if ax < 2:
        return a * ax ** 3 - 5 * a * ax ** 2 + 8 * a * ax - 4 * a
    return 0.0


def bicubic_phase_kernel(scale, radius=2):
    """(s*s, 1, 2r+1, 2r+1) weights: phase (i, j) gives HR pixel (s*y+i, s*x+j) from LR around (y, x)."""
    taps = torch.arange(-radius, radius + 1, dtype=torch.float64)
    rows = []
    for p in range(scale):
        off = (p + 0.5) / scale - 0.5  # half-pixel source offset of this phase
        w = torch.tensor([_keys(t - off) for t in taps.tolist()], dtype=torch.float64)
        rows.append(w / w.sum())
    k = torch.stack([torch.outer(rows[i], rows[j]) for i in range(scale) for j in range(scale)])
    return k.unsqueeze(1).float()


class SRNet(nn.Module):
    def __init__(self, scale, channels, first_k, n_mid):
        super().__init__()
        self.scale = scale
        layers = [nn.Conv2d(1, channels, first_k, padding=first_k // 2), nn.ReLU(inplace=True)]
        for _ in range(n_mid):
            layers += [nn.Conv2d(channels, channels, 3, padding=1), nn.ReLU(inplace=True)]
        layers += [nn.Conv2d(channels, scale * scale, 3, padding=1)]
        self.body = nn.Sequential(*layers)
        nn.init.normal_(self.body[-1].weight, std=1e-3)  # start at plain bicubic
        nn.init.zeros_(self.body[-1].bias)
        self.register_buffer('bicubic', bicubic_phase_kernel(scale))

    def forward(self, x):
        """x: (N, 1, H, W) luma in [0, 1] -> (N, 1, sH, sW), not clamped."""
        r = self.bicubic.shape[-1] // 2
        skip = F.conv2d(F.pad(x, (r, r, r, r), mode='replicate'), self.bicubic)
        return F.pixel_shuffle(self.body(x) + skip, self.scale)

    def macs_per_pixel(self):
        convs = [m for m in self.body if isinstance(m, nn.Conv2d)]
        body = sum(c.in_channels * c.out_channels * c.kernel_size[0] * c.kernel_size[1] for c in convs)
        return body + int(self.bicubic.numel())

    def describe(self):
        parts = [f'conv{c.kernel_size[0]}x{c.kernel_size[1]} {c.in_channels}->{c.out_channels}'
                 for c in self.body if isinstance(c, nn.Conv2d)]
        k = self.bicubic.shape[-1]
        return (' + ReLU, '.join(parts) + f', + fixed bicubic skip (conv{k}x{k} 1->{self.scale ** 2}, Keys a=-0.5,'
                f' edge padding), pixel shuffle x{self.scale}')


def build(arch, scale):
    cfg = ARCHS[arch]
    net = SRNet(scale, cfg['channels'], cfg['first_k'], cfg['n_mid'])
    budget = cfg['budget'] if scale == 2 else X4_BUDGET
    macs = net.macs_per_pixel()
    assert macs <= budget, f'{arch} x{scale}: {macs} MACs per input pixel exceeds the budget {budget}'
    return net


class Uint8Wrapper(nn.Module):
    """The deployed graph: uint8 Y (1,1,H,W) -> uint8 Y (1,1,sH,sW); cast, scale, round, clamp inside."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, y):
        x = y.to(torch.float32) * (1.0 / 255.0)
        out = self.net(x) * 255.0
        return torch.clamp(torch.round(out), 0.0, 255.0).to(torch.uint8)
