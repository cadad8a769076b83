"""Set5 x4 through an x2 checkpoint applied twice, as `uprez file --scale 4 --x4 2x2` runs it.

  /usr/bin/python3 models/train/x4_two_pass.py models/train/runs/deep-x2/ckpt.pt

The LR is the x4 LR of the standard protocol (MATLAB imresize by 1/4); each pass goes through the
deployed uint8 graph (round and clamp to uint8 between the passes, like the file job's frames), and
PSNR/SSIM are measured on Y with 4 px shaved, beside MATLAB bicubic x4 of the same LR. This is the
figure README.md's x4 table compares with the x4 model's card.
"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import model as M  # noqa: E402
import protocol as P  # noqa: E402


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    ck = torch.load(sys.argv[1])
    targs = ck['args']
    assert targs['scale'] == 2, 'this checks an x2 checkpoint applied twice'
    net = M.build(targs['arch'], 2)
    net.load_state_dict(ck['model'])
    wrapper = M.Uint8Wrapper(net).eval()
    rows = []
    with torch.no_grad():
        for name, hr, lr in P.set5(4):
            y = torch.from_numpy(lr)[None, None]
            sr = wrapper(wrapper(y))[0, 0].numpy()
            bic = P.imresize(lr, 4)
            rows.append(dict(image=name, psnr=P.psnr(sr, hr, 4), ssim=P.ssim(sr, hr, 4),
                             bicubic_psnr=P.psnr(bic, hr, 4), bicubic_ssim=P.ssim(bic, hr, 4)))
    mean = {k: round(float(np.mean([r[k] for r in rows])), 4) for k in ('psnr', 'ssim', 'bicubic_psnr', 'bicubic_ssim')}
    print(json.dumps(dict(checkpoint=sys.argv[1], arch=targs['arch'], set5x4TwoPasses=mean,
                          perImage={r['image']: round(r['psnr'], 3) for r in rows})))


if __name__ == '__main__':
    main()
