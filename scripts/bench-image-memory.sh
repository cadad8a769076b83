#!/usr/bin/env bash
# Peak RSS and wall time of `uprez image` upscaling large photos x2 (BENCHMARKS.md, "Images: memory").
#
#   scripts/bench-image-memory.sh MAIN_JS [REPEATS] [WxH...]
#
# MAIN_JS is dist/src/cli/main.js of the build to measure (npm run build), so two builds (say,
# main and a branch) can be measured with the same inputs. Inputs are JPEG photos made once in
# $UPREZ_BENCH_DIR (default /tmp/uprez-image-bench): a mosaic of the BSD200 training photos when
# the shared datasets are there (UPREZ_DATASETS), else a synthetic picture, at each WxH (default
# 3000x2000 and 6000x4000, i.e. 24 MP and 96 MP outputs at x2). Each run: one image, --jobs 1,
# the model $UPREZ_BENCH_MODEL (default uprez-x2) on the CPU, output as JPEG; peak RSS from
# /usr/bin/time (the whole process: every thread, onnxruntime's arenas and libvips included).
set -euo pipefail
cd "$(dirname "$0")/.."
main_js=${1:?usage: scripts/bench-image-memory.sh MAIN_JS [REPEATS] [WxH...]}
repeats=${2:-3}
shift $(( $# >= 2 ? 2 : $# ))
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(3000x2000 6000x4000)
dir=${UPREZ_BENCH_DIR:-/tmp/uprez-image-bench}
model=${UPREZ_BENCH_MODEL:-uprez-x2}
datasets=${UPREZ_DATASETS:-$(cd .. && pwd)/shared/datasets}
mkdir -p "$dir"

for size in "${sizes[@]}"; do
  input="$dir/photo-$size.jpg"
  [ -f "$input" ] && continue
  echo "making $input" >&2
  node --input-type=module -e '
    import sharp from "sharp";
    import { readdirSync, existsSync } from "node:fs";
    const [w, h] = process.argv[1].split("x").map(Number);
    const bsd = process.argv[3] + "/train/BSD200";
    const tile = { w: 480, h: 320 };
    let photos = existsSync(bsd) ? readdirSync(bsd).filter((n) => n.endsWith(".jpg")).sort().map((n) => bsd + "/" + n) : [];
    const base = sharp({ create: { width: w, height: h, channels: 3, noise: { type: "gaussian", mean: 128, sigma: 50 } } });
    const layers = [];
    if (photos.length) {
      // Photos at their own resolution, row by row (cropped to 480x320, portrait ones turned).
      const cells = [];
      for (const p of photos) cells.push(await sharp(p).rotate(0).resize(tile.w, tile.h, { fit: "cover" }).toBuffer());
      let i = 0;
      for (let y = 0; y < h; y += tile.h) for (let x = 0; x < w; x += tile.w) layers.push({ input: cells[i++ % cells.length], left: x, top: y });
    }
    await base.composite(layers.map((l) => ({ ...l, input: l.input }))).jpeg({ quality: 92 }).toFile(process.argv[2]);
  ' "$size" "$input" "$datasets"
done

printf '%s\n' "build: $main_js  model: $model  repeats: $repeats"
printf '%-10s %-12s %14s %10s\n' input output peak_rss_MB wall_s
for size in "${sizes[@]}"; do
  w=${size%x*}; h=${size#*x}
  for r in $(seq 1 "$repeats"); do
    out=$(mktemp -d "$dir/out-XXXXXX")
    stats="killed"
    if /usr/bin/time -o "$out.time" -f '%M %e' node "$main_js" image "$dir/photo-$size.jpg" --out "$out" --model "$model" --provider cpu --jobs 1 --force >/dev/null 2>"$out.err"; then
      stats=$(tail -1 "$out.time")
    else
      stats="failed: $(tail -1 "$out.time")"
      tail -3 "$out.err" >&2
    fi
    kb=""; secs=""
    read -r kb secs <<<"$stats" || true
    if [[ "$kb" =~ ^[0-9]+$ ]]; then
      printf '%-10s %-12s %14.0f %10s\n' "$size" "$((w * 2))x$((h * 2))" "$(echo "$kb / 1024" | bc -l)" "$secs"
    else
      printf '%-10s %-12s %14s %10s\n' "$size" "$((w * 2))x$((h * 2))" "$stats" "-"
    fi
    rm -rf "$out" "$out.err" "$out.time"
  done
done
