#!/usr/bin/env bash
# Times one AdaIN picture (encode content and style, AdaIN, decode, clamp; model load excluded) in stylegrad
# (dev.stylegrad.bench.AdaInTimer) and in PyTorch (benchmarks/torch_adain.py) on the same networks: the reference's at
# full width, the encoder from a torchvision VGG19 file, one seeded random decoder that PyTorch writes and stylegrad
# loads. PyTorch runs twice per round: with glibc's malloc and with tcmalloc preloaded (Debian's
# libgoogle-perftools4, as PyTorch's CPU tuning guides advise); the ratio that counts is against the faster.
# Rounds alternate fresh processes; the report gives each side's median over rounds of its per-process median.
#
#   benchmarks/adain_compare.sh VGG19.pth [--rounds 3] [--runs 3] [--warmup 2] [--width 1024] [--height 768] [--out FILE]
#
# Run it on an otherwise idle machine. Environment: PYTHON (default /usr/bin/python3), BENCH_JAVA_OPTS (default -Xmx8g).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
vgg="${1:?usage: adain_compare.sh VGG19.pth [--rounds N] [--runs N] [--warmup N] [--width W] [--height H] [--out FILE]}"; shift
rounds=3; runs=3; warmup=2; width=1024; height=768; out=""
source "$here/bench_lib.sh"
compare_setup "$@"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
"$python" "$here/torch_adain.py" --vgg "$vgg" --save-decoder "$work/decoder.pth" --runs 1 --warmup 0 --width 64 --height 64 --style-width 64 --style-height 64 >/dev/null
: >"$work/ours"; : >"$work/glibc"; : >"$work/tcmalloc"; : >"$work/rss"
common=(--width "$width" --height "$height" --runs "$runs" --warmup "$warmup")
for ((r = 1; r <= rounds; r++)); do
  s="$(java ${BENCH_JAVA_OPTS:--Xmx8g} -cp "$here/target/benchmarks.jar" dev.stylegrad.bench.AdaInTimer --vgg "$vgg" --decoder "$work/decoder.pth" "${common[@]}" 2>/dev/null | grep '^summary')"
  g="$("$python" "$here/torch_adain.py" --vgg "$vgg" --decoder "$work/decoder.pth" "${common[@]}" | grep '^summary')"
  t="$(LD_PRELOAD="$tcmalloc" "$python" "$here/torch_adain.py" --vgg "$vgg" --decoder "$work/decoder.pth" "${common[@]}" | grep '^summary')"
  echo "$s" | field median_s >>"$work/ours"; echo "$g" | field median_s >>"$work/glibc"; echo "$t" | field median_s >>"$work/tcmalloc"
  printf 'round %d: stylegrad %s s, PyTorch %s s (glibc), %s s (tcmalloc); peak RSS %s / %s / %s MB\n' "$r" "$(echo "$s" | field median_s)" \
    "$(echo "$g" | field median_s)" "$(echo "$t" | field median_s)" "$(echo "$s" | field peak_rss_mb)" "$(echo "$g" | field peak_rss_mb)" "$(echo "$t" | field peak_rss_mb)" >&2
done
ours="$(median <"$work/ours")"; glibc="$(median <"$work/glibc")"; tc="$(median <"$work/tcmalloc")"
best="$(printf '%s\n%s\n' "$glibc" "$tc" | sort -g | head -n1)"
report="$(cat <<REPORT
AdaIN, one ${width}x${height} picture with a 646x512 style, model load excluded; $(machine_line); $rounds alternating rounds of $runs runs after $warmup warm-up
| | median s | ratio to PyTorch at its best |
| --- | --- | --- |
| stylegrad | $ours | $(ratio "$ours" "$best") |
| PyTorch, glibc malloc | $glibc | $(ratio "$glibc" "$best") |
| PyTorch, tcmalloc | $tc | $(ratio "$tc" "$best") |
REPORT
)"
echo "$report"
[[ -z "$out" ]] || echo "$report" >"$out"
