#!/usr/bin/env bash
# Times one style step of stylegrad (dev.stylegrad.bench.StepTimer) and of the PyTorch reference (torch_step.py)
# alternately, in fresh processes, and writes a Markdown report: machine (CPU model, its AVX2/AVX-512/AMX flags, the
# instruction set each side's oneDNN kernels dispatch to), commands, median seconds per step, the stylegrad/PyTorch
# ratio, model GFLOP/s and their share of the measured GEMM peak, and each process's peak RSS.
# PyTorch runs twice per round: as Debian runs it (glibc's malloc) and with tcmalloc preloaded (Debian's
# libgoogle-perftools4, as PyTorch's CPU tuning guides advise; glibc's malloc costs it a fifth of a 512² step in page
# faults on these VMs); the ratio that counts is against the faster of the two. Without tcmalloc it says so.
# Without PyTorch (python3 -c 'import torch' fails) it says so and reports stylegrad alone.
#
#   benchmarks/compare.sh [--sizes 256,512] [--rounds 3] [--steps 5] [--warmup 2] [--threads 2] [--out FILE]
#                         [--no-torch] [--gram] [--precision fp32|bf16]
#
# --precision bf16: stylegrad's step with bfloat16 products (StepTimer --precision bf16; needs avx512_bf16 or
# amx_bf16), timed in the same alternation as stylegrad in fp32 and PyTorch in float32, with both ratios reported.
# --out: default benchmarks/results/<cpu>-<isa>-<date>.md (e.g. amd-epyc-avx512-2026-11-30-1440.md), a new file
# per run, so no run overwrites another CPU's results; paste or link it into benchmarks/RESULTS.md's section for that
# kind of CPU.
# --gram adds GramCheck's table (each Gram variant's GFLOP/s and float64 error at the nine VGG shapes, ~2 minutes).
# Defaults are small (about 10 minutes on 2 cores). Run it on an otherwise idle machine: other load makes the numbers
# meaningless. Environment: PYTHON (default /usr/bin/python3), BENCH_JAVA_OPTS (default -Xmx6g); DNNL_MAX_CPU_ISA
# (e.g. AVX2), when set, caps oneDNN's kernels in both processes and is named in the report.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"

sizes="256,512"; rounds=3; steps=5; warmup=2; threads=2; out=""; use_torch=1; gram=0; precision=fp32
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -n 's/^# \{0,1\}//p' >&2; exit 2; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --sizes) sizes="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --steps) steps="$2"; shift 2 ;;
    --warmup) warmup="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --no-torch) use_torch=0; shift ;;
    --gram) gram=1; shift ;;
    --precision) precision="$2"; shift 2 ;;
    -h|--help) usage ;;
    *) echo "compare.sh: unknown option $1" >&2; usage ;;
  esac
done
for n in "$rounds" "$steps" "$warmup" "$threads"; do [[ "$n" =~ ^[0-9]+$ ]] || { echo "compare.sh: not a number: $n" >&2; exit 2; }; done
[[ $precision == fp32 || $precision == bf16 ]] || { echo "compare.sh: --precision must be fp32 or bf16, got $precision" >&2; exit 2; }
IFS=',' read -r -a size_list <<<"$sizes"

# The CPU: model name, family/model numbers, and the flags that decide which kernels oneDNN can use.
cpu_field() { LC_ALL=C lscpu 2>/dev/null | sed -n "s/^$1:[[:space:]]*//p" | head -n1 || true; }
cpu_model="$(cpu_field 'Model name')"
[[ -n "$cpu_model" ]] || cpu_model="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n1 || true)"
[[ -n "$cpu_model" ]] || cpu_model="unknown CPU"
cpu_family="$(cpu_field 'CPU family')"; cpu_number="$(cpu_field 'Model')"
cpu_flags="$(sed -n 's/^flags[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n1 || true)"
has_flag() { [[ " $cpu_flags " == *" $1 "* ]]; }
if [[ -z "$cpu_flags" ]]; then
  flag_report="unknown (no flags in /proc/cpuinfo)"; cpu_tier="unknown-isa"; cpu_kind="$cpu_model"
