"""Print the shipped cards' compressed-input gain tables as markdown (for models/README.md).

  /usr/bin/python3 models/train/cards_table.py [NAME ...]
"""
import json
import os
import sys

MODELS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONDS = ('clean', 'crf18', 'crf23', 'crf28', 'crf33')


def main():
    names = sys.argv[1:] or sorted(f[:-5] for f in os.listdir(MODELS) if f.endswith('.json')
                                   and os.path.exists(os.path.join(MODELS, f[:-5] + '.onnx')))
    cards = []
    for n in names:
        with open(os.path.join(MODELS, f'{n}.json')) as fh:
            cards.append(json.load(fh))
    head = '| model | level | ' + ' | '.join(c.replace('crf', 'CRF ') for c in CONDS) + ' |'
    sep = '|---|---|' + '---|' * len(CONDS)
    for what in ('set5', 'video'):
        print(f'\n{what} gain over bicubic of the same decoded LR, dB (model Y-PSNR in brackets)\n')
        print(head)
        print(sep)
        for c in cards:
            t = c.get('quality', {}).get('compressed', {}).get(what)
            if not t:
                continue
            cells = [f'{t[k]["gainDb"]:+.2f} ({t[k]["psnrY"]:.2f})' for k in CONDS]
            print(f'| {c["name"]} | {c.get("denoiseLevel", "-")} | ' + ' | '.join(cells) + ' |')
        b = next((c['quality']['compressed'][what] for c in cards if c.get('quality', {}).get('compressed', {}).get(what)), None)
        if b:
            print('| bicubic | | ' + ' | '.join(f'({b[k]["bicubicPsnrY"]:.2f})' for k in CONDS) + ' |')
    print('\nflicker on static pixels, model / bicubic (mean |dY| between frames where the truth holds still)\n')
    print(head)
    print(sep)
    for c in cards:
        t = c.get('quality', {}).get('compressed', {}).get('flicker')
        if t:
            print(f'| {c["name"]} | {c.get("denoiseLevel", "-")} | ' + ' | '.join(f'{t[k]["ratio"]:.3f}' for k in CONDS) + ' |')


if __name__ == '__main__':
    main()
