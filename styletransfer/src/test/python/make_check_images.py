#!/usr/bin/python3
"""Writes OUT/content.png and OUT/style.png (W x H, default 128x96): synthetic pictures of the same size, so neither
stylegrad nor course_reference.py resamples them, for step-by-step comparisons on large weight files."""
import sys
import numpy as np
from PIL import Image

out = sys.argv[1]
w, h = (int(sys.argv[2]), int(sys.argv[3])) if len(sys.argv) > 3 else (128, 96)
yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
content = np.stack([110 + 90 * np.sin(xx / 17), 120 + 80 * np.cos(yy / 11), 40 + 1.2 * xx + yy], axis=-1)
style = np.stack([128 + 110 * np.sin((xx + 2 * yy) / 5), 128 + 100 * np.sin((3 * xx - yy) / 7), 128 + 90 * np.cos(xx * yy / 90)], axis=-1)
Image.fromarray(np.clip(content, 0, 255).astype(np.uint8), "RGB").save(f"{out}/content.png")
Image.fromarray(np.clip(style, 0, 255).astype(np.uint8), "RGB").save(f"{out}/style.png")