else
  flag_report="$(for f in avx2 avx512f avx512_bf16 amx_bf16; do
    if has_flag "$f"; then printf '%s yes, ' "$f"; else printf '%s no, ' "$f"; fi; done | sed 's/, $//')"
  if has_flag amx_bf16 || has_flag amx_tile; then cpu_tier=amx; cpu_kind="$cpu_model with AVX-512 and AMX"
  elif has_flag avx512f; then cpu_tier=avx512; cpu_kind="$cpu_model with AVX-512, no AMX"
  elif has_flag avx2; then cpu_tier=avx2; cpu_kind="$cpu_model, AVX2 only"
  else cpu_tier=noavx2; cpu_kind="$cpu_model, no AVX2"
  fi
fi
cpu_slug="$(tr '[:upper:]' '[:lower:]' <<<"$cpu_model" | sed -E 's/\((r|tm)\)//g; s/@.*//; s/ (cpu|processor)( |$)/ /g; s/[^a-z0-9]+/-/g; s/^-+//; s/-+$//')"
[[ -n "$out" ]] || out="$here/results/${cpu_slug:-cpu}-$cpu_tier$([[ $precision == bf16 ]] && echo -bf16)-$(date -u '+%Y-%m-%d-%H%M').md"
mkdir -p "$(dirname "$out")"

python="${PYTHON:-/usr/bin/python3}"
export OMP_NUM_THREADS="$threads" BENCH_JAVA_OPTS="${BENCH_JAVA_OPTS:--Xmx6g}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

torch_version=""
if [[ $use_torch == 1 ]]; then
  if torch_version="$("$python" -c 'import torch; print(torch.__version__)' 2>/dev/null)"; then :; else
    echo "compare.sh: PyTorch is not available to $python (install python3-torch); timing stylegrad only" >&2
    use_torch=0; torch_version=""
  fi
fi
timer=()
[[ -x /usr/bin/time ]] && timer=(/usr/bin/time -v)

our_cmd=("$here/run.sh" --main dev.stylegrad.bench.StepTimer)
fp32_cmd=("${our_cmd[@]}")
[[ $precision == bf16 ]] && our_cmd+=(--precision bf16)
torch_cmd=("$python" "$here/torch_step.py" --threads "$threads")
tcmalloc="$(ls /usr/lib/x86_64-linux-gnu/libtcmalloc.so.4 /usr/lib/*/libtcmalloc.so.4 2>/dev/null | head -n1 || true)"
if [[ $use_torch == 1 && -z "$tcmalloc" ]]; then
  echo "compare.sh: warning: tcmalloc not found (apt-get install libgoogle-perftools4); PyTorch runs with glibc's malloc" \
    "only, whose page faults slow it, so the ratio flatters stylegrad" >&2
fi
torch_tc_cmd=(env LD_PRELOAD="$tcmalloc" "${torch_cmd[@]}")

# Runs one measurement: label, size, command...; appends step seconds to $work/<label>-<size>.steps and the peak RSS
# (MB, from /usr/bin/time -v when present, else the program's own report) to $work/<label>-<size>.rss.
measure() {
  local label="$1" size="$2"; shift 2
  local log="$work/$label-$size.$RANDOM"
  if ! "${timer[@]}" "$@" --size "$size" --steps "$steps" --warmup "$warmup" >"$log.out" 2>"$log.err"; then
    cat "$log.err" >&2
    echo "compare.sh: $label at size $size failed (its stderr is above)" >&2
    exit 1
  fi
  awk '$1 == "step" {print $3}' "$log.out" >>"$work/$label-$size.steps"
  # StepTimer's backend line (stderr), e.g. "# backend=cpu (nd4j-native onednn-avx2), threads=2, kernels=avx2".
  if [[ $label == stylegrad && ! -s "$work/backend" ]]; then grep -m1 '^# backend' "$log.err" >"$work/backend" || true; fi
  local rss
  rss="$(awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2 / 1024}' "$log.err")"
  [[ -n "$rss" ]] || rss="$(sed -n 's/.*peak_rss_mb=\([0-9.]*\).*/\1/p' "$log.out")"
  echo "$rss" >>"$work/$label-$size.rss"
  sed -n 's/^summary //p' "$log.out" >>"$work/$label-$size.summary"
  echo "  $label size=$size: $(sed -n 's/.*median_s=\([0-9.]*\).*/median \1 s/p' "$log.out"), peak RSS ${rss} MB" >&2
}

