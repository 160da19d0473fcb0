#!/usr/bin/env bash
# Runs the stylegrad benchmarks (JMH) or one of their helper programs, building the module first if its jar is
# missing or older than the sources.
#
#   benchmarks/run.sh [JMH options] [benchmark regexp]          e.g. benchmarks/run.sh GramBenchmark -p shape=512x1024
#   benchmarks/run.sh --main dev.stylegrad.bench.GramCheck ...  a helper's main (GramCheck, StepTimer, GemmPeak)
#
# JVM options for the helper programs: BENCH_JAVA_OPTS (default -Xmx6g). JMH forks take theirs from @Fork and -jvmArgs.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
jar="$here/target/benchmarks.jar"

if [[ ! -f "$jar" || -n "$(find "$root" -path "$root/.git" -prune -o \( -path '*/src/main/*' -o -name pom.xml \) -newer "$jar" -print -quit)" ]]; then
  echo "benchmarks: building (first run or sources changed)..." >&2
  log="$(mktemp)"
  if ! mvn -B -q -ntp -f "$root/pom.xml" -DskipTests install -pl benchmarks -am >"$log" 2>&1; then
    cat "$log" >&2
    echo "benchmarks: the build failed (log above)" >&2
    exit 2
  fi
  rm -f "$log"
fi

if [[ "${1:-}" == "--main" ]]; then
  [[ $# -ge 2 ]] || { echo "usage: run.sh --main CLASS [args]" >&2; exit 2; }
  main="$2"
  shift 2
  # shellcheck disable=SC2086
  exec java ${BENCH_JAVA_OPTS:--Xmx6g} -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$jar" "$main" "$@"
fi
exec java -jar "$jar" "$@"
