#!/usr/bin/env bash
# The cost of one picture's tiled steps and of one training's steps on a standalone cluster of N one-core workers on
# this machine, beside the same run in one JVM (benchmarks/RESULTS.md, "Issue 27"). Each run keeps, in WORKDIR:
# N.jsonl (--log-json: seconds per step), N.err (stderr: Spark's costs per phase, from its task metrics, in the last
# lines) and N.time (/usr/bin/time -v: peak RSS of the driver).
# Usage (after `mvn -B -ntp install -DskipTests -pl spark -am`):
#   benchmarks/spark_steps.sh tiles WORKDIR STEPS "N..."          a 4096x3072 picture, 12 tiles of 1024 px, shared VGG19
#   benchmarks/spark_steps.sh train WORKDIR STEPS "N..." IMAGES   training at batch 4 per worker (4 for N = 0: one JVM), VGG19 loss network
#   benchmarks/spark_steps.sh print WORKDIR 0 "N..."              the README's four-scale schedule to 4096 px
# N = 0 runs in one JVM (no --master). EXECUTOR_MEMORY (2g) is the executors' Java heap: the arrays live outside it
# (a 1184-px window's pass takes about 6 GB there), and a large heap only delays the collection of the garbage that
# deserialized tasks leave (with 7g, an executor grew to 13 GB and the kernel killed it).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mode=$1; work="$(realpath -m "$2")"; steps=$3; counts=$4; images=${5:-}
source "$root/benchmarks/standalone_cluster.sh"
cp="$(ls "$root"/spark/target/spark-0.1.0-SNAPSHOT.jar):$(cat "$root/spark/target/classpath.txt")"
shared="$root/../shared"
weights="$shared/weights/vgg19-keras-features.pth"
mkdir -p "$work"
echo "machine: $(lscpu | grep 'Model name' | sed 's/.*: *//'), family $(lscpu | sed -n 's/^CPU family: *//p') model $(lscpu | sed -n 's/^Model: *//p'), $(nproc) cores"
for n in $counts; do
  case $mode in
    tiles) args=(run --content "$shared/images/tubingen.jpg" --style "$shared/images/starry_night.jpg" --weights "$weights" --size 4096
                 --steps "$steps" --lr 0.02 --tile 1024 --save-every 0 --out "$work/$n.png") ;;
    print) args=(run --content "$shared/images/tubingen.jpg" --style "$shared/images/starry_night.jpg" --weights "$weights"
                 --scales 512,1024,2048,4096 --steps 100,20,4,2 --lr 0.02 --tile 1024 --out "$work/$n.png") ;;
    train) args=(train --style "$shared/images/starry_night.jpg" --images "$images" --loss-network vgg19 --weights "$weights" --steps "$steps"
                 --batch-size $((n == 0 ? 4 : 4 * n)) --save-every 0 --out "$work/$n.safetensors") ;;
    *) echo "mode: tiles, train or print" >&2; exit 2 ;;
  esac
  args+=(--log-json "$work/$n.jsonl")
  if ((n > 0)); then
    start_cluster "$n" "$work/cluster-$n" "${WORKER_MEMORY:-3g}"
    args+=(--master "$master_url" --conf "spark.executor.memory=${EXECUTOR_MEMORY:-2g}" --conf spark.executorEnv.OMP_NUM_THREADS=1)
  fi
  t0=$(date +%s.%N)
  /usr/bin/time -v -o "$work/$n.time" java $opens -cp "$cp" dev.stylegrad.cli.StylegradCli "${args[@]}" > /dev/null 2> "$work/$n.err" || echo "exit $?"
  t1=$(date +%s.%N)
  ((n > 0)) && stop_cluster
  echo "$mode, $n worker(s): $(echo "$t1 - $t0" | bc) s wall, peak RSS of this side $(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/$n.time") kB"
  grep -E "Spark:|done:" "$work/$n.err" || true
done
