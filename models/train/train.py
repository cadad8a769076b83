"""Train an uprez SR network on T91 luma patches; resumes from OUT/ckpt.pt when rerun.

  /usr/bin/python3 models/train/train.py --arch fast --scale 2 --out models/train/runs/fast-x2
  /usr/bin/python3 models/train/train.py --arch default --scale 2 --h264 --init RUN/ckpt.pt --lr 5e-4 \
      --iters 8000 --out models/train/runs/live-x2                           # fine-tune of a plain run
  (models/train/recipe.sh NAME runs every stage of a shipped model and exports it)

Residual over a fixed bicubic skip, pixel shuffle, L1 loss, random flips/rotations, Adam with a
cosine learning-rate schedule (`--loss l2`: MSE instead, for a low-lr fine-tune after L1). Prints
iter, loss, lr and, every --val-every iterations, Set5 Y-PSNR (standard protocol; with --h264 also
on Set5 LR through H.264 CRF 28).
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data as D  # noqa: E402
import model as M  # noqa: E402
import protocol as P  # noqa: E402
import stream_data as SD  # noqa: E402
import stream_sampler as SS  # noqa: E402


def parse(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--arch', choices=sorted(M.ARCHS), default='fast')
    ap.add_argument('--scale', type=int, choices=(2, 4), default=2)
    ap.add_argument('--out', required=True)
    ap.add_argument('--iters', type=int, default=20000)
    ap.add_argument('--batch', type=int, default=32)
    ap.add_argument('--patch', type=int, default=0, help='LR patch size (default 32 at x2, 24 at x4)')
    ap.add_argument('--stride', type=int, default=0, help='LR patch grid stride (default patch/3)')
    ap.add_argument('--lr', type=float, default=1e-3)
    ap.add_argument('--lr-min', type=float, default=1e-5)
    ap.add_argument('--loss', choices=('l1', 'l2'), default='l1',
                    help='l1 to train; l2 (MSE, what PSNR measures) for a low-lr fine-tune from --init')
    ap.add_argument('--loss-crop', type=int, default=0,
                    help='LR pixels left out of the loss on every side of a patch, so that the body\'s zero padding at '
                         'patch edges (receptive field: 6 LR px) does not weigh on what it learns for the inside of a frame')
    ap.add_argument('--h264', action='store_true', help='compression-aware: LR through H.264 at CRFs 18-34')
    ap.add_argument('--max-crf', type=int, default=0, help='with --h264: train only on the encoded copies up to this CRF')
    ap.add_argument('--clean-frac', type=float, default=0.2, help='with --h264: share of clean LR samples')
    ap.add_argument('--rep', nargs='?', const='ecb', default=None, choices=('ecb', 'lite'),
                    help='train with re-parameterisable branches, folded at export: ecb (ECBSR: 1x1-kxk expansion, '
                         'Sobel x/y, Laplacian, identity) or lite (RepVGG without BN: 1x1 and identity)')
    ap.add_argument('--he-init', action='store_true', help='Kaiming-normal init for a plain network whose ARCHS entry does not ask for it')
    ap.add_argument('--data', choices=('t91', 'streams'), default='t91',
                    help='t91: the grid of T91 patches (clean or --h264); streams: T91 + BSD200, scale-augmented, '
                         'LR through H.264 clips / intra frames / JPEG (stream_data.py) at --level')
    ap.add_argument('--level', type=SS.parse_level, default='all', help='with --data streams: denoise level 0-3, clean or all')
    ap.add_argument('--clean', type=float, default=None, help='with --data streams: share of clean samples (default: the level\'s)')
    ap.add_argument('--temporal', type=float, default=0.0,
                    help='with --data streams: weight of the temporal term, mean |out(t) - out(t+1)| over consecutive clip '
                         'frames that show the same HR patch')
    ap.add_argument('--val-crfs', default='', help='comma-separated CRFs of the Set5 H.264 validation (default 23,28 with streams)')
    ap.add_argument('--init', default='', help='start from the weights of this checkpoint (fine-tune)')
    ap.add_argument('--val-every', type=int, default=1000)
    ap.add_argument('--ckpt-every', type=int, default=250)
    ap.add_argument('--log-every', type=int, default=100)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--seed', type=int, default=1)
    a = ap.parse_args(argv)
    a.patch = a.patch or (32 if a.scale == 2 else 24)
    a.stride = a.stride or max(1, a.patch // 3)
    if not a.val_crfs:
        a.val_crfs = '23,28' if a.data == 'streams' and a.scale == 2 else ('28' if a.h264 else '')
    return a


@torch.no_grad()
def evaluate(net, scale, crf=None):
    """Mean Set5 Y-PSNR/SSIM of the network (uint8 output, like the deployed graph) and of bicubic."""
    net.eval()
    rows = []
    for name, hr, lr in D.set5_cached(scale, crf):
        x = torch.from_numpy(lr.astype(np.float32) / 255.0)[None, None]
        sr = torch.clamp(torch.round(net(x) * 255.0), 0, 255).to(torch.uint8)[0, 0].numpy()
        bic = P.imresize(lr, scale)
        rows.append(dict(image=name, psnr=P.psnr(sr, hr, scale), ssim=P.ssim(sr, hr, scale),
                         bicubic_psnr=P.psnr(bic, hr, scale), bicubic_ssim=P.ssim(bic, hr, scale)))
    net.train()
    mean = {k: float(np.mean([r[k] for r in rows])) for k in ('psnr', 'ssim', 'bicubic_psnr', 'bicubic_ssim')}
    return mean, rows


def dihedral(t, k):
    """One of the 8 flips/rotations of a (N, C, H, W) tensor."""
    if k & 4:
        t = t.flip(-1)
    return torch.rot90(t, k & 3, dims=(-2, -1))


def sample(rng, args, hr, lr, deg):
    idx = rng.integers(0, len(hr), args.batch)
    x = lr[idx]
    if deg is not None:
        # per sample: clean with probability clean_frac, else one CRF variant uniformly
        allowed = [i for i, crf in enumerate(D.CRFS) if not args.max_crf or crf <= args.max_crf]
        v = np.array(allowed)[rng.integers(0, len(allowed), args.batch)]
        clean = rng.random(args.batch) < args.clean_frac
        x = np.stack([x[i] if clean[i] else deg[v[i], idx[i]] for i in range(args.batch)])
    xt = torch.from_numpy(x.astype(np.float32) / 255.0)[:, None]
    yt = torch.from_numpy(hr[idx].astype(np.float32) / 255.0)[:, None]
    k = int(rng.integers(0, 8))  # one transform per batch keeps it cheap; batches are independent
    return dihedral(xt, k).contiguous(), dihedral(yt, k).contiguous()


def save_atomic(obj, path):
    tmp = path + '.tmp'
    torch.save(obj, tmp)
    os.replace(tmp, path)


def main():
    args = parse()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    log_path = os.path.join(args.out, 'train.log')

    def log(msg):
        print(msg, flush=True)
        with open(log_path, 'a') as fh:
            fh.write(msg + '\n')

    net = M.build(args.arch, args.scale, rep=args.rep)
    if args.he_init and not args.rep:
        M.he_init(net)
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    ckpt_path = os.path.join(args.out, 'ckpt.pt')
    state = dict(iter=0, wall=0.0, history=[], init=None)
    if os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path)
        net.load_state_dict(ck['model'])
        opt.load_state_dict(ck['opt'])
        state = ck['state']
        log(f'resumed from {ckpt_path} at iter {state["iter"]}')
    elif args.init:
        ck = torch.load(args.init)
        net.load_state_dict(ck['model'])
        state['init'] = dict(path=args.init, iter=ck['state']['iter'], args=ck['args'])
        log(f'initialised from {args.init} (iter {ck["state"]["iter"]})')
    log(f'{args.arch} x{args.scale}: {net.macs_per_pixel()} MACs/LR pixel, '
        f'{sum(p.numel() for p in net.parameters())} params; {net.describe()}')
    log('command: ' + ' '.join(['/usr/bin/python3'] + sys.argv))

    rng = np.random.default_rng(args.seed * 100003 + state['iter'])
    if args.data == 'streams':
        sampler = SS.StreamSampler(SD.build(args.scale, log=log), args.level, args.patch, args.scale, clean=args.clean,
                                   pairs=args.temporal > 0, seed=args.seed * 100003 + state['iter'])
        log(f'streams data, level {args.level}: clean {sampler.clean:.2f}, {len(sampler.clip_ids)} clips, '
            f'{len(sampler.single_ids)} single frames; temporal weight {args.temporal}')
    else:
        hr, lr, deg = D.build_patches(args.scale, args.patch, args.stride, h264=args.h264, log=log)
        log(f'{len(hr)} patches LR {args.patch}px, HR {args.patch * args.scale}px' +
            (f', H.264 variants at CRF {D.CRFS}' if args.h264 else ''))

    def lr_at(i):
        return args.lr_min + 0.5 * (args.lr - args.lr_min) * (1 + math.cos(math.pi * min(i, args.iters) / args.iters))

    def checkpoint():
        save_atomic(dict(model=net.state_dict(), opt=opt.state_dict(), state=state, args=vars(args)), ckpt_path)

    def validate(it):
        mean, _ = evaluate(net, args.scale)
        rec = dict(iter=it, psnr=round(mean['psnr'], 4), ssim=round(mean['ssim'], 5), wall=round(state['wall'], 1))
        msg = f'val iter {it}: Set5 Y-PSNR {mean["psnr"]:.3f} SSIM {mean["ssim"]:.4f} (bicubic {mean["bicubic_psnr"]:.3f})'
        for crf in [int(c) for c in args.val_crfs.split(',') if c]:
            mc, _ = evaluate(net, args.scale, crf=crf)
            rec[f'psnr_crf{crf}'] = round(mc['psnr'], 4)
            rec[f'gain_crf{crf}'] = round(mc['psnr'] - mc['bicubic_psnr'], 4)
            msg += f'; CRF {crf}: {mc["psnr"]:.3f} ({mc["psnr"] - mc["bicubic_psnr"]:+.3f})'
        state['history'].append(rec)
        with open(os.path.join(args.out, 'history.json'), 'w') as fh:
            json.dump(state['history'], fh, indent=1)
        log(msg)

    if state['iter'] == 0:
        validate(0)
    loss_fn = F.l1_loss if args.loss == 'l1' else F.mse_loss
    net.train()
    run_loss, t0 = 0.0, time.time()
    while state['iter'] < args.iters:
        it = state['iter'] + 1
        for g in opt.param_groups:
            g['lr'] = lr_at(it - 1)
        if args.data == 'streams':
            x, y, pairs = sampler.batch(args.batch)
        else:
            (x, y), pairs = sample(rng, args, hr, lr, deg), 0
        out = net(x)
        if args.loss_crop:
            c = args.loss_crop * args.scale
            out, y = out[..., c:-c, c:-c], y[..., c:-c, c:-c]
        loss = loss_fn(out, y)
        if args.temporal and pairs:
            loss = loss + args.temporal * (out[:pairs] - out[-pairs:]).abs().mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        run_loss += loss.item()
        state['iter'] = it
        now = time.time()
        state['wall'] += now - t0
        t0 = now
        if it % args.log_every == 0:
            mean_loss = run_loss / args.log_every
            err = mean_loss * 255 if args.loss == 'l1' else math.sqrt(mean_loss) * 255  # MAE or RMSE
            log(f'iter {it}/{args.iters} loss {err:.4f} (grey levels{"" if args.loss == "l1" else ", RMSE"}) '
                f'lr {lr_at(it - 1):.2e} wall {state["wall"] / 60:.1f} min')
            run_loss = 0.0
        if it % args.val_every == 0 or it == args.iters:
            validate(it)
            t0 = time.time()  # validation time is not training time
        if it % args.ckpt_every == 0 or it == args.iters:
            checkpoint()
    log('done')


if __name__ == '__main__':
    main()
