#!/usr/bin/python3
"""Times fast_neural_style's TransformerNet forward in PyTorch (the reference network, as in pytorch/examples), for
benchmarks/ApplyTimer's comparison: one picture of WxH pixels, after warm-up, no autograd.

    /usr/bin/python3 benchmarks/torch_apply.py [--threads 2] [--width 1024] [--height 768] [--runs 5] [--warmup 2]
                                               [--model F.pth] [--save-random F.pth]

--save-random writes a randomly initialized full-width network (seed 0) to F.pth, for ApplyTimer to load the same
weights; without --model the timed network is that random one. Prints "run K SECONDS" lines and one summary line.
"""
import argparse
import importlib.util
import os
import resource
import time

import torch

spec = importlib.util.spec_from_file_location(
    "make_transformer", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models", "src", "test",
                                     "fixtures", "transformer", "make_transformer.py"))
ref = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ref)

p = argparse.ArgumentParser()
p.add_argument("--threads", type=int, default=2)
p.add_argument("--width", type=int, default=1024)
p.add_argument("--height", type=int, default=768)
p.add_argument("--runs", type=int, default=5)
p.add_argument("--warmup", type=int, default=2)
p.add_argument("--model")
p.add_argument("--save-random")
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)
net = ref.TransformerNet().eval()
if a.save_random:
    torch.save(net.state_dict(), a.save_random)
if a.model:
    net.load_state_dict({k: v for k, v in torch.load(a.model).items() if "running_" not in k})
x = torch.rand(1, 3, a.height, a.width) * 255
times = []
first = None
with torch.no_grad():
    for i in range(a.warmup + a.runs):
        t = time.perf_counter()
        net(x)
        dt = time.perf_counter() - t
        first = dt if first is None else first
        if i >= a.warmup:
            times.append(dt)
            print("run %d %.6f" % (i - a.warmup, dt))
times.sort()
print("summary impl=pytorch width=%d height=%d runs=%d median_s=%.6f min_s=%.6f first_s=%.6f peak_rss_mb=%.1f torch=%s"
      % (a.width, a.height, a.runs, times[len(times) // 2], times[0], first,
         resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, torch.__version__))
