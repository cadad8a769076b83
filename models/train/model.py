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
    # 'fast' with edge-replicating padding (what lifted 'tiny' by 0.38 dB): tried, not shipped; it
    # trailed 'fast' at every checkpoint (36.337 / 36.449 at 6k / 12k iterations against 36.426 / 36.507).
    'fast-edge': dict(channels=16, first_k=5, n_mid=2, budget=6000, pad='replicate'),
    # The live ladder's lowest model rung: what a CPU that cannot keep 'fast' up with 30 fps (x264
    # encoding beside it) still runs on every frame; about 2.5x faster than 'fast' in onnxruntime.
    # Its convolutions pad by edge replication, not zeros: with zero padding a net this small cannot
    # learn the frame border away, and a flat frame came back up to 6 grey levels off along the edges
    # (tried); replicated edges make a flat frame flat for every layer, borders included.
    'tiny': dict(channels=8, first_k=5, n_mid=1, budget=1500, he_init=True, pad='replicate'),
    'default': dict(channels=28, first_k=5, n_mid=3, budget=25000),
    # The same budget spent on depth: 7 conv layers instead of 5 (receptive field 17 LR px, not 13).
    # He initialisation: with torch's default init the signal shrinks through 7 layers and the body
    # stayed at plain bicubic for 2,000 iterations (tried).
    'deep': dict(channels=22, first_k=5, n_mid=5, budget=25000, he_init=True),
    # Two scales: most layers run at half the LR resolution (a quarter of the cost per layer), so the
    # receptive field reaches ~29 LR px, enough to see across H.264's 8x8 and 16x16 blocks.
    'twoscale': dict(kind='twoscale', channels=16, half_channels=40, n_mid=3, budget=25000, he_init=True),
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
    def __init__(self, scale, channels, first_k, n_mid, pad='zeros'):
        super().__init__()
        self.scale = scale
        self.pad = pad
        layers = [nn.Conv2d(1, channels, first_k, padding=first_k // 2, padding_mode=pad), nn.ReLU(inplace=True)]
        for _ in range(n_mid):
            layers += [nn.Conv2d(channels, channels, 3, padding=1, padding_mode=pad), nn.ReLU(inplace=True)]
        layers += [nn.Conv2d(channels, scale * scale, 3, padding=1, padding_mode=pad)]
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
        padding = ' (edge-replicating padding)' if self.pad == 'replicate' else ''
        return (' + ReLU, '.join(parts) + padding + f', + fixed bicubic skip (conv{k}x{k} 1->{self.scale ** 2}, Keys a=-0.5,'
                f' edge padding), pixel shuffle x{self.scale}')


class TwoScaleSRNet(nn.Module):
    """SRNet whose body works mostly at half the LR resolution (U-Net-like, one level).

    head conv5x5 1->C at LR; a stride-2 conv3x3 C->D; n conv3x3 D->D at half resolution; conv3x3
    D->4C and a pixel shuffle back to LR, added to the head's features; conv3x3 C->C; conv3x3
    C->s^2; plus the same fixed bicubic skip. Odd sizes are padded to even for the body and cropped.
    """

    def __init__(self, scale, channels, half_channels, n_mid):
        super().__init__()
        self.scale = scale
        c, d = channels, half_channels
        self.head = nn.Conv2d(1, c, 5, padding=2)
        self.down = nn.Conv2d(c, d, 3, stride=2, padding=1)
        self.mid = nn.ModuleList([nn.Conv2d(d, d, 3, padding=1) for _ in range(n_mid)])
        self.up = nn.Conv2d(d, 4 * c, 3, padding=1)
        self.fuse = nn.Conv2d(c, c, 3, padding=1)
        self.tail = nn.Conv2d(c, scale * scale, 3, padding=1)
        nn.init.normal_(self.tail.weight, std=1e-3)  # start at plain bicubic
        nn.init.zeros_(self.tail.bias)
        self.register_buffer('bicubic', bicubic_phase_kernel(scale))

    def forward(self, x):
        h, w = x.shape[-2], x.shape[-1]
        # The body runs on an even size (odd ones get their last row/column repeated, cropped after):
        # training patches are even, and on an odd edge the stride-2 conv would see a layout it never
        # learned (a flat frame then came back up to 21 levels off along that edge).
        xe = F.pad(x, (0, w % 2, 0, h % 2), mode='replicate')
        f = F.relu(self.head(xe))
        g = F.relu(self.down(f))
        for m in self.mid:
            g = F.relu(m(g))
        f = F.relu(self.fuse(F.relu(f + F.pixel_shuffle(self.up(g), 2))))
        r = self.bicubic.shape[-1] // 2
        skip = F.conv2d(F.pad(x, (r, r, r, r), mode='replicate'), self.bicubic)
        return F.pixel_shuffle(self.tail(f)[..., :h, :w] + skip, self.scale)

    def macs_per_pixel(self):
        def cost(c, area=1.0):
            return c.in_channels * c.out_channels * c.kernel_size[0] * c.kernel_size[1] * area
        half = [self.down, *self.mid, self.up]  # these produce half-resolution outputs: 1/4 of the pixels
        total = cost(self.head) + sum(cost(c, 0.25) for c in half) + cost(self.fuse) + cost(self.tail)
        return int(round(total)) + int(self.bicubic.numel())

    def describe(self):
        def k(c):
            return f'conv{c.kernel_size[0]}x{c.kernel_size[1]} {c.in_channels}->{c.out_channels}'
        mids = f'{len(self.mid)} x {k(self.mid[0])}' if len(self.mid) else 'none'
        return (f'{k(self.head)} + ReLU; at half resolution: {k(self.down)} stride 2, {mids}, {k(self.up)} + '
                f'pixel shuffle x2 back to LR, added to the head features; {k(self.fuse)}, {k(self.tail)} (odd sizes: '
                f'padded to even by edge repetition, cropped after the tail); + fixed bicubic skip (conv5x5 1->{self.scale ** 2}, Keys a=-0.5, edge padding), pixel shuffle x{self.scale}')


def he_init(net):
    """Kaiming-normal weights (fan in, ReLU) and zero biases for every learned conv but the last,
    which keeps its near-zero start (the network begins as plain bicubic)."""
    convs = [m for m in net.modules() if isinstance(m, nn.Conv2d)]
    for c in convs[:-1]:
        nn.init.kaiming_normal_(c.weight, nonlinearity='relu')
        nn.init.zeros_(c.bias)


def build(arch, scale, rep=False):  # rep: False, True ('ecb') or a repconv.BRANCH_SETS name
    """The network for an ARCHS entry; rep=True: trained with ECB branches (repnet.RepSRNet), which
    folds into exactly this SRNet at export (same graph, same MACs)."""
    cfg = ARCHS[arch]
    if rep:
        import repnet  # noqa: PLC0415 (repnet imports this module)
        assert cfg.get('kind') != 'twoscale', 'ECB training is for the plain SRNet shapes'
        net = repnet.RepSRNet(scale, cfg['channels'], cfg['first_k'], cfg['n_mid'], cfg.get('pad', 'zeros'),
                              branches='ecb' if rep is True else rep, he=bool(cfg.get('he_init')))
    elif cfg.get('kind') == 'twoscale':
        net = TwoScaleSRNet(scale, cfg['channels'], cfg['half_channels'], cfg['n_mid'])
    else:
        net = SRNet(scale, cfg['channels'], cfg['first_k'], cfg['n_mid'], cfg.get('pad', 'zeros'))
    if cfg.get('he_init') and not rep:
        he_init(net)
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