median() { sort -g "$1" | awk '{a[NR] = $1} END {if (NR == 0) print ""; else if (NR % 2) printf "%.4f\n", a[(NR + 1) / 2]; else printf "%.4f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
maxof() { sort -g "$1" | tail -n1; }

load_start="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
if awk -v l="${load_start%% *}" 'BEGIN {exit !(l + 0 > 0.5)}'; then
  echo "compare.sh: warning: load average is $load_start; other work on the machine distorts these timings badly" \
    "(OpenMP threads wait for each other at every kernel), so treat this run as a smoke test" >&2
fi
echo "compare.sh: building and measuring the GEMM peak..." >&2
our_gemm="$("$here/run.sh" --main dev.stylegrad.bench.GemmPeak 2>"$work/gemm.err" | sed -n 's/.*gflops=\([0-9.]*\).*/\1/p')"
grep -h '^# backend' "$work/gemm.err" | head -n1 >"$work/backend-gemm" || true
torch_gemm=""; torch_blas=""; torch_isa=""; torch_conv=""
if [[ $use_torch == 1 ]]; then
  # Which ISA PyTorch's oneDNN dispatches to: one small convolution (large enough for PyTorch to take oneDNN) with
  # oneDNN's verbose mode on; its "info,cpu,isa:" line names the ISA, its "exec" line the convolution kernel run.
  DNNL_VERBOSE=1 ONEDNN_VERBOSE=1 "$python" - "$threads" >"$work/torch-verbose.txt" 2>&1 <<'EOF' || true
import sys, torch
torch.set_num_threads(int(sys.argv[1]))
with torch.no_grad():
    torch.nn.functional.conv2d(torch.randn(1, 64, 56, 56), torch.randn(64, 64, 3, 3), padding=1)
EOF
  torch_isa="$(sed -n -E 's/^(dnnl|onednn)_verbose,(.*,)?info,cpu,isa:(.*)$/\3/p' "$work/torch-verbose.txt" | head -n1 || true)"
  torch_conv="$(awk -F, '$1 ~ /^(dnnl|onednn)_verbose$/ {for (i = 2; i < NF; i++) if ($i == "exec") {
      for (j = i + 1; j < NF; j++) if ($j == "convolution") {print $(j + 1); exit}}}' "$work/torch-verbose.txt" || true)"
  line="$("${torch_cmd[@]}" --gemm-peak 2048)"
  torch_gemm="$(sed -n 's/.*gflops=\([0-9.]*\).*/\1/p' <<<"$line")"
  torch_blas="$(sed -n 's/.*blas=\(.*\)$/\1/p' <<<"$line")"
  if [[ "$torch_blas" == */blas/libblas.so* ]]; then
    echo "compare.sh: note: PyTorch uses the reference BLAS ($torch_blas), so its Gram matrices are slow;" \
      "install an optimized libblas.so.3 (e.g. apt-get install libopenblas0-pthread) for a fair comparison" >&2
  fi
fi
peak="$(printf '%s\n%s\n' "$our_gemm" "$torch_gemm" | sort -g | tail -n1)"

