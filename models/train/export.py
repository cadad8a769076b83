"""Export a checkpoint to models/NAME.onnx, check it with onnxruntime-node, measure it, write the card.

  /usr/bin/python3 models/train/export.py --ckpt models/train/runs/fast-x2/ckpt.pt --name uprez-x2-fast --default

Steps: (1) check the fixed bicubic skip against MATLAB imresize; (2) torch.onnx.export of the uint8
wrapper (opset 13, dynamic H and W); (3) Set5 Y-PSNR/SSIM beside bicubic through the same uint8
graph in PyTorch (clean, and H.264 CRF 28 at x2); (4) reference outputs for a few Set5 images (one
cropped to an odd size) and `node models/train/check-onnx.mjs`, which must agree within 1 grey level
and times a 640x360 frame on one thread; (5) models/NAME.json with the sha256 of the .onnx.
"""
import argparse
import datetime
import hashlib
import json
import os
import subprocess
import sys

import numpy as np
import onnx
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data as D  # noqa: E402
import gains as GA  # noqa: E402
import model as M  # noqa: E402
import protocol as P  # noqa: E402
import stream_data as SD  # noqa: E402
import stream_sampler as SS  # noqa: E402
from train import evaluate  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.dirname(HERE)
OPSET = 13
PROTOCOL = ('Set5, Y of MATLAB rgb2ycbcr (BT.601 studio range), HR cropped to a multiple of the scale, '
            'LR = MATLAB imresize bicubic (antialiased, uint8 per pass), output rounded to uint8, '
            '{s} px shaved on every border, mean of per-image PSNR/SSIM (SSIM: Wang et al. 11x11 Gaussian '
            'sigma 1.5); bicubic = MATLAB imresize of the same LR; measured by models/train/export.py')


def check_skip(scale):
    """The graph's fixed bicubic conv must equal MATLAB imresize (away from the 2-pixel edge band)."""
    net = M.SRNet(scale, 4, 3, 0)
    with torch.no_grad():
        net.body[-1].weight.zero_()
        lr = P.imresize(P.modcrop(P.load_y(os.path.join(P.SET5_DIR, 'baby.png')), scale), 1.0 / scale)
        out = net(torch.from_numpy(lr.astype(np.float32))[None, None])[0, 0].double().numpy()
    ref = P.imresize(lr.astype(np.float64), scale)
    b = 2 * scale + scale
    err = float(np.abs(out - ref)[b:-b, b:-b].max())
    assert err < 1e-2, f'bicubic skip differs from MATLAB imresize by {err}'
    return err


def train_command(targs, init):
    """The train.py command line that reproduces a run from its saved arguments."""
    loss = targs.get('loss', 'l1')
    return (f'/usr/bin/python3 models/train/train.py --arch {targs["arch"]} --scale {targs["scale"]} --iters {targs["iters"]}'
            f' --batch {targs["batch"]} --lr {targs["lr"]:g}' + (f' --lr-min {targs["lr_min"]:g}' if targs['lr_min'] != 1e-5 else '')
            + (f' --loss {loss}' if loss != 'l1' else '') + (f' --loss-crop {targs["loss_crop"]}' if targs.get('loss_crop') else '')
            + (' --h264' if targs.get('h264') else '') + (f' --max-crf {targs["max_crf"]}' if targs.get('max_crf') else '')
            + (f' --clean-frac {targs["clean_frac"]:g}' if targs.get('h264') and targs.get('clean_frac', 0.2) != 0.2 else '')
            + ((' --rep' if targs['rep'] in (True, 'ecb') else f' --rep {targs["rep"]}') if targs.get('rep') else '')
            + (f' --data {targs["data"]} --level {targs["level"]}' if targs.get('data', 't91') != 't91' else '')
            + (f' --clean {targs["clean"]:g}' if targs.get('clean') is not None else '')
            + (f' --temporal {targs["temporal"]:g}' if targs.get('temporal') else '')
            + (f' --patch {targs["patch"]}' if targs['patch'] != (32 if targs['scale'] == 2 else 24) else '')
            + (f' --init {init["path"]}' if init else '') + f' --out {targs["out"]}')


