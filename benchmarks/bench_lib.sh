# Helpers shared by the side-by-side comparison scripts (sourced, not run).

# The median of the numbers on stdin, one per line.
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# The value of NAME=VALUE in a summary line on stdin.
field() { sed -n "s/.*$1=\([^ ]*\).*/\1/p"; }
# Debian's tcmalloc, which PyTorch's CPU tuning guides advise preloading; exits with a message when it is missing.
tcmalloc_path() {
  local found
  found="$(ls /usr/lib/x86_64-linux-gnu/libtcmalloc.so.4 /usr/lib/*/libtcmalloc.so.4 2>/dev/null | head -n1 || true)"
  [[ -n "$found" ]] || { echo "$(basename "$0"): tcmalloc not found: apt-get install libgoogle-perftools4" >&2; exit 2; }
  echo "$found"
}
# "AMD EPYC, family 25 model 17, 2 cores": the CPU every measurement must name.
machine_line() {
  local l; l="$(LC_ALL=C lscpu)"
  printf '%s, family %s model %s, %s cores' "$(sed -n 's/^Model name:[[:space:]]*//p' <<<"$l")" \
    "$(sed -n 's/^CPU family:[[:space:]]*//p' <<<"$l")" "$(sed -n 's/^Model:[[:space:]]*//p' <<<"$l")" "$(nproc)"
}
# a/b with two decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
# The options every picture comparison takes, into globals: rounds runs warmup width height out (defaults as set by the
# caller before calling), then python and tcmalloc; builds benchmarks.jar when sources changed.
compare_setup() {
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --rounds) rounds="$2"; shift 2 ;; --runs) runs="$2"; shift 2 ;; --warmup) warmup="$2"; shift 2 ;;
      --width) width="$2"; shift 2 ;; --height) height="$2"; shift 2 ;; --out) out="$2"; shift 2 ;;
      *) echo "$(basename "$0"): unknown option $1" >&2; exit 2 ;;
    esac
  done
  python="${PYTHON:-/usr/bin/python3}"
  tcmalloc="$(tcmalloc_path)"
  "$here/run.sh" --help >/dev/null 2>&1 || true
}
