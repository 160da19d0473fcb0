#!/usr/bin/env python3
"""Turns a JMH JSON result file (java -jar benchmarks.jar ... -rf json -rff FILE) into a Markdown table: one row per
parameter combination, one column per benchmark method, each cell the median of the measured iterations in ms, with
GFLOP/s for ConvBenchmark (2*O*C*9*H*W per call) and GramBenchmark (2*C*C*M per call) rows.

    benchmarks/jmh_table.py conv.json [--side 256]
"""
import json
import statistics
import sys

CONV = {  # layer: (in channels, out channels, pooling steps before it)
    "conv1_1": (3, 64, 0), "conv1_2": (64, 64, 0), "conv2_1": (64, 128, 1), "conv2_2": (128, 128, 1),
    "conv3_1": (128, 256, 2), "conv3_2": (256, 256, 2), "conv3_3": (256, 256, 2), "conv3_4": (256, 256, 2),
    "conv4_1": (256, 512, 3), "conv4_2": (512, 512, 3), "conv4_3": (512, 512, 3), "conv4_4": (512, 512, 3),
    "conv5_1": (512, 512, 4), "conv5_2": (512, 512, 4), "conv5_3": (512, 512, 4), "conv5_4": (512, 512, 4),
}


def flops(params):
    if "layer" in params:
        c, o, pools = CONV[params["layer"]]
        s = int(params.get("side", 256)) >> pools
        return 2.0 * o * c * 9 * s * s
    if "shape" in params:
        c, m = (int(v) for v in params["shape"].split("x"))
        return 2.0 * c * c * m
    return None


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    runs = json.load(open(sys.argv[1]))
    methods, rows = [], {}
    for r in runs:
        method = r["benchmark"].rsplit(".", 1)[1]
        if method not in methods:
            methods.append(method)
        key = tuple(sorted(r["params"].items()))
        samples = [v for fork in r["primaryMetric"]["rawData"] for v in fork]
        unit = r["primaryMetric"]["scoreUnit"]
        ms = statistics.median(samples) * {"ms/op": 1, "us/op": 1e-3, "s/op": 1e3}[unit]
        rows.setdefault(key, {})[method] = ms
    names = sorted({k for key in rows for k, _ in key})
    print("| " + " | ".join(names) + " | " + " | ".join(f"{m} ms (GFLOP/s)" for m in methods) + " |")
    print("|" + "---|" * (len(names) + len(methods)))
    order = list(CONV)
    for key in sorted(rows, key=lambda k: [order.index(v) if v in order else v for _, v in k]):
        params = dict(key)
        f = flops(params)
        cells = []
        for m in methods:
            ms = rows[key].get(m)
            cells.append("" if ms is None else f"{ms:.2f}" + (f" ({f / ms / 1e6:.0f})" if f else ""))
        print("| " + " | ".join(params[n] for n in names) + " | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