if [[ $gram == 1 ]]; then
  echo "compare.sh: Gram kernels (GramCheck)..." >&2
  "$here/run.sh" --main dev.stylegrad.bench.GramCheck >"$work/gram.txt" 2>/dev/null
fi

for ((r = 1; r <= rounds; r++)); do
  echo "compare.sh: round $r of $rounds" >&2
  for size in "${size_list[@]}"; do
    # Alternate which goes first, so slow drift of the machine does not favour one side.
    if [[ $use_torch == 1 && $((r % 2)) == 0 ]]; then
      [[ -n "$tcmalloc" ]] && measure pytorch-tcmalloc "$size" "${torch_tc_cmd[@]}"
      measure pytorch "$size" "${torch_cmd[@]}"
      [[ $precision == bf16 ]] && measure fp32 "$size" "${fp32_cmd[@]}"
      measure stylegrad "$size" "${our_cmd[@]}"
    else
      measure stylegrad "$size" "${our_cmd[@]}"
      [[ $precision == bf16 ]] && measure fp32 "$size" "${fp32_cmd[@]}"
      [[ $use_torch == 1 ]] && measure pytorch "$size" "${torch_cmd[@]}"
      [[ $use_torch == 1 && -n "$tcmalloc" ]] && measure pytorch-tcmalloc "$size" "${torch_tc_cmd[@]}"
    fi
  done
done

flops_of() { sed -n 's/.*model_gflop=\([0-9.]*\).*/\1/p' "$work/stylegrad-$1.summary" | head -n1; }
[[ -s "$work/backend" ]] || cp "$work/backend-gemm" "$work/backend" 2>/dev/null || true
backend_line="$(sed 's/^# //' "$work/backend" 2>/dev/null || true)"
our_isa="$(sed -n 's/.*kernels=\([^ ,]*\).*/\1/p' <<<"$backend_line")"
[[ -n "$our_isa" ]] || our_isa="not reported (the backend line has no kernels=: an older build, or oneDNN not loaded)"
isa_cap="${DNNL_MAX_CPU_ISA:-not set}"
[[ -n "${DNNL_MAX_CPU_ISA:-}" ]] && isa_cap+=" (caps the oneDNN kernels of both processes)"
[[ -n "${ONEDNN_MAX_CPU_ISA:-}" ]] && isa_cap+="; ONEDNN_MAX_CPU_ISA=$ONEDNN_MAX_CPU_ISA"
if [[ $use_torch == 1 ]]; then
  torch_isa_report="${torch_isa:-unknown (no ISA line from DNNL_VERBOSE=1)}$([[ -n $torch_conv ]] && echo "; a 3×3 convolution ran $torch_conv")"
