#!/usr/bin/env bash
# Times `apply`'s network on one picture (fast_neural_style's TransformerNet at the reference's widths, seeded random
# weights that PyTorch writes and stylegrad loads; model load excluded) in stylegrad (dev.stylegrad.bench.ApplyTimer,
# the network frozen as `stylegrad apply` loads it) and in PyTorch (benchmarks/torch_apply.py). PyTorch runs twice per
# round: with glibc's malloc and with tcmalloc preloaded; the ratio that counts is against the faster. Rounds alternate
# fresh processes; the report gives each side's median over rounds of its per-process median, and of the first
# picture's time in each fresh process.
#
#   benchmarks/apply_compare.sh [--rounds 3] [--runs 5] [--warmup 2] [--width 1024] [--height 768] [--out FILE]
#
# Run it on an otherwise idle machine. Environment: PYTHON (default /usr/bin/python3), BENCH_JAVA_OPTS (default -Xmx8g).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
rounds=3; runs=5; warmup=2; width=1024; height=768; out=""
source "$here/bench_lib.sh"
compare_setup "$@"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
"$python" "$here/torch_apply.py" --save-random "$work/net.pth" --runs 1 --warmup 0 --width 64 --height 64 >/dev/null
for k in ours glibc tcmalloc; do : >"$work/$k"; : >"$work/$k.first"; done
common=(--model "$work/net.pth" --width "$width" --height "$height" --runs "$runs" --warmup "$warmup")
for ((r = 1; r <= rounds; r++)); do
  s="$(java ${BENCH_JAVA_OPTS:--Xmx8g} -cp "$here/target/benchmarks.jar" dev.stylegrad.bench.ApplyTimer "${common[@]}" 2>/dev/null | grep '^summary')"
  g="$("$python" "$here/torch_apply.py" "${common[@]}" | grep '^summary')"
  t="$(LD_PRELOAD="$tcmalloc" "$python" "$here/torch_apply.py" "${common[@]}" | grep '^summary')"
  for pair in "ours:$s" "glibc:$g" "tcmalloc:$t"; do
    k="${pair%%:*}"; line="${pair#*:}"
    echo "$line" | field median_s >>"$work/$k"; echo "$line" | field first_s >>"$work/$k.first"
  done
  printf 'round %d: stylegrad %s s (first %s), PyTorch %s s (glibc, first %s), %s s (tcmalloc, first %s); peak RSS %s / %s / %s MB\n' "$r" \
    "$(echo "$s" | field median_s)" "$(echo "$s" | field first_s)" "$(echo "$g" | field median_s)" "$(echo "$g" | field first_s)" \
    "$(echo "$t" | field median_s)" "$(echo "$t" | field first_s)" "$(echo "$s" | field peak_rss_mb)" "$(echo "$g" | field peak_rss_mb)" \
    "$(echo "$t" | field peak_rss_mb)" >&2
done
ours="$(median <"$work/ours")"; glibc="$(median <"$work/glibc")"; tc="$(median <"$work/tcmalloc")"
best="$(printf '%s\n%s\n' "$glibc" "$tc" | sort -g | head -n1)"
report="$(cat <<REPORT
apply (TransformerNet 32, 64, 128), one ${width}x${height} picture, model load excluded; $(machine_line); $rounds alternating rounds of $runs runs after $warmup warm-up
| | median s | first picture s | ratio to PyTorch at its best |
| --- | --- | --- | --- |
| stylegrad | $ours | $(median <"$work/ours.first") | $(ratio "$ours" "$best") |
| PyTorch, glibc malloc | $glibc | $(median <"$work/glibc.first") | $(ratio "$glibc" "$best") |
| PyTorch, tcmalloc | $tc | $(median <"$work/tcmalloc.first") | $(ratio "$tc" "$best") |
REPORT
)"
echo "$report"
[[ -z "$out" ]] || echo "$report" >"$out"
