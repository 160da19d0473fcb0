#!/usr/bin/env bash
# How far a convolution algorithm takes a style run from the direct kernels': the same ./stylegrad run with
# --conv-algorithm direct and with each algorithm given, then the PSNR of each result's 8-bit PNG against direct's,
# the largest per-step total-loss difference (relative, from --log-json) and the pixels 16 or more levels apart.
#
#   benchmarks/conv_fidelity.sh CONTENT STYLE WEIGHTS [--size 512] [--steps 200] [--lr 0.03] [--algorithms auto,winograd]
#
# Runs one after the other in this checkout (./stylegrad builds it on first use). Environment: PYTHON (default
# /usr/bin/python3, needs numpy and Pillow).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
usage="usage: conv_fidelity.sh CONTENT STYLE WEIGHTS [--size N] [--steps N] [--lr X] [--algorithms a,b]"
content="${1:?$usage}"; style="${2:?$usage}"; weights="${3:?$usage}"; shift 3
size=512; steps=200; lr=0.03; algorithms=auto,winograd
while [[ $# -gt 0 ]]; do
  case "$1" in
    --size) size="$2"; shift 2 ;; --steps) steps="$2"; shift 2 ;; --lr) lr="$2"; shift 2 ;;
    --algorithms) algorithms="$2"; shift 2 ;;
    *) echo "conv_fidelity.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
python="${PYTHON:-/usr/bin/python3}"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
run() { # $1: algorithm
  "$root/stylegrad" run --content "$content" --style "$style" --weights "$weights" --size "$size" --steps "$steps" --lr "$lr" \
    --save-every 0 --conv-algorithm "$1" --log-json "$work/$1.jsonl" --out "$work/$1.png" 2>"$work/$1.err" \
    || { cat "$work/$1.err" >&2; exit 1; }
}
run direct
echo "| --conv-algorithm | PSNR vs direct | largest per-step total-loss difference | pixels ≥ 16 levels apart | median step seconds, this vs direct |"
echo "| --- | --- | --- | --- | --- |"
for a in ${algorithms//,/ }; do
  run "$a"
  "$python" - "$work/direct" "$work/$a" "$a" <<'PY'
import json, sys
import numpy as np
from PIL import Image
ref, got, name = sys.argv[1], sys.argv[2], sys.argv[3]
a = np.asarray(Image.open(ref + ".png").convert("RGB"), dtype=np.float64)
b = np.asarray(Image.open(got + ".png").convert("RGB"), dtype=np.float64)
mse = np.mean((a - b) ** 2)
psnr = float("inf") if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)
far = np.mean(np.max(np.abs(a - b), axis=2) >= 16) * 100
la = [json.loads(l) for l in open(ref + ".jsonl")]
lb = [json.loads(l) for l in open(got + ".jsonl")]
worst, at = max((abs(x["total"] - y["total"]) / abs(x["total"]), x["step"]) for x, y in zip(la, lb))
ta, tb = np.median([x["seconds"] for x in la]), np.median([y["seconds"] for y in lb])
print(f"| {name} | {psnr:.2f} dB | {worst * 100:.3f}% (step {at}) | {far:.2f}% | {tb:.2f} vs {ta:.2f} |")
PY
done