fi
{
  if [[ $precision == bf16 ]]; then
    echo "# Benchmark results: one style step, stylegrad with bfloat16 products vs stylegrad and PyTorch in float32, on $cpu_kind"
  else
    echo "# Benchmark results: one style step, stylegrad vs PyTorch, on $cpu_kind"
  fi
  echo
  echo "Written by \`benchmarks/compare.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'). A step is the course algorithm's: VGG19 forward"
  echo "through relu5_1, content loss (relu4_2) and five Gram losses, backward to the image, one Adam update; random"
  echo "full-width VGG19 weights and random images (see benchmarks/README.md)."
  echo
  echo "## Machine"
  echo
  echo "- CPU: $cpu_model ($([[ -n $cpu_family ]] && echo "family $cpu_family, model $cpu_number; ")$(nproc) cores available)"
  echo "- CPU flags: $flag_report"
  echo "- DNNL_MAX_CPU_ISA: $isa_cap"
  echo "- oneDNN kernels: stylegrad $our_isa$([[ $use_torch == 1 ]] && echo "; PyTorch $torch_isa_report")"
  echo "- memory: $(free -g | awk '/^Mem:/ {print $2 " GB total, " $7 " GB available at start"}')"
  echo "- kernel: $(uname -sr)"
  echo "- Java: $(java -version 2>&1 | head -n1)"
  echo "- stylegrad: ${backend_line:-?} ($(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$root" diff --quiet 2>/dev/null || echo ', uncommitted changes'))"
  if [[ $use_torch == 1 ]]; then echo "- PyTorch: $torch_version, torch.set_num_threads($threads), BLAS: ${torch_blas:-?}$([[ "$torch_blas" == */blas/libblas.so* ]] && echo ' (the reference BLAS: slow matrix products)')"; else echo "- PyTorch: not available; stylegrad only"; fi
  echo "- load average (1, 5, 15 min) at start: $load_start, at end: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?') (should be near 0 besides this run)"
  echo "- OMP_NUM_THREADS=$threads; GEMM peak (float32, 2048³, best of 5): ND4J ${our_gemm:-?} GFLOP/s$([[ -n $torch_gemm ]] && echo ", PyTorch $torch_gemm GFLOP/s")"
  echo
  echo "## Commands"
  echo
  echo '```'
  echo "benchmarks/compare.sh --sizes $sizes --rounds $rounds --steps $steps --warmup $warmup --threads $threads$([[ $use_torch == 0 ]] && echo ' --no-torch')$([[ $gram == 1 ]] && echo ' --gram')$([[ $precision == bf16 ]] && echo ' --precision bf16')"
  echo "# each round, each size, alternating which goes first:"
  echo "${our_cmd[*]#"$root/"} --size N --steps $steps --warmup $warmup"
  [[ $precision == bf16 ]] && echo "${fp32_cmd[*]#"$root/"} --size N --steps $steps --warmup $warmup"
  [[ $use_torch == 1 ]] && echo "$python benchmarks/torch_step.py --threads $threads --size N --steps $steps --warmup $warmup"
  [[ $use_torch == 1 && -n "$tcmalloc" ]] && echo "LD_PRELOAD=$tcmalloc $python benchmarks/torch_step.py --threads $threads --size N --steps $steps --warmup $warmup"
  echo '```'
  echo
  echo "## Seconds per step (median of all $((rounds * steps)) timed steps over $rounds fresh processes)"
  echo
  if [[ $use_torch == 1 ]]; then
    echo "PyTorch s is PyTorch at its best: the faster of glibc's malloc (PyTorch glibc s) and tcmalloc (PyTorch tcmalloc s)."
    echo
    echo "| size | stylegrad s | PyTorch s | stylegrad / PyTorch | PyTorch glibc s | PyTorch tcmalloc s | stylegrad GFLOP/s | PyTorch GFLOP/s | stylegrad % of GEMM peak | PyTorch % of GEMM peak | peak RSS stylegrad MB | peak RSS PyTorch MB |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
  else
    echo "| size | stylegrad s | stylegrad GFLOP/s | % of GEMM peak | peak RSS MB |"
    echo "|---|---|---|---|---|"
  fi
  for size in "${size_list[@]}"; do
    gf="$(flops_of "$size")"
    ours="$(median "$work/stylegrad-$size.steps")"
    ours_rate="$(awk -v f="$gf" -v t="$ours" 'BEGIN {printf "%.1f", f / t}')"
    ours_pct="$(awk -v r="$ours_rate" -v p="$peak" 'BEGIN {if (p > 0) printf "%.0f%%", 100 * r / p; else print "?"}')"
    if [[ $use_torch == 1 ]]; then
      glibc="$(median "$work/pytorch-$size.steps")"
      tc="$([[ -s "$work/pytorch-tcmalloc-$size.steps" ]] && median "$work/pytorch-tcmalloc-$size.steps" || true)"
      theirs="$(printf '%s\n%s\n' "$glibc" "$tc" | sed '/^$/d' | sort -g | head -n1)"
      best_label=pytorch
      [[ -n "$tc" && "$theirs" == "$tc" ]] && best_label=pytorch-tcmalloc
      their_rate="$(awk -v f="$gf" -v t="$theirs" 'BEGIN {printf "%.1f", f / t}')"
      their_pct="$(awk -v r="$their_rate" -v p="$peak" 'BEGIN {if (p > 0) printf "%.0f%%", 100 * r / p; else print "?"}')"
      ratio="$(awk -v a="$ours" -v b="$theirs" 'BEGIN {printf "%.2f", a / b}')"
      echo "| ${size}² | $ours | $theirs | $ratio | $glibc | ${tc:-not run} | $ours_rate | $their_rate | $ours_pct | $their_pct | $(maxof "$work/stylegrad-$size.rss") | $(maxof "$work/$best_label-$size.rss") |"
    else
      echo "| ${size}² | $ours | $ours_rate | $ours_pct | $(maxof "$work/stylegrad-$size.rss") |"
    fi
  done
  echo
  if [[ $precision == bf16 ]]; then
    echo "stylegrad above is its bf16 step; the same run's fp32 step and the ratios:"
    echo
    echo "| size | stylegrad bf16 s | stylegrad fp32 s | bf16 / fp32 | bf16 / PyTorch fp32 | peak RSS bf16 MB | peak RSS fp32 MB |"
    echo "|---|---|---|---|---|---|---|"
    for size in "${size_list[@]}"; do
      b="$(median "$work/stylegrad-$size.steps")"; f="$(median "$work/fp32-$size.steps")"
      t="$([[ $use_torch == 1 ]] && { median "$work/pytorch-$size.steps"; [[ -s "$work/pytorch-tcmalloc-$size.steps" ]] && median "$work/pytorch-tcmalloc-$size.steps"; } | sort -g | head -n1 || true)"
      echo "| ${size}² | $b | $f | $(awk -v a="$b" -v b="$f" 'BEGIN {printf "%.2f", a / b}') | $([[ -n $t ]] && awk -v a="$b" -v b="$t" 'BEGIN {printf "%.2f", a / b}' || echo -) | $(maxof "$work/stylegrad-$size.rss") | $(maxof "$work/fp32-$size.rss") |"
    done
    echo
  fi
  echo "GFLOP/s: model flops of a step (13 convolutions forward and input gradient, five Grams forward and backward:"
  echo "$(for s in "${size_list[@]}"; do printf '%s GFLOP at %s², ' "$(flops_of "$s")" "$s"; done | sed 's/, $//')) over the median time, the same count"
  echo "for both; GEMM peak: the faster of the two measured float32 GEMM rates ($peak GFLOP/s). Peak RSS: the largest"
  echo "maximum resident set size of a process over the rounds ($([[ ${#timer[@]} -gt 0 ]] && echo '/usr/bin/time -v' || echo "the program's own VmHWM / ru_maxrss")); it includes the"
  echo "JVM's heap and, for both, the random VGG19 weights."
  echo
  if [[ $gram == 1 ]]; then
    echo "## Gram kernels"
    echo
    echo "\`benchmarks/run.sh --main dev.stylegrad.bench.GramCheck\` (best of 3 wall-clock runs, not JMH; for JMH:"
    echo "\`benchmarks/run.sh GramBenchmark\`). Error: max |G − G64| / max |G64| against a float64 product."
    echo
    echo '```'
    cat "$work/gram.txt"
    echo '```'
    echo
  fi
  echo "## Per process"
  echo
  echo '```'
  for size in "${size_list[@]}"; do
    cat "$work/stylegrad-$size.summary"
    [[ $precision == bf16 ]] && cat "$work/fp32-$size.summary"
    [[ $use_torch == 1 ]] && cat "$work/pytorch-$size.summary"
    [[ -s "$work/pytorch-tcmalloc-$size.summary" ]] && cat "$work/pytorch-tcmalloc-$size.summary"
  done
  echo '```'
} >"$work/report.md"
mv "$work/report.md" "$out"
echo "compare.sh: wrote $out" >&2
