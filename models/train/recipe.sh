#!/bin/sh
# One command per shipped model: trains every stage (each resumes from its checkpoint when rerun),
# then exports models/NAME.onnx + models/NAME.json with the onnxruntime-node check.
#   models/train/recipe.sh uprez-x2|uprez-x2-fast|uprez-x4|uprez-x2-live [--threads N]
# Stages run one after the other; a stage whose run folder already holds a finished checkpoint
# returns at once, so a rerun after an interruption picks up where it stopped.
set -eu
cd "$(dirname "$0")/../.."
name=${1:?usage: models/train/recipe.sh uprez-x2|uprez-x2-fast|uprez-x4|uprez-x2-live [--threads N]}
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
uprez-x2)
  train --arch default --scale 2 --iters 15000 --out $runs/default-x2
  $py models/train/export.py --ckpt $runs/default-x2/ckpt.pt --name uprez-x2 --default \
    --description "Default x2 luma upscaler (best quality of our x2 models; 4x the cost of uprez-x2-fast)"
  ;;
uprez-x4)
  train --arch default --scale 4 --iters 6000 --out $runs/default-x4
  $py models/train/export.py --ckpt $runs/default-x4/ckpt.pt --name uprez-x4 --default \
    --description "Default x4 luma upscaler (the x2 body with a 16-phase pixel-shuffle head)"
  ;;
uprez-x2-live)
  # Needs uprez-x2's stages first (its checkpoint is the starting point).
  [ -f $runs/default-x2/ckpt.pt ] || "$0" uprez-x2 --threads "$threads"
  train --arch default --scale 2 --h264 --init $runs/default-x2/ckpt.pt --lr 5e-4 --iters 4000 --out $runs/live-x2
  $py models/train/export.py --ckpt $runs/live-x2/ckpt.pt --name uprez-x2-live \
    --description "Compression-aware x2 for live streams: trained on LR that went through H.264 (CRF 18-34)"
  ;;
*)
  echo "unknown model $name (uprez-x2, uprez-x2-fast, uprez-x4, uprez-x2-live)" >&2
  exit 2
  ;;
esac