def earlier_stages(init):
    """The runs a fine-tune started from, oldest first (following each checkpoint's own --init)."""
    stages = []
    while init:
        ck = torch.load(init['path'])
        targs, state = ck['args'], ck['state']
        parent = state.get('init')
        last = state['history'][-1] if state['history'] else {}
        stages.append(dict(command=train_command(targs, parent), iterations=state['iter'],
                           loss=targs.get('loss', 'l1').upper(), h264=bool(targs.get('h264')),
                           data=targs.get('data', 't91'), level=targs.get('level'),
                           lastValidation=dict(iter=last.get('iter'), psnrY=last.get('psnr')),
                           wallClockMin=round(state['wall'] / 60, 1)))
        init = parent
    return stages[::-1]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--ckpt', required=True)
    ap.add_argument('--name', required=True)
    ap.add_argument('--default', action='store_true', help='the model files and images use by default at its scale')
    ap.add_argument('--live-default', action='store_true', help='the model uprez serve (live) uses by default at its scale')
    ap.add_argument('--live-fallback', action='store_true',
                    help="the live model ladder's lower rung: streams step down to it before bicubic when their model cannot keep up")
    ap.add_argument('--denoise-level', type=int, choices=(0, 1, 2, 3), default=None,
                    help='the compression this model serves (stream_sampler.LEVELS); the card gets "denoiseLevel"')
    ap.add_argument('--family', default='', help='the family of models per denoise level this one belongs to (its level-0 NAME)')
    ap.add_argument('--no-gains', action='store_true', help='leave out the compressed-input gain table (gains.py)')
    ap.add_argument('--description', default='')
    ap.add_argument('--training-note', default='', help='how the run went, where it differs from its command')
    ap.add_argument('--threads', type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    ck = torch.load(args.ckpt)
    targs, state = ck['args'], ck['state']
    scale = targs['scale']
    net = M.build(targs['arch'], scale, rep=targs.get('rep') or False)
    net.load_state_dict(ck['model'])
    net.eval()
    fold = None
    rep_params = sum(p.numel() for p in net.parameters())
    if targs.get('rep'):
        # The shipped graph is the folded plain SRNet; it must compute what the trained ECB network does,
        # branch by branch (ECBSR's explicit form) and folded, on real pictures (odd sizes included).
        plain = net.to_plain()
        diffs = []
        with torch.no_grad():
            for _, _, lr in D.set5_cached(scale)[:3]:
                x = torch.from_numpy(lr[:-1, :].astype(np.float32) / 255.0)[None, None]
                ref = net(x, branches=True)
                diffs.append((float((ref - net(x)).abs().max()), float((ref - plain(x)).abs().max())))
        fold = dict(maxAbsDiffOnlineFold=max(d[0] for d in diffs) * 255, maxAbsDiffFoldedGraph=max(d[1] for d in diffs) * 255,
                    note='grey levels, float outputs before rounding, on 3 Set5 LR pictures cropped to an odd height: the '
                         'explicit multi-branch ECB network against the folded conv (training forward) and the plain SRNet exported')
        assert fold['maxAbsDiffFoldedGraph'] < 1e-2, f'folding changed the network: {fold}'
        print('ECB fold check:', json.dumps(fold))
        net = plain
    skip_err = check_skip(scale)

    onnx_path = os.path.join(MODELS, f'{args.name}.onnx')
    wrapper = M.Uint8Wrapper(net).eval()
    dummy = torch.randint(0, 256, (1, 1, 36, 52), dtype=torch.uint8)
    torch.onnx.export(wrapper, dummy, onnx_path, opset_version=OPSET, input_names=['y'], output_names=['y_sr'],
                      dynamic_axes={'y': {2: 'H', 3: 'W'}, 'y_sr': {2: f'{scale}H', 3: f'{scale}W'}},
                      do_constant_folding=True)
    m = onnx.load(onnx_path)
    onnx.checker.check_model(m)
    out_dims = m.graph.output[0].type.tensor_type.shape.dim
    out_dims[0].Clear()
    out_dims[0].dim_value = 1  # torch names the batch dim of the Cast output; the contract fixes it at 1
    m.doc_string = f'{args.name}: uint8 Y [1,1,H,W] -> uint8 Y [1,1,{scale}H,{scale}W]'
    onnx.save(m, onnx_path)
    ops = sorted({n.op_type for n in m.graph.node})

    # Quality through the deployed uint8 graph (PyTorch), clean and H.264 CRF 28.
    def q(crf=None):
        mean, rows = evaluate(net, scale, crf)
        return dict(psnrY=round(mean['psnr'], 3), ssimY=round(mean['ssim'], 4),
                    bicubicPsnrY=round(mean['bicubic_psnr'], 3), bicubicSsimY=round(mean['bicubic_ssim'], 4),
                    gainDb=round(mean['psnr'] - mean['bicubic_psnr'], 3),
                    perImage={r['image']: round(r['psnr'], 3) for r in rows})
    quality = {'set5': dict(q(), protocol=PROTOCOL.format(s=scale))}
    if scale == 2:
        quality['set5H264Crf28'] = dict(q(28), protocol=(
            'as set5, but the LR goes through H.264 before upscaling: ' + P.H264_COMMAND.replace('CRF', '28') +
            '; bicubic = MATLAB imresize of the same degraded LR'))

    # Reference outputs for the onnxruntime-node check.
    ref_dir = os.path.join(HERE, 'runs', 'check', args.name)
    os.makedirs(ref_dir, exist_ok=True)
    manifest = []
    with torch.no_grad():
        clean = D.set5_cached(scale)
        # ... and one odd-sized crop: frames and images need not have even sizes.
        odd = [(f'{n}-odd', h, np.ascontiguousarray(l[:-1, :-1])) for n, h, l in clean[1:2]]
        for name, _, lr in clean[:3] + odd + [(f'{n}-crf28', h, l) for n, h, l in D.set5_cached(scale, 28)[2:3]]:
            sr = wrapper(torch.from_numpy(lr)[None, None])[0, 0].numpy()
            lr.tofile(os.path.join(ref_dir, f'{name}.lr.u8'))
            sr.tofile(os.path.join(ref_dir, f'{name}.sr.u8'))
            manifest.append(dict(name=name, height=int(lr.shape[0]), width=int(lr.shape[1]), scale=scale))
    with open(os.path.join(ref_dir, 'manifest.json'), 'w') as fh:
        json.dump(manifest, fh)
    res = subprocess.run(['node', os.path.join(HERE, 'check-onnx.mjs'), onnx_path, ref_dir],
                         stdout=subprocess.PIPE, cwd=os.path.dirname(MODELS))
    check = json.loads(res.stdout)
    print('onnxruntime-node check:', json.dumps(check))
    assert res.returncode == 0 and check['maxAbsDiff'] <= 1, 'onnxruntime-node differs from PyTorch'

    with open(onnx_path, 'rb') as fh:
        blob = fh.read()
    params = sum(p.numel() for p in net.parameters())
    h264 = bool(targs.get('h264'))
    streams = targs.get('data', 't91') == 'streams'
    degradations = [f'bicubic downscale x{scale} (MATLAB imresize, antialiased)']
    if streams:
        lv = SS.parse_level(str(targs['level']))
        cfg = SS.LEVELS[lv]
        clean = cfg['clean'] if targs.get('clean') is None else targs['clean']
        degradations = [f'scale augmentation: the HR pictures resized by {list(SD.SCALES)} (MATLAB imresize)'] + degradations
        if clean < 1:
            degradations += [
                f'denoise level {lv}: clean LR with probability {clean:g}, else H.264 CRF {cfg["crf"][0]}-{cfg["crf"][1]} '
                f'(publisher clips: libx264 {" ".join(SD.G.PUBLISHER)}, {SD.T} frames of {SD.WIN}x{SD.WIN} LR px panning up to 3 px per '
                f'frame or still, I- and P-frames; single intra frames with -preset medium) or JPEG quality {cfg["jpeg"][0]}-{cfg["jpeg"][1]}',
                'Gaussian camera noise sigma U(0, 3) grey levels, fresh every frame, before encoding on half of the records']
            if targs.get('temporal'):
                degradations.append(f'temporal term: {targs["temporal"]:g} x mean |out(t) - out(t+1)| over consecutive clip frames '
                                    'cropped to show the same HR patch')
    if h264:
        crfs = [c for c in D.CRFS if not targs.get('max_crf') or c <= targs['max_crf']]
        degradations += [f'H.264 (libx264 preset {P.H264_PRESET}, one intra frame) at CRF {crfs} '
                         f'with probability {1 - targs["clean_frac"]:.2f}, else clean',
                         'Gaussian noise sigma U(0, 2.5) grey levels before encoding on half of the encoded copies']
    degradations.append('random flips and 90-degree rotations')
    init = state.get('init')
    cmd = train_command(targs, init)
    training = dict(
        data='T91 + BSD200 (291 pictures)' if streams else 'T91', degradations=degradations, iterations=state['iter'],
        patch=dict(lr=targs['patch'], hr=targs['patch'] * scale, gridStrideLr=targs['stride']),
        batch=targs['batch'], loss=targs.get('loss', 'l1').upper(),
        optimizer=f'Adam (betas 0.9, 0.999), lr {targs["lr"]:g}',
        schedule=f'cosine from {targs["lr"]:g} to {targs["lr_min"]:g} over {targs["iters"]} iterations',
        wallClock=f'{state["wall"] / 60:.1f} min on a shared 2-core CPU, {targs["threads"]} torch thread(s)',
        command=cmd, learningCurve=[dict(iter=h['iter'], psnrY=h['psnr'], **{f'psnrYCrf{k[8:]}': v for k, v in h.items()
                                                                               if k.startswith('psnr_crf')})
                                    for h in state['history']])
    if targs.get('rep'):
        kind = ('ECB (ECBSR): conv kxk + conv1x1-conv kxk (x2 expansion) + conv1x1-Sobel x/y + conv1x1-Laplacian, bias-free '
                'branches' if targs['rep'] in (True, 'ecb') else 'RepVGG without batch norm: conv kxk + conv1x1')
        training['reparameterisation'] = dict(kind=kind + ', folded into one conv per layer', trainingParams=int(rep_params),
                                              foldCheck=fold)
    if args.training_note:
        training['note'] = args.training_note
    if init:
        stages = earlier_stages(init)
        training['initialisedFrom'] = dict(checkpoint=init['path'], iterations=init['iter'],
                                           note='a fine-tune; the earlier stages below ran first, in order')
        training['earlierStages'] = stages
        training['commands'] = [st['command'] for st in stages] + [cmd]
    card = dict(
        name=args.name, scale=scale, layout='y_uint8',
        input=dict(name='y', dtype='uint8', shape=[1, 1, 'H', 'W']),
        output=dict(name='y_sr', dtype='uint8', shape=[1, 1, f'{scale}H', f'{scale}W']),
        default=bool(args.default),
        liveDefault=bool(args.live_default),
        **(dict(liveFallback=True) if args.live_fallback else {}),
        **(dict(denoiseLevel=args.denoise_level, denoiseLevelMeaning=SS.LEVEL_DOC[args.denoise_level])
           if args.denoise_level is not None else {}),
        **(dict(family=args.family) if args.family else {}),
        description=args.description,
        architecture=dict(summary=net.describe(), activation='ReLU', residual='fixed bicubic skip inside the graph',
                          upsampler='pixel shuffle (ONNX DepthToSpace CRD)', onnxOpset=OPSET, onnxOps=ops,
                          bicubicSkipMaxAbsErrorVsMatlab=skip_err),
        params=int(params), macsPerPixel=int(net.macs_per_pixel()),
        macsPerPixelNote='multiply-accumulates per input (LR) pixel, all convolutions including the fixed bicubic skip',
        training=training, quality=quality,
        cpuMsPerFrame640x360=check['msPerFrame640x360']['median'],
        cpuTiming=dict(medianMs=check['msPerFrame640x360']['median'], minMs=check['msPerFrame640x360']['min'],
                       runs=check['msPerFrame640x360']['runs'], threads=1,
                       note=f'onnxruntime-node {check.get("ort") or "1.30"}, CPU EP, intraOpNumThreads 1, '
                                       f'interOpNumThreads 1, 640x360 uint8 luma input -> {640 * scale}x{360 * scale}; '
                                       'measured on the shared 2-core dev machine while other jobs ran'),
        onnxruntimeCheck=dict(maxAbsDiffVsPytorch=check['maxAbsDiff'], images=[i['name'] for i in check['images']]),
        license='Apache-2.0',
        licenseNotes=dict(weights='Apache-2.0: our own training, same license as the project',
                          trainingData='T91 (Yang et al. 2010) from tegg89/SRCNN-Tensorflow (repo MIT; the images carry '
                                  'no explicit license)' + ('; BSD200 (the BSDS500 train images, Arbelaez et al. 2011; no license '
                                                            'stated for the images)' if streams else '') +
                                       '; Set5 (no license stated) and the shared video clips (CC-BY 4.0, Intel IoT Devkit '
                                       'sample videos) used for validation only'),
        sha256=hashlib.sha256(blob).hexdigest(), bytes=len(blob),
        exported=datetime.datetime.utcnow().replace(microsecond=0).isoformat() + 'Z',
    )
    if not args.no_gains:
        table = GA.gain_table(GA.onnx_runner(onnx_path, scale), scale)
        print(GA.format_table(args.name, table))
        quality['compressed'] = dict(table, protocol=GA.PROTOCOL.format(s=scale))
    with open(os.path.join(MODELS, f'{args.name}.json'), 'w') as fh:
        json.dump(card, fh, indent=2)
        fh.write('\n')
    short = {k: {kk: vv for kk, vv in v.items() if kk != 'protocol'} for k, v in quality.items()}
    print(json.dumps(dict(name=card['name'], iterations=state['iter'], params=card['params'],
                          macsPerPixel=card['macsPerPixel'], quality=short, cpuMs=card['cpuMsPerFrame640x360'])))


if __name__ == '__main__':
    main()
