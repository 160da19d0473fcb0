#!/usr/bin/python3
"""Composes docs/example.png (bundled content | bundled style | result) from the bundled example images and the
result of `./stylegrad run` (argument 1). Run from the repository root with Debian's python3-pil."""
import sys
from PIL import Image

examples = "styletransfer/src/main/resources/dev/stylegrad/style/examples/"
tiles = [Image.open(examples + "landscape.png"), Image.open(examples + "brushstrokes.png"), Image.open(sys.argv[1])]
h = 256
tiles = [t.convert("RGB").resize((round(t.width * h / t.height), h), Image.LANCZOS) for t in tiles]
gap = 8
out = Image.new("RGB", (sum(t.width for t in tiles) + gap * (len(tiles) - 1), h), (255, 255, 255))
x = 0
for t in tiles:
    out.paste(t, (x, 0))
    x += t.width + gap
out.save("docs/example.png", optimize=True)
