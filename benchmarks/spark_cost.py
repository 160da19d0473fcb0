#!/usr/bin/env python3
"""The cost model of benchmarks/RESULTS.md, "Issue 27", from benchmarks/spark_steps.sh's WORKDIR: per run (0 = one
JVM, N = N one-core workers) the median step time (--log-json), and from the Spark cost lines the driver's wait per
step, the time per task, the bytes each way and the overhead; then the N-worker model fitted on the 1-worker run and
checked against the others.
Usage: benchmarks/spark_cost.py tiles|train WORKDIR"""
import json, math, re, statistics, sys

mode, work = sys.argv[1], sys.argv[2]
TOTAL = re.compile(r"Spark: (\d+) tasks in (\d+) jobs, ([\d.]+) MB of arrays sent to executors \(and ([\d.]+) MB broadcast\), ([\d.]+) MB of results back, ([\d.]+) s waiting")
PHASE = re.compile(r"Spark:   (.+?): (\d+) jobs, (\d+) tasks, ([\d.]+) s per task \(slowest ([\d.]+)\), busiest executor ([\d.]+) s, waited ([\d.]+) s, overhead (-?[\d.]+) s")


def run(n):
    steps = [json.loads(l) for l in open(f"{work}/{n}.jsonl")]
    seconds = [s["seconds"] for s in steps]
    r = {"n": n, "steps": len(steps), "median": statistics.median(seconds), "seconds": seconds, "phases": {}}
    for line in open(f"{work}/{n}.err"):
        if m := TOTAL.search(line):
            r["tasks"], r["jobs"] = int(m[1]), int(m[2])
            r["out_mb"], r["broadcast_mb"], r["back_mb"], r["wait"] = float(m[3]), float(m[4]), float(m[5]), float(m[6])
        elif m := PHASE.search(line):
            r["phases"][m[1]] = dict(jobs=int(m[2]), tasks=int(m[3]), task=float(m[4]), slowest=float(m[5]), busiest=float(m[6]),
                                     wait=float(m[7]), overhead=float(m[8]))
    return r


runs = {}
for n in (0, 1, 2, 3, 4):
    try:
        runs[n] = run(n)
    except FileNotFoundError:
        pass
for n, r in runs.items():
    k = r["steps"]
    print(f"N={n}: {k} steps, median {r['median']:.1f} s per step (each: {', '.join(f'{s:.1f}' for s in r['seconds'])})")
    if n == 0:
        continue
    wait = r["wait"] / k
    print(f"  per step: waited {wait:.1f} s, driver's own {sum(r['seconds']) / k - wait:.1f} s (mean step - mean wait), "
          f"{r['out_mb'] / k:.0f} MB out + {r['broadcast_mb'] / k:.1f} MB broadcast, {r['back_mb'] / k:.0f} MB back, {r['tasks'] / k:.0f} tasks")
    for p, c in r["phases"].items():
        print(f"  {p}: {c['tasks'] / c['jobs']:.0f} tasks per job, {c['task']:.2f} s per task (slowest {c['slowest']:.2f}), "
              f"busiest executor {c['busiest'] / c['jobs']:.1f} s, overhead {c['overhead'] / c['jobs']:.1f} s per job")

if 1 in runs:
    one = runs[1]
    k = one["steps"]
    driver = (sum(one["seconds"]) - one["wait"]) / k  # the mean: the wait is known per run, not per step
    overhead = sum(c["overhead"] / c["jobs"] for c in one["phases"].values())
    if mode == "tiles":  # T(N) = D + sum over passes (O + ceil(tasks / N) * t): the busiest executor takes ceil(tasks / N) windows
        terms = [(c["tasks"] / c["jobs"], c["task"]) for c in one["phases"].values()]
        model = lambda n: driver + overhead + sum(math.ceil(t / n) * s for t, s in terms)
        print(f"model: T(N) = {driver:.1f} (driver) + {overhead:.1f} (Spark) + " + " + ".join(f"ceil({t:.0f}/N) x {s:.2f}" for t, s in terms))
        limit = max(t for t, _ in terms)
        print(f"  stops scaling at N = {limit:.0f} (one window per worker): T = {model(limit):.1f} s")
    else:  # weak scaling: a shard of 4 pictures per worker; the driver adds N shards' gradients
        busiest = sum(c["busiest"] / c["jobs"] for c in one["phases"].values())  # one worker's 4 pictures, in however many shards
        model = lambda n: driver + overhead + busiest
        print(f"model (batch 4N): T(N) = {driver:.1f} (driver, grows with N) + {overhead:.1f} (Spark) + {busiest:.2f} (a worker's 4 pictures); "
              f"pictures per second = 4N / T(N)")
    for n, r in runs.items():
        if n > 0:
            mean = sum(r["seconds"]) / r["steps"]  # the model's terms are means over the same steps, the first one's start-up included
            print(f"  N={n}: model {model(n):.1f} s, measured mean {mean:.1f} s ({mean / model(n):.2f}); median {r['median']:.1f} s")
