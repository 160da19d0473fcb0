#!/usr/bin/env python3
"""Where a spark-apply job's time went, from its stylegrad-report.jsonl (benchmarks/RESULTS.md, issue 26).

Usage: benchmarks/spark_report.py REPORT.jsonl [WALL_SECONDS SLOTS]
Prints counts by status, the sums of each part over written pictures, the median per-picture seconds by folder, the
model loads, and (given the job's wall time and its task slots) the time the slots were not busy with pictures.
"""
import json
import statistics
import sys
from collections import defaultdict

rows = [json.loads(line) for line in open(sys.argv[1])]
ok = [r for r in rows if r["status"] == "ok"]
by_status = defaultdict(int)
for r in rows:
    by_status[r["status"]] += 1
print("rows:", dict(by_status))
parts = ["load_seconds", "read_seconds", "network_seconds", "write_seconds"]
sums = {p: sum(r[p] for r in ok) for p in parts}
total = sum(r["seconds"] for r in rows)
print("summed over pictures: all %.1f s; " % total + ", ".join("%s %.1f s" % (p, s) for p, s in sums.items()))
by_folder = defaultdict(list)
for r in ok:
    by_folder[r["path"].rsplit("/", 2)[-2]].append(r)
for folder, rs in sorted(by_folder.items()):
    med = {p: statistics.median(r[p] for r in rs) for p in ["seconds"] + parts[1:]}
    print("%s: %d pictures, median %s" % (folder, len(rs), ", ".join("%s %.3f" % (p, v) for p, v in med.items())))
loads = sorted(r["load_seconds"] for r in ok if r["load_seconds"] > 0.05)
print("model loads (> 0.05 s):", ["%.2f" % x for x in loads])
if len(sys.argv) > 3:
    wall, slots = float(sys.argv[2]), int(sys.argv[3])
    busy = total
    print("slots x job wall %.1f s, busy with pictures %.1f s, idle/overhead %.1f s (%.1f s per slot)"
          % (wall * slots, busy, wall * slots - busy, (wall * slots - busy) / slots))
