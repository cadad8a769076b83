"""SRNet trained with re-parameterisable (ECB) layers; `to_plain()` folds it into the shipped SRNet.

Same shape as model.SRNet (conv kxk 1->C, n x conv3x3 C->C, conv3x3 C->s^2, ReLU between, fixed
bicubic skip, pixel shuffle), every conv a repconv.RepConv while training. The folded network is a
model.SRNet with the same layer shapes, so the ONNX graph, its op set and its MACs per pixel are
exactly those of the plain architecture.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

import model as M
from repconv import ALL_BRANCHES, BRANCH_SETS, RepConv


class RepSRNet(nn.Module):
    def __init__(self, scale, channels, first_k, n_mid, pad='zeros', branches=ALL_BRANCHES, he=False):
        super().__init__()
        branches = BRANCH_SETS.get(branches, branches) if isinstance(branches, str) else branches
        self.branch_names = tuple(branches)
        self.scale, self.channels, self.first_k, self.n_mid, self.pad = scale, channels, first_k, n_mid, pad
        layers = [RepConv(1, channels, first_k, pad, branches, he=he)]
        layers += [RepConv(channels, channels, 3, pad, branches, he=he) for _ in range(n_mid)]
        layers += [RepConv(channels, scale * scale, 3, pad, branches, last=True)]
        self.layers = nn.ModuleList(layers)
        self.register_buffer('bicubic', M.bicubic_phase_kernel(scale))

    def _skip(self, x):
        r = self.bicubic.shape[-1] // 2
        return F.conv2d(F.pad(x, (r, r, r, r), mode='replicate'), self.bicubic)

    def forward(self, x, branches=False):
        """x: (N, 1, H, W) luma in [0, 1] -> (N, 1, sH, sW); branches=True runs the explicit ECB form."""
        h = x
        for i, layer in enumerate(self.layers):
            h = layer.forward_branches(h) if branches else layer(h)
            if i < len(self.layers) - 1:
                h = F.relu(h)
        return F.pixel_shuffle(h + self._skip(x), self.scale)

    @torch.no_grad()
    def to_plain(self):
        """The model.SRNet this network folds into (same function, plain convs)."""
        net = M.SRNet(self.scale, self.channels, self.first_k, self.n_mid, self.pad)
        convs = [m for m in net.body if isinstance(m, nn.Conv2d)]
        for conv, layer in zip(convs, self.layers):
            w, b = layer.folded()
            conv.weight.copy_(w)
            conv.bias.copy_(b)
        return net.eval()

    def macs_per_pixel(self):
        return sum(layer.macs_per_pixel() for layer in self.layers) + int(self.bicubic.numel())

    def describe(self):
        return (self.to_plain().describe() + f'; trained with re-parameterisable branches ({", ".join(self.branch_names)}),'
                ' folded at export')
