#!/usr/bin/python3
"""Full-size check of the VGG19 loader against PyTorch (Debian's python3-torch / python3-torchvision).

  make OUT      writes OUT/vgg19_random_legacy.pth and OUT/vgg19_random_zip.pth: a random-weight torchvision VGG19
                state dict (features + classifier, the published file's structure and size, ~548 MiB each) in the
                legacy and zip serializations, OUT/image.png (a 96x64 test image) and OUT/expected/<layer>.npy, the
                features PyTorch computes at every named layer.
  compare OUT DIR  compares DIR/<layer>.npy (written by `stylegrad features`) with OUT/expected/<layer>.npy and prints
                max|a-b|/max|b| per layer; exits 1 if any exceeds 1e-4.

Nothing it writes is committed (the files are large and made for one check).
"""
import os
import sys
import numpy as np


def make(out):
    import torch
    import torchvision
    from PIL import Image
    torch.manual_seed(1234)
    model = torchvision.models.vgg19(weights=None).eval()
    sd = model.state_dict()
    os.makedirs(out, exist_ok=True)
    torch.save(sd, os.path.join(out, "vgg19_random_legacy.pth"), _use_new_zipfile_serialization=False)
    torch.save(sd, os.path.join(out, "vgg19_random_zip.pth"))
    rng = np.random.default_rng(5)
    yy, xx = np.mgrid[0:64, 0:96]
    pixels = np.stack([(xx * 2.6) % 256, (yy * 3.9) % 256, (xx + yy) % 256], axis=-1)
    pixels = np.clip(pixels + rng.normal(0, 20, pixels.shape), 0, 255).astype(np.uint8)
    Image.fromarray(pixels, "RGB").save(os.path.join(out, "image.png"))
    x = torch.from_numpy(pixels.astype(np.float32) / 255.0).permute(2, 0, 1).unsqueeze(0)
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    x = (x - mean) / std
    names, block, conv = [], 1, 1
    for layer in model.features:
        if isinstance(layer, torch.nn.Conv2d):
            names.append(f"conv{block}_{conv}")
        elif isinstance(layer, torch.nn.ReLU):
            names.append(f"relu{block}_{conv}")
            conv += 1
        else:
            names.append(f"pool{block}")
            block, conv = block + 1, 1
    os.makedirs(os.path.join(out, "expected"), exist_ok=True)
    h = x
    with torch.no_grad():
        for layer, name in zip(model.features, names):
            h = layer(h.clone())  # clone: torchvision's ReLU is in place and would overwrite the stored conv output
            np.save(os.path.join(out, "expected", name + ".npy"), h.numpy())
    print(",".join(names))


def compare(out, got_dir):
    worst = 0.0
    failed = False
    for f in sorted(os.listdir(os.path.join(out, "expected"))):
        want = np.load(os.path.join(out, "expected", f))
        path = os.path.join(got_dir, f)
        if not os.path.exists(path):
            print(f"{f[:-4]:8s} MISSING")
            failed = True
            continue
        got = np.load(path)
        if got.shape != want.shape:
            print(f"{f[:-4]:8s} shape {got.shape} != {want.shape}")
            failed = True
            continue
        rel = float(np.abs(got - want).max() / max(np.abs(want).max(), 1e-30))
        worst = max(worst, rel)
        failed |= rel > 1e-4
        print(f"{f[:-4]:8s} {str(got.shape):18s} rel.err {rel:.2e}")
    print(f"worst {worst:.2e} -> {'FAIL' if failed else 'ok'} (bound 1e-4)")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2])
    else:
        compare(sys.argv[2], sys.argv[3])
