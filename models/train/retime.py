"""Re-measure the CPU time per 640x360 frame of shipped models and update their cards' timing only.

  /usr/bin/python3 models/train/retime.py uprez-x2 uprez-x2-fast [--runs 60]

export.py times each model once, right after training, often while other jobs load the machine;
this reruns the same onnxruntime-node check (check-onnx.mjs: one intra-op thread, CPU EP, median
and min of --runs after warm-up) for several models one after the other, so their numbers are
taken under the same conditions. The .onnx must still match the card's sha256 (nothing else in
the card changes), and the check must still agree with the PyTorch reference within 1 grey level.
"""
import argparse
import hashlib
import json
import os
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = os.path.dirname(HERE)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('names', nargs='+')
    ap.add_argument('--runs', type=int, default=60)
    args = ap.parse_args()
    for name in args.names:
        onnx_path = os.path.join(MODELS, f'{name}.onnx')
        card_path = os.path.join(MODELS, f'{name}.json')
        with open(card_path) as fh:
            card = json.load(fh)
        with open(onnx_path, 'rb') as fh:
            digest = hashlib.sha256(fh.read()).hexdigest()
        assert digest == card['sha256'], f'{name}: the .onnx no longer matches its card; re-export it instead'
        load_before = os.getloadavg()[0]
        ref_dir = os.path.join(HERE, 'runs', 'check', name)
        tmp = None
        if not os.path.exists(os.path.join(ref_dir, 'manifest.json')):
            # No PyTorch reference here (export.py ran on another checkout): the sha256 above says this is
            # the file that export.py checked, so only the timing is taken.
            print(f'{name}: no reference outputs in {ref_dir}; timing only (the sha256 matches the checked export)')
            tmp = tempfile.TemporaryDirectory(prefix='uprez-retime-')
            ref_dir = tmp.name
            with open(os.path.join(ref_dir, 'manifest.json'), 'w') as fh:
                fh.write('[]')
        res = subprocess.run(['node', os.path.join(HERE, 'check-onnx.mjs'), onnx_path, ref_dir,
                              str(args.runs)], stdout=subprocess.PIPE, cwd=os.path.dirname(MODELS))
        if tmp:
            tmp.cleanup()
        check = json.loads(res.stdout)
        assert res.returncode == 0 and check['maxAbsDiff'] <= 1, f'{name}: onnxruntime-node differs from PyTorch'
        load = max(load_before, os.getloadavg()[0])
        t = check['msPerFrame640x360']
        card['cpuMsPerFrame640x360'] = t['median']
        card['cpuTiming'] = dict(
            medianMs=t['median'], minMs=t['min'], runs=t['runs'], threads=1,
            note=(f'onnxruntime-node {check.get("ort")}, CPU EP, intraOpNumThreads 1, interOpNumThreads 1, 640x360 uint8 '
                  f'luma input -> {640 * card["scale"]}x{360 * card["scale"]}; measured by models/train/retime.py on the shared '
                  f'2-core dev machine (1-minute load average up to {load:.1f} while it ran: other jobs shared the cores, '
                  'so the min is the closer estimate of the cost on an idle core)'))
        with open(card_path, 'w') as fh:
            json.dump(card, fh, indent=2)
            fh.write('\n')
        print(json.dumps(dict(name=name, medianMs=t['median'], minMs=t['min'], load=round(load, 1))))


if __name__ == '__main__':
    main()
