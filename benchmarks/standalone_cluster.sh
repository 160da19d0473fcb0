# Sourced by the Spark benchmarks: a standalone cluster on this machine, Spark's own Master and WORKERS one-core Worker
# JVMs on 127.0.0.1, from the spark module's Spark home (after `mvn -B -ntp package -DskipTests -pl spark -am`).
#   start_cluster WORKERS LOGDIR [WORKER_MEMORY]   sets master_url and cluster_pids; waits until every worker is alive
#   stop_cluster
home="$root/spark/target/spark-home"
opens="$(cat "$root/spark/target/classes/dev/stylegrad/spark/java-options.txt")"
export SPARK_LOCAL_IP=127.0.0.1  # every server this starts (driver, master, workers) listens on loopback only

start_cluster() {
  local workers=$1 logs=$2 memory=${3:-6g} port=$((17000 + $1)) ui=$((18000 + $1)) w
  mkdir -p "$logs"
  env SPARK_HOME="$home" SPARK_SCALA_VERSION=2.13 java -Xmx512m $opens -cp "$home/jars/*" org.apache.spark.deploy.master.Master \
    --host 127.0.0.1 --port $port --webui-port $ui > "$logs/master.log" 2>&1 &
  cluster_pids=($!)
  for w in $(seq 1 "$workers"); do
    env SPARK_HOME="$home" SPARK_SCALA_VERSION=2.13 OMP_NUM_THREADS=1 java -Xmx512m $opens -cp "$home/jars/*" org.apache.spark.deploy.worker.Worker \
      --host 127.0.0.1 --cores 1 --memory "$memory" --work-dir "$logs/w$w" --webui-port 0 spark://127.0.0.1:$port > "$logs/worker-$w.log" 2>&1 &
    cluster_pids+=($!)
  done
  until curl -s "http://127.0.0.1:$ui/json/" | grep -q "\"aliveworkers\" : $workers"; do sleep 1; done
  master_url="spark://127.0.0.1:$port"
}

stop_cluster() {
  kill "${cluster_pids[@]}" 2>/dev/null || true
  wait "${cluster_pids[@]}" 2>/dev/null || true
}
