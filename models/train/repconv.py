"""Re-parameterisable convolutions (ECB, Zhang et al., "Edge-oriented Convolution Block", ECBSR 2021).

A RepConv is, while training, the sum of several linear branches over the same input:
  - conv kxk (the plain layer);
  - expand-squeeze: conv1x1 cin->D then conv kxk D->cout (D = 2 cout, ECBSR's multiplier);
  - Sobel-x, Sobel-y and Laplacian: conv1x1 cin->cout then a fixed 3x3 edge mask per output channel,
    with a learned scale and bias per channel;
  - identity (when cin == cout).
All branches are linear, so they collapse into ONE kxk conv (weight, bias): that is what ships, and
the deployed graph is the same plain conv/ReLU/pixel-shuffle graph as a model trained without them.

Training folds the branches on every forward pass ("online" re-parameterisation) and runs the one
folded conv, so a step costs about what the plain network's does; the gradient reaches every
branch through the fold, and the function is the same as the explicit multi-branch block of ECBSR,
whose 1x1 outputs are padded with their bias (zero padding) or replicated (edge padding) before the
kxk conv. `forward_branches` computes that explicit form, branch by branch, for the export check.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

SOBEL_X = [[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]]
SOBEL_Y = [[1.0, 2.0, 1.0], [0.0, 0.0, 0.0], [-1.0, -2.0, -1.0]]
LAPLACE = [[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]]
MASKS = {'sobelx': SOBEL_X, 'sobely': SOBEL_Y, 'laplace': LAPLACE}
# ECBSR's branches (its identity branch is optional there and off here: without batch norm it doubles
# every layer's signal at the start, and He-scaled starts cost the plain 'fast' net 0.7 dB in pilots)
ALL_BRANCHES = ('expand', 'sobelx', 'sobely', 'laplace')
# RepVGG without batch norm or identity: a 1x1 conv beside the kxk one (it lands on the centre tap)
LITE_BRANCHES = ('conv1x1',)
BRANCH_SETS = {'ecb': ALL_BRANCHES, 'lite': LITE_BRANCHES}


def _centre(mask3, k):
    """A 3x3 mask in the middle of a kxk kernel (k odd, >= 3)."""
    m = torch.zeros(k, k)
    o = (k - 3) // 2
    m[o:o + 3, o:o + 3] = torch.tensor(mask3)
    return m


class RepConv(nn.Module):
    """kxk conv with ECB training branches; `folded()` gives the single (weight, bias) it equals."""

    def __init__(self, cin, cout, k, pad='zeros', branches=ALL_BRANCHES, expand=2, last=False, he=False, branch_bias=False):
        super().__init__()
        self.cin, self.cout, self.k, self.pad = cin, cout, k, pad
        self.branches = tuple(b for b in branches if b != 'identity' or cin == cout)
        # Weights start like PyTorch's default conv init (std 1/sqrt(3 fan_in)), which the plain networks
        # use; the last layer's branches start at zero, so the network starts as plain bicubic (its
        # skip) and each branch still gets a gradient, since what feeds it is not zero.
        def init(*shape, fan_in, zero=last):
            return nn.Parameter(torch.zeros(*shape) if zero else torch.randn(*shape) / (3.0 * fan_in) ** 0.5)

        def bias(name, n):
            # Branch biases all fold into the one bias of the conv, so they add nothing to what the layer can
            # compute; learned, each moves by about the learning rate per Adam step and the folded bias by
            # their sum, which killed every ReLU of a pilot within a few hundred steps. Off by default
            # (then a zero buffer, so the fold and the explicit form read the same names).
            if branch_bias:
                setattr(self, name, nn.Parameter(torch.zeros(n)))
            else:
                self.register_buffer(name, torch.zeros(n))
        small = 0.0 if last else 1.0
        self.weight = init(cout, cin, k, k, fan_in=cin * k * k)
        if he and not last:  # Kaiming-normal main conv for the archs that need it (deep: 7 layers)
            self.weight = nn.Parameter(torch.randn(cout, cin, k, k) * (2.0 / (cin * k * k)) ** 0.5)
        self.bias = nn.Parameter(torch.zeros(cout))
        if 'conv1x1' in self.branches:
            self.c1 = init(cout, cin, fan_in=cin)
            bias('c1b', cout)
        if 'expand' in self.branches:
            d = expand * cout
            self.e1 = init(d, cin, fan_in=cin, zero=False)
            bias('e1b', d)
            self.e2 = init(cout, d, k, k, fan_in=d * k * k)
            bias('e2b', cout)
        for name in ('sobelx', 'sobely', 'laplace'):
            if name in self.branches:
                setattr(self, f'{name}_w', init(cout, cin, fan_in=cin, zero=False))
                bias(f'{name}_b', cout)
                setattr(self, f'{name}_s', nn.Parameter(torch.randn(cout) * 1e-3 * small))
                bias(f'{name}_sb', cout)
                self.register_buffer(f'{name}_m', _centre(MASKS[name], k))
        self.identity_scale = 0.0 if last else 1.0

    def folded(self):
        """(weight (cout, cin, k, k), bias (cout,)) of the single conv this block equals."""
        w, b = self.weight, self.bias
        if 'conv1x1' in self.branches:
            c = self.k // 2
            w = w + F.pad(self.c1[:, :, None, None], (c, c, c, c))
            b = b + self.c1b
        if 'expand' in self.branches:
            w = w + torch.einsum('odhw,di->oihw', self.e2, self.e1)
            b = b + self.e2b + torch.einsum('odhw,d->o', self.e2, self.e1b)
        for name in ('sobelx', 'sobely', 'laplace'):
            if name in self.branches:
                s, m = getattr(self, f'{name}_s'), getattr(self, f'{name}_m')
                w = w + (s[:, None] * getattr(self, f'{name}_w'))[:, :, None, None] * m
                # the mask sums to zero, so the 1x1 bias never reaches the output
                b = b + getattr(self, f'{name}_sb') + s * getattr(self, f'{name}_b') * m.sum()
        if 'identity' in self.branches and self.identity_scale:
            eye = torch.zeros(self.cout, self.cin, self.k, self.k, device=w.device)
            c = self.k // 2
            eye[range(self.cout), range(self.cin), c, c] = self.identity_scale
            w = w + eye
        return w, b

    def _padded(self, x):
        p = self.k // 2
        return F.pad(x, (p, p, p, p), mode='replicate' if self.pad == 'replicate' else 'constant')

    def forward(self, x):
        w, b = self.folded()
        return F.conv2d(self._padded(x), w, b)

    def forward_branches(self, x):
        """The explicit multi-branch block (ECBSR's training form), for checking the fold."""
        out = F.conv2d(self._padded(x), self.weight, self.bias)
        if 'conv1x1' in self.branches:
            out = out + F.conv2d(x, self.c1[:, :, None, None], self.c1b)

        def pad_1x1(y, bias):
            # ECBSR pads a 1x1 output with its bias under zero padding: the border then sees what the
            # folded conv sees (zeros in, bias out); under edge padding, replication commutes with 1x1.
            if self.pad == 'replicate':
                return self._padded(y)
            return self._padded(y - bias[None, :, None, None]) + bias[None, :, None, None]
        if 'expand' in self.branches:
            y = F.conv2d(x, self.e1[:, :, None, None], self.e1b)
            out = out + F.conv2d(pad_1x1(y, self.e1b), self.e2, self.e2b)
        for name in ('sobelx', 'sobely', 'laplace'):
            if name in self.branches:
                bw = getattr(self, f'{name}_b')
                y = F.conv2d(x, getattr(self, f'{name}_w')[:, :, None, None], bw)
                mask = getattr(self, f'{name}_m')[None, None].repeat(self.cout, 1, 1, 1)
                y = F.conv2d(pad_1x1(y, bw), mask, groups=self.cout)
                out = out + getattr(self, f'{name}_s')[None, :, None, None] * y + getattr(self, f'{name}_sb')[None, :, None, None]
        if 'identity' in self.branches and self.identity_scale:
            out = out + self.identity_scale * x
        return out

    def macs_per_pixel(self):
        """Of the folded (deployed) conv."""
        return self.cin * self.cout * self.k * self.k
