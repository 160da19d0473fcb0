#!/usr/bin/python3
"""Makes the pictures the real AdaIN decoder of issue 28 was trained on, from the shared photo and painting (which are
not ours to commit, so neither is anything made from them: the pictures go to OUT, outside the repository).

    /usr/bin/python3 benchmarks/adain_training_pictures.py ../shared/images OUT

OUT/content: 60 crops of the photo (random places and scales, some mirrored) and 60 drawn scenes (gradients, discs,
boxes, lines); OUT/style: 60 crops of the painting and 60 drawn brush textures (short thick strokes in random
palettes). Seeded: the same pictures every time.
"""
import os
import sys
import numpy as np
from PIL import Image, ImageDraw

rng = np.random.default_rng(28)


def crops(picture, folder, prefix, n):
    img = Image.open(picture).convert("RGB")
    w, h = img.size
    for k in range(n):
        side = int(rng.uniform(0.3, 1.0) * min(w, h))
        x, y = int(rng.integers(0, w - side + 1)), int(rng.integers(0, h - side + 1))
        c = img.crop((x, y, x + side, y + side)).resize((512, 512), Image.BILINEAR)
        if rng.random() < 0.5:
            c = c.transpose(Image.FLIP_LEFT_RIGHT)
        c.save(os.path.join(folder, "%s_%03d.png" % (prefix, k)))


def colour():
    return tuple(int(v) for v in rng.integers(0, 256, 3))


def scenes(folder, n):
    for k in range(n):
        a, b = np.array(colour(), float), np.array(colour(), float)
        t = np.linspace(0, 1, 512)[:, None, None]
        base = (a * (1 - t) + b * t) * np.ones((512, 512, 3))
        img = Image.fromarray(base.astype(np.uint8))
        d = ImageDraw.Draw(img)
        for _ in range(int(rng.integers(5, 25))):
            x0, y0 = rng.integers(0, 512, 2)
            x1, y1 = x0 + rng.integers(20, 200), y0 + rng.integers(20, 200)
            kind = rng.integers(0, 3)
            if kind == 0:
                d.ellipse((int(x0), int(y0), int(x1), int(y1)), fill=colour())
            elif kind == 1:
                d.rectangle((int(x0), int(y0), int(x1), int(y1)), fill=colour())
            else:
                d.line((int(x0), int(y0), int(x1), int(y1)), fill=colour(), width=int(rng.integers(2, 12)))
        img.save(os.path.join(folder, "scene_%03d.png" % k))


def brushes(folder, n):
    for k in range(n):
        palette = [colour() for _ in range(int(rng.integers(3, 7)))]
        img = Image.new("RGB", (512, 512), palette[0])
        d = ImageDraw.Draw(img)
        angle0 = rng.uniform(0, np.pi)
        for _ in range(int(rng.integers(300, 900))):
            x, y = rng.uniform(-20, 532, 2)
            angle = angle0 + rng.normal(0, 0.6)
            length = rng.uniform(10, 50)
            width = int(rng.integers(3, 14))
            d.line((x, y, x + length * np.cos(angle), y + length * np.sin(angle)), fill=palette[int(rng.integers(0, len(palette)))], width=width)
        img.save(os.path.join(folder, "brush_%03d.png" % k))


def main():
    shared, out = sys.argv[1], sys.argv[2]
    content, style = os.path.join(out, "content"), os.path.join(out, "style")
    os.makedirs(content, exist_ok=True)
    os.makedirs(style, exist_ok=True)
    crops(os.path.join(shared, "tubingen.jpg"), content, "photo", 60)
    scenes(content, 60)
    crops(os.path.join(shared, "starry_night.jpg"), style, "painting", 60)
    brushes(style, 60)
    print("wrote %d content and %d style pictures to %s" % (len(os.listdir(content)), len(os.listdir(style)), out))


if __name__ == "__main__":
    main()
