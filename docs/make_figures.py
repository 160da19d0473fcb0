#!/usr/bin/python3
"""Composes the README's figures from stylegrad's outputs. Run from the repository root with Debian's python3-pil.

  make_figures.py example RESULT.png              docs/example.png: bundled content | bundled style | result
  make_figures.py schedule LEFT.png RIGHT.png      docs/default-schedule.png: two results side by side
  make_figures.py crop LARGE.png X Y W H           docs/large-crop.png: the whole picture, reduced, with the crop
                                                   marked | the W x H crop at (X, Y) at 100%
"""
import sys
from PIL import Image, ImageDraw

EXAMPLES = "styletransfer/src/main/resources/dev/stylegrad/style/examples/"
GAP = 8


def side_by_side(images, height):
    tiles = [t.convert("RGB").resize((round(t.width * height / t.height), height), Image.LANCZOS) for t in images]
    return row(tiles)


def row(tiles):
    out = Image.new("RGB", (sum(t.width for t in tiles) + GAP * (len(tiles) - 1), max(t.height for t in tiles)), (255, 255, 255))
    x = 0
    for t in tiles:
        out.paste(t, (x, 0))
        x += t.width + GAP
    return out


def main(args):
    if args[0] == "example":
        images = [Image.open(EXAMPLES + "landscape.png"), Image.open(EXAMPLES + "brushstrokes.png"), Image.open(args[1])]
        side_by_side(images, 256).save("docs/example.png", optimize=True)
    elif args[0] == "schedule":
        side_by_side([Image.open(args[1]), Image.open(args[2])], 384).save("docs/default-schedule.png", optimize=True)
    elif args[0] == "crop":
        large = Image.open(args[1]).convert("RGB")
        x, y, w, h = (int(v) for v in args[2:6])
        crop = large.crop((x, y, x + w, y + h))  # 100%: no resampling
        scale = h / large.height
        overview = large.resize((round(large.width * scale), h), Image.LANCZOS)
        ImageDraw.Draw(overview).rectangle([x * scale, y * scale, (x + w) * scale, (y + h) * scale], outline=(255, 40, 40), width=2)
        row([overview, crop]).save("docs/large-crop.png", optimize=True)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:] or ["help"])
