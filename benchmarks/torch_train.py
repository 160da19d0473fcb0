#!/usr/bin/python3
"""Times one training step of pytorch/examples' fast_neural_style in PyTorch (the reference TransformerNet, VGG16 to
relu4_3 as the loss network, its normalize_batch, gram_matrix, losses and Adam), for benchmarks/TrainTimer's
comparison: batch B of SxS pictures, after warm-up.

    /usr/bin/python3 benchmarks/torch_train.py [--threads 2] [--size 256] [--batch 4] [--steps 5] [--warmup 2]
                                               [--save-random DIR]

The networks are randomly initialized (seed 0); --save-random DIR writes them (DIR/transformer.pth and
DIR/vgg16_features.pth, torchvision's key names) so TrainTimer trains the same weights. Prints "step K SECONDS"
lines and one summary line with the peak RSS.
"""
import argparse
import importlib.util
import os
import resource
import time

import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location(
    "make_transformer", os.path.join(HERE, "..", "models", "src", "test", "fixtures", "transformer", "make_transformer.py"))
ref = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ref)


def vgg16_features():
    layers, c_in = [], 3
    for n, w in [(2, 64), (2, 128), (3, 256), (3, 512), (3, 512)]:
        for _ in range(n):
            layers += [nn.Conv2d(c_in, w, 3, padding=1), nn.ReLU(inplace=True)]
            c_in = w
        layers.append(nn.MaxPool2d(2, 2))
    return nn.Sequential(*layers)


# The reference's feature taps and Gram matrix, as the training fixture defines them (same indices on full widths).
spec = importlib.util.spec_from_file_location(
    "make_training", os.path.join(HERE, "..", "styletransfer", "src", "test", "fixtures", "training", "make_training.py"))
training = importlib.util.module_from_spec(spec)
spec.loader.exec_module(training)
vgg_outputs, gram_matrix = training.vgg_outputs, training.gram_matrix


# Not the fixture's normalize_batch: that one divides in place, and this script reuses its input batch every step.
def normalize_batch(batch):
    mean = batch.new_tensor([0.485, 0.456, 0.406]).view(-1, 1, 1)
    std = batch.new_tensor([0.229, 0.224, 0.225]).view(-1, 1, 1)
    return (batch.div(255.0) - mean) / std


p = argparse.ArgumentParser()
p.add_argument("--threads", type=int, default=2)
p.add_argument("--size", type=int, default=256)
p.add_argument("--batch", type=int, default=4)
p.add_argument("--steps", type=int, default=5)
p.add_argument("--warmup", type=int, default=2)
p.add_argument("--save-random")
a = p.parse_args()
torch.set_num_threads(a.threads)
torch.manual_seed(0)
net = ref.TransformerNet()
vgg = vgg16_features()
if a.save_random:
    os.makedirs(a.save_random, exist_ok=True)
    torch.save(net.state_dict(), os.path.join(a.save_random, "transformer.pth"))
    torch.save({"features." + k: v for k, v in vgg.state_dict().items()}, os.path.join(a.save_random, "vgg16_features.pth"))
for q in vgg.parameters():
    q.requires_grad_(False)
opt = torch.optim.Adam(net.parameters(), 1e-3)
style = torch.rand(1, 3, a.size, a.size) * 255
with torch.no_grad():
    gram_style = [gram_matrix(f) for f in vgg_outputs(vgg, normalize_batch(style))]
x = torch.rand(a.batch, 3, a.size, a.size) * 255
times = []
for i in range(a.warmup + a.steps):
    t = time.perf_counter()
    opt.zero_grad()
    y = net(x)
    features_y = vgg_outputs(vgg, normalize_batch(y))
    features_x = vgg_outputs(vgg, normalize_batch(x))
    content = 1e5 * nn.functional.mse_loss(features_y[1], features_x[1])
    style_loss = 0.
    for ft_y, gm_s in zip(features_y, gram_style):
        style_loss = style_loss + nn.functional.mse_loss(gram_matrix(ft_y), gm_s[:a.batch].expand(a.batch, -1, -1))
    total = content + 1e10 * style_loss
    total.backward()
    opt.step()
    dt = time.perf_counter() - t
    if i >= a.warmup:
        times.append(dt)
        print("step %d %.6f" % (i - a.warmup, dt))
times.sort()
print("summary impl=pytorch size=%d batch=%d steps=%d median_s=%.6f min_s=%.6f peak_rss_mb=%.1f torch=%s"
      % (a.size, a.batch, a.steps, times[len(times) // 2], times[0], resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
         torch.__version__))
