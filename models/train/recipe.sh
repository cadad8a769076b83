#!/bin/sh
# One command per shipped model: trains every stage (each resumes from its checkpoint when rerun),
# then exports models/NAME.onnx + models/NAME.json with the onnxruntime-node check.
#   models/train/recipe.sh uprez-x2|uprez-x2-fast|uprez-x2-tiny|uprez-x4|uprez-x2-live [--threads N]
# Stages run one after the other; a stage whose run folder already holds a finished checkpoint
# returns at once, so a rerun after an interruption picks up where it stopped.
set -eu
cd "$(dirname "$0")/../.."
name=${1:?usage: models/train/recipe.sh uprez-x2|uprez-x2-fast|uprez-x2-tiny|uprez-x4|uprez-x2-live [--threads N]}
shift
threads=1
if [ "${1:-}" = --threads ]; then threads=${2:?--threads needs a number}; fi
py=/usr/bin/python3
runs=models/train/runs
train() { $py models/train/train.py --threads "$threads" "$@"; }

case "$name" in
uprez-x2-fast)
  train --arch fast --scale 2 --iters 40000 --out $runs/fast-x2
  $py models/train/export.py --ckpt $runs/fast-x2/ckpt.pt --name uprez-x2-fast --live-default \
    --description "Fast x2 luma upscaler for live CPU use: a quarter of uprez-x2's cost"
  ;;
uprez-x2-tiny)
  train --arch tiny --scale 2 --iters 30000 --out $runs/tiny-x2
  $py models/train/export.py --ckpt $runs/tiny-x2/ckpt.pt --name uprez-x2-tiny --live-fallback \
    --description "Tiny x2 luma upscaler: the live model ladder's lower rung, for CPUs that cannot run uprez-x2-fast on every frame (a fifth of its MACs, about 0.55x its CPU time)"
  ;;
uprez-x2)
  train --arch deep --scale 2 --iters 30000 --out $runs/deep-x2
  $py models/train/export.py --ckpt $runs/deep-x2/ckpt.pt --name uprez-x2 --default \
    --description "Default x2 luma upscaler (best quality of our x2 models; 4x the cost of uprez-x2-fast)"
  ;;
uprez-x4)
  train --arch default --scale 4 --iters 6000 --out $runs/default-x4
  $py models/train/export.py --ckpt $runs/default-x4/ckpt.pt --name uprez-x4 --default \
    --description "Default x4 luma upscaler (the x2 body with a 16-phase pixel-shuffle head)"
  ;;
uprez-x2-live)
  train --arch twoscale --scale 2 --h264 --iters 12000 --out $runs/twoscale-live-x2
  $py models/train/export.py --ckpt $runs/twoscale-live-x2/ckpt.pt --name uprez-x2-live \
    --description "Compression-aware x2 for live streams: trained on LR that went through H.264 (CRF 18-34); a two-scale body whose receptive field (about 29 LR px) spans H.264's blocks"
  ;;
*)
  echo "unknown model $name (uprez-x2, uprez-x2-fast, uprez-x2-tiny, uprez-x4, uprez-x2-live)" >&2
  exit 2
  ;;
esac
