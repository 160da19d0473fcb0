#!/usr/bin/python3
"""PyTorch reference of one style step of the course algorithm, timed, for benchmarks/compare.sh (Debian's python3-torch).

The step is the course's: VGG19 features (torchvision layout, in-place ReLUs, so the stored "conv4_2" is relu4_2),
content loss at conv4_2, Gram losses at conv1_1..conv5_1 weighted 1, 0.75, 0.2, 0.2, 0.2 each divided by d*h*w,
content weight 1, style weight 1e6, then backward to the image and Adam (lr 0.003) on the image; VGG parameters are
frozen (requires_grad False), as in the course. Differences from the course code, both for a like-for-like timing:
random weights (drawn as torchvision initializes VGG19: He normal, fan-out; no download), random content and style
images; and the network is cut after relu5_1 (index 29), the deepest layer a loss reads, as stylegrad does. The course
code runs all 37 modules; --full-network does that.

  torch_step.py [--size N] [--steps N] [--warmup W] [--threads T] [--seed S] [--full-network] [--gemm-peak N]

Prints to stdout, like dev.stylegrad.bench.StepTimer:
  step K SECONDS
  summary impl=pytorch size=N steps=N warmup=W median_s=... min_s=... peak_rss_mb=... setup_s=... torch=VERSION blas=PATHS
and with --gemm-peak N only: gemm impl=pytorch n=N best_s=... gflops=... blas=...
(blas= names the BLAS library loaded: Debian's torch uses the system libblas.so.3, the reference BLAS unless an
optimized one such as libopenblas0-pthread is installed, which makes its Gram matrices slow.)
"""
import argparse
import os
import resource
import statistics
import sys
import time

import torch
import torch.nn as nn

STYLE_WEIGHTS = {"conv1_1": 1.0, "conv2_1": 0.75, "conv3_1": 0.2, "conv4_1": 0.2, "conv5_1": 0.2}
LAYERS = {"0": "conv1_1", "5": "conv2_1", "10": "conv3_1", "19": "conv4_1", "21": "conv4_2", "28": "conv5_1"}
VGG19_CFG = [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"]


def vgg19_features():
    """torchvision's vgg19().features with torchvision's initialization, without building the 500 MB classifier."""
    try:
        from torchvision.models.vgg import make_layers
        features = make_layers(VGG19_CFG, batch_norm=False)
    except ImportError:  # an older torchvision: same module list, built by hand
        layers, in_c = [], 3
        for v in VGG19_CFG:
            if v == "M":
                layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            else:
                layers += [nn.Conv2d(in_c, v, kernel_size=3, padding=1), nn.ReLU(inplace=True)]
                in_c = v
        features = nn.Sequential(*layers)
    for m in features.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            nn.init.constant_(m.bias, 0)
    return features


def get_features(image, model):
    features = {}
    x = image
    for name, layer in model._modules.items():
        x = layer(x)
        if name in LAYERS:
            features[LAYERS[name]] = x
    return features


def gram_matrix(tensor):
    _, d, h, w = tensor.size()
    tensor = tensor.view(d, h * w)
    return torch.mm(tensor, tensor.t())


def random_image(size, generator):
    """Random 8-bit RGB noise, normalized with the ImageNet mean and std."""
    pixels = torch.randint(0, 256, (1, 3, size, size), generator=generator).float() / 255.0
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    return (pixels - mean) / std


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux reports KiB


def blas_libraries():
    """The BLAS shared libraries this process has loaded (real paths). Debian's torch uses the system libblas.so.3
    alternative: the slow reference BLAS unless an optimized one (e.g. libopenblas0-pthread) is installed."""
    try:
        with open("/proc/self/maps") as maps:
            libs = {line.split()[-1] for line in maps if "blas" in line.lower() and "/" in line}
    except OSError:
        return "unknown"
    return ",".join(sorted({os.path.realpath(lib) for lib in libs})) or "none"


def gemm_peak(n, repeats=5):
    a, b = torch.rand(n, n), torch.rand(n, n)
    torch.mm(a, b)
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        torch.mm(a, b)
        best = min(best, time.perf_counter() - t0)
    print(f"gemm impl=pytorch n={n} best_s={best:.6f} gflops={2.0 * n ** 3 / best / 1e9:.2f} blas={blas_libraries()}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--full-network", action="store_true", help="run all 37 modules, as the course code does")
    ap.add_argument("--gemm-peak", type=int, metavar="N", help="only measure an N x N float32 matmul and exit")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    if args.gemm_peak:
        gemm_peak(args.gemm_peak)
        return
    if args.size < 32 or args.steps < 1 or args.warmup < 0:
        sys.exit("torch_step.py: need --size >= 32, --steps >= 1, --warmup >= 0")

    start = time.perf_counter()
    torch.manual_seed(args.seed)
    vgg = vgg19_features()
    if not args.full_network:
        vgg = vgg[:30]  # through index 29, the ReLU after conv5_1
    for p in vgg.parameters():
        p.requires_grad_(False)
    vgg.eval()
    g = torch.Generator().manual_seed(args.seed)
    content = random_image(args.size, g)
    style = random_image(args.size, g)

    with torch.no_grad():
        content_features = get_features(content, vgg)
        style_features = get_features(style, vgg)
        style_grams = {layer: gram_matrix(style_features[layer]) for layer in style_features}
    target = content.clone().requires_grad_(True)
    content_weight, style_weight = 1, 1e6
    optimizer = torch.optim.Adam([target], lr=0.003)
    setup = time.perf_counter() - start

    def step():
        target_features = get_features(target, vgg)
        content_loss = torch.mean((target_features["conv4_2"] - content_features["conv4_2"]) ** 2)
        style_loss = 0
        for layer in STYLE_WEIGHTS:
            target_feature = target_features[layer]
            target_gram = gram_matrix(target_feature)
            _, d, h, w = target_feature.shape
            layer_style_loss = STYLE_WEIGHTS[layer] * torch.mean((target_gram - style_grams[layer]) ** 2)
            style_loss += layer_style_loss / (d * h * w)
        total_loss = content_weight * content_loss + style_weight * style_loss
        optimizer.zero_grad()
        total_loss.backward()
        optimizer.step()
        return total_loss.item()

    for _ in range(args.warmup):
        step()
    times = []
    faults = []
    for k in range(args.steps):
        before = resource.getrusage(resource.RUSAGE_SELF)
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_SELF)
        faults.append(after.ru_minflt - before.ru_minflt)
        print(f"step {k} {times[-1]:.6f} minflt={faults[-1]} user_s={after.ru_utime - before.ru_utime:.2f} "
              f"sys_s={after.ru_stime - before.ru_stime:.2f}", flush=True)
    print(f"summary impl=pytorch size={args.size} steps={args.steps} warmup={args.warmup} "
          f"median_s={statistics.median(times):.6f} min_s={min(times):.6f} peak_rss_mb={peak_rss_mb():.1f} "
          f"setup_s={setup:.3f} median_minflt={int(statistics.median(faults))} torch={torch.__version__} blas={blas_libraries()}")


if __name__ == "__main__":
    main()
