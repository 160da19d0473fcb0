#!/usr/bin/env bash
# Pictures per second of `stylegrad apply` on a folder, of `spark-apply` in local mode, and of `spark-apply` on a
# standalone cluster of 1 and 2 one-core workers on this machine, on the same folder (benchmarks/RESULTS.md).
# Usage: benchmarks/spark_throughput.sh MODEL WORKDIR   (after `mvn -B -ntp package -DskipTests -pl spark -am`)
# Each job's report is kept as WORKDIR/report-*.jsonl; benchmarks/spark_report.py says where its time went.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
model="$(realpath "$1")"; work="$(realpath -m "$2")"
source "$root/benchmarks/standalone_cluster.sh"
cp="$(ls "$root"/spark/target/spark-0.1.0-SNAPSHOT.jar):$(cat "$root/spark/target/classpath.txt")"
run() { java $opens -cp "$cp" dev.stylegrad.cli.StylegradCli "$@"; }
seconds() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null 2>"$work/last.err" || true; t1=$(date +%s.%N); echo "$t1 - $t0" | bc; }

if [[ ! -d "$work/in" ]]; then  # 150 pictures of 512x384 and 50 of 1024x768 (ExampleImages), and 5 broken files
  mkdir -p "$work/in/small" "$work/in/large"
  java -cp "$cp" dev.stylegrad.style.examples.ExampleImages "$work/in/small" 1 150
  java -cp "$cp" dev.stylegrad.style.examples.ExampleImages "$work/in/large" 2 50
  for k in 1 2 3 4 5; do printf 'broken %s' $k > "$work/in/broken-$k.png"; done
  : > "$work/in/broken-1.png"
fi

echo "machine: $(lscpu | grep 'Model name' | sed 's/.*: *//'), $(nproc) cores"
for round in $(seq 1 "${ROUNDS:-2}"); do
  rm -rf "$work/out-apply"; echo "apply round $round: $(seconds run apply --model "$model" --content "$work/in/small" --out "$work/out-apply/small") s small + $(seconds run apply --model "$model" --content "$work/in/large" --out "$work/out-apply/large") s large"
  rm -rf "$work/out-local"; echo "spark-apply local round $round: $(seconds run spark-apply --model "$model" --input "$work/in" --output "$work/out-local") s"
  tail -1 "$work/last.err"; cp "$work/out-local/stylegrad-report.jsonl" "$work/report-local-$round.jsonl"
done
for workers in 1 2; do
  start_cluster "$workers" "$work/cluster-$workers"
  rm -rf "$work/out-cluster"
  echo "spark-apply cluster $workers worker(s): $(seconds run spark-apply --model "$model" --input "$work/in" --output "$work/out-cluster" --master "$master_url" --conf spark.executor.memory=5g --conf spark.executorEnv.OMP_NUM_THREADS=1) s"
  tail -1 "$work/last.err"; cp "$work/out-cluster/stylegrad-report.jsonl" "$work/report-cluster-$workers.jsonl"
  stop_cluster
done
