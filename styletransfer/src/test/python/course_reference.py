#!/usr/bin/python3
"""The course's style-transfer algorithm in PyTorch, as the reference stylegrad is held to (Debian's python3-torch).

It follows the course code line by line: torchvision's VGG19 `features` with in-place ReLUs (so the stored "conv4_2"
is numerically relu4_2), content = conv4_2, style = Gram matrices of conv1_1..conv5_1 weighted 1, 0.75, 0.2, 0.2, 0.2,
each divided by d*h*w, content weight 1, style weight 1e6, target initialized to the content image, Adam lr 0.003.
The only change: images are not resampled (callers pass content and style of the same size), because the course's
`transforms.Resize(int)` resizes the shorter side, which no user asks for.

  course_reference.py --weights W.pth --content C.png --style S.png --steps N --log OUT.jsonl [--final OUT.npy] [--final-png OUT.png]

Writes one JSON object per step k = 0..N-1 with the losses at the image before update k (weights applied), like
`stylegrad run --log-json`, and the final image (normalized float32 [1,3,H,W] as .npy and/or as PNG).
"""
import argparse
import json
import time
import numpy as np
import torch
import torch.nn as nn
from PIL import Image

CONV_INDICES = [0, 2, 5, 7, 10, 12, 14, 16, 19, 21, 23, 25, 28, 30, 32, 34]
POOL_INDICES = [4, 9, 18, 27, 36]
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)


def build_vgg(state_dict):
    """torchvision's vgg19().features, with widths read from the state dict."""
    layers = []
    for i in range(37):
        if i in CONV_INDICES:
            w = state_dict[f"features.{i}.weight"]
            conv = nn.Conv2d(w.shape[1], w.shape[0], kernel_size=3, padding=1)
            conv.weight.data.copy_(w)
            conv.bias.data.copy_(state_dict[f"features.{i}.bias"])
            layers.append(conv)
        elif i in POOL_INDICES:
            layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
        else:
            layers.append(nn.ReLU(inplace=True))
    vgg = nn.Sequential(*layers)
    for p in vgg.parameters():
        p.requires_grad_(False)
    return vgg.eval()


def load_image(path):
    image = Image.open(path).convert("RGB")
    x = torch.from_numpy(np.asarray(image, dtype=np.uint8).astype(np.float32) / 255.0).permute(2, 0, 1)
    mean = torch.tensor(MEAN).view(3, 1, 1)
    std = torch.tensor(STD).view(3, 1, 1)
    return ((x - mean) / std).unsqueeze(0)


def get_features(image, model, layers=None):
    if layers is None:
        layers = {"0": "conv1_1", "5": "conv2_1", "10": "conv3_1", "19": "conv4_1", "21": "conv4_2", "28": "conv5_1"}
    features = {}
    x = image
    for name, layer in model._modules.items():
        x = layer(x)
        if name in layers:
            features[layers[name]] = x
    return features


def gram_matrix(tensor):
    _, d, h, w = tensor.size()
    tensor = tensor.view(d, h * w)
    return torch.mm(tensor, tensor.t())


def to_png(target, path):
    x = target.detach()[0] * torch.tensor(STD).view(3, 1, 1) + torch.tensor(MEAN).view(3, 1, 1)
    pixels = torch.round(x.clamp(0, 1) * 255).to(torch.uint8).permute(1, 2, 0).numpy()
    Image.fromarray(pixels, "RGB").save(path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights", required=True)
    ap.add_argument("--content", required=True)
    ap.add_argument("--style", required=True)
    ap.add_argument("--steps", type=int, required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--final")
    ap.add_argument("--final-png")
    args = ap.parse_args()
    torch.set_num_threads(2)

    vgg = build_vgg(torch.load(args.weights, map_location="cpu"))
    content = load_image(args.content)
    style = load_image(args.style)
    assert content.shape == style.shape, "pass content and style of the same size (no resampling here)"

    content_features = get_features(content, vgg)
    style_features = get_features(style, vgg)
    style_grams = {layer: gram_matrix(style_features[layer]) for layer in style_features}
    target = content.clone().requires_grad_(True)
    style_weights = {"conv1_1": 1.0, "conv2_1": 0.75, "conv3_1": 0.2, "conv4_1": 0.2, "conv5_1": 0.2}
    content_weight = 1
    style_weight = 1e6
    optimizer = torch.optim.Adam([target], lr=0.003)

    with open(args.log, "w") as log:
        for step in range(args.steps):
            start = time.perf_counter()
            target_features = get_features(target, vgg)
            content_loss = torch.mean((target_features["conv4_2"] - content_features["conv4_2"]) ** 2)
            style_loss = 0
            for layer in style_weights:
                target_feature = target_features[layer]
                target_gram = gram_matrix(target_feature)
                _, d, h, w = target_feature.shape
                style_gram = style_grams[layer]
                layer_style_loss = style_weights[layer] * torch.mean((target_gram - style_gram) ** 2)
                style_loss += layer_style_loss / (d * h * w)
            total_loss = content_weight * content_loss + style_weight * style_loss
            optimizer.zero_grad()
            total_loss.backward()
            optimizer.step()
            log.write(json.dumps({"step": step, "content": float(content_weight * content_loss),
                                  "style": float(style_weight * style_loss), "tv": 0.0, "total": float(total_loss),
                                  "seconds": time.perf_counter() - start}) + "\n")
    if args.final:
        np.save(args.final, target.detach().numpy().astype(np.float32))
    if args.final_png:
        to_png(target, args.final_png)


if __name__ == "__main__":
    main()
