#!/usr/bin/python3
"""Times pytorch-AdaIN's style transfer in PyTorch (test.py's style_transfer: encode content and style, AdaIN, decode,
clamp), for AdaInTimer's comparison: one WxH content picture and one style picture of SWxSH, after warm-up, no autograd.
The networks are the reference's at full width (models/src/test/fixtures/adain/make_adain.py's definitions): the
encoder from a torchvision VGG19 file (its 1x1 layer doing ImageNet's normalization, as AdaInEncoder builds it), the
decoder seeded at random and written with --save-decoder for AdaInTimer to load the same weights.

    /usr/bin/python3 benchmarks/torch_adain.py --vgg VGG19.pth [--save-decoder F.pth] [--decoder F.pth] [--threads 2]
        [--width 1024] [--height 768] [--style-width 646] [--style-height 512] [--runs 5] [--warmup 2]

Prints "run K SECONDS" lines and one summary line.
"""
import argparse
import importlib.util
import os
import resource
import time

import torch

spec = importlib.util.spec_from_file_location(
    "make_adain", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models", "src", "test", "fixtures", "adain", "make_adain.py"))
ref = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ref)
ref.A, ref.B, ref.C, ref.D = 64, 128, 256, 512  # the reference's widths

p = argparse.ArgumentParser()
p.add_argument("--vgg", required=True)
p.add_argument("--decoder")
p.add_argument("--save-decoder")
p.add_argument("--threads", type=int, default=2)
p.add_argument("--width", type=int, default=1024)
p.add_argument("--height", type=int, default=768)
p.add_argument("--style-width", type=int, default=646)
p.add_argument("--style-height", type=int, default=512)
p.add_argument("--runs", type=int, default=5)
p.add_argument("--warmup", type=int, default=2)
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)
vgg = ref.make_vgg()
features = torch.load(a.vgg)
convs = [m for m in vgg.children() if isinstance(m, torch.nn.Conv2d)]
with torch.no_grad():
    mean, std = torch.tensor([0.485, 0.456, 0.406]), torch.tensor([0.229, 0.224, 0.225])
    convs[0].weight.copy_(torch.diag(1 / std).view(3, 3, 1, 1))
    convs[0].bias.copy_(-mean / std)
    for conv, index in zip(convs[1:10], [0, 2, 5, 7, 10, 12, 14, 16, 19]):
        conv.weight.copy_(features["features.%d.weight" % index])
        conv.bias.copy_(features["features.%d.bias" % index])
encoder = torch.nn.Sequential(*list(vgg.children())[:31]).eval()
decoder = ref.make_decoder().eval()
if a.save_decoder:
    torch.save(decoder.state_dict(), a.save_decoder)
if a.decoder:
    decoder.load_state_dict(torch.load(a.decoder))
content = torch.rand(1, 3, a.height, a.width)
style = torch.rand(1, 3, a.style_height, a.style_width)
times = []
with torch.no_grad():
    for i in range(a.warmup + a.runs):
        t = time.perf_counter()
        out = ref.style_transfer(encoder, decoder, content, style).clamp(0, 1)
        dt = time.perf_counter() - t
        if i >= a.warmup:
            times.append(dt)
            print("run %d %.6f" % (i - a.warmup, dt))
times.sort()
print("summary impl=pytorch width=%d height=%d runs=%d median_s=%.6f min_s=%.6f peak_rss_mb=%.1f torch=%s allocator=%s"
      % (a.width, a.height, a.runs, times[len(times) // 2], times[0], resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
         torch.__version__, "tcmalloc" if "tcmalloc" in os.environ.get("LD_PRELOAD", "") else "glibc"))
