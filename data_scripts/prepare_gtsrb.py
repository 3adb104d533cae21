"""Check a local GTSRB folder and decode it once into the image cache.

Reads ``Final_Training/Images/000NN/*.ppm`` with the ``GT-000NN.csv`` ROIs
(and ``Final_Test`` with ``GT-final_test.csv`` when ``--include-test``),
prints the images per class, and decodes every image (ROI crop, resize) into
the on-disk cache, so later ``load_dataset("gtsrb", root=...)`` calls with
the same size and crop start in seconds. ``--out`` also writes an ``.npz``
with the full arrays (``x`` uint8, ``y``, ``boxes``) for use outside is_keras.

Usage:
    python data_scripts/prepare_gtsrb.py ~/data/GTSRB --image-size 28
    python data_scripts/prepare_gtsrb.py ~/data/GTSRB --image-size 32 --include-test --out gtsrb32.npz
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from is_keras.data.gtsrb import GTSRB_CLASS_NAMES, read_gtsrb_index
from is_keras.data.image_cache import cache_images


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", help="folder holding Final_Training/Images (the unpacked GTSRB archive)")
    parser.add_argument("--image-size", type=int, default=28, help="side of the square images (default 28)")
    parser.add_argument("--no-roi", action="store_true", help="keep the whole image instead of the ROI crop")
    parser.add_argument("--include-test", action="store_true", help="also read Final_Test (needs GT-final_test.csv)")
    parser.add_argument(
        "--cache-dir", default=None, help="cache folder (default $IS_KERAS_CACHE_DIR or ~/.cache/is_keras)"
    )
    parser.add_argument("--out", default=None, help="also write the arrays to this .npz file")
    args = parser.parse_args(argv)

    paths, boxes, labels = read_gtsrb_index(args.root, include_test=args.include_test)
    counts = np.bincount(labels, minlength=len(GTSRB_CLASS_NAMES))
    print(f"{len(paths)} images in {np.count_nonzero(counts)} classes")
    for class_id, count in enumerate(counts):
        name = GTSRB_CLASS_NAMES[class_id] if class_id < len(GTSRB_CLASS_NAMES) else "?"
        print(f"  {class_id:2d} {count:6d}  {name}")
    start = time.time()
    pixels = cache_images(
        paths, args.image_size, boxes=None if args.no_roi else boxes, cache_dir=args.cache_dir, dtype="float32"
    )
    print(f"cache: {pixels.filename} ({pixels.nbytes / 2**20:.0f} MiB, {time.time() - start:.1f} s)")
    if args.out:
        missing = np.array([b is None for b in boxes])
        box_array = np.array([(-1, -1, -1, -1) if b is None else b for b in boxes], dtype=np.int64)
        x = np.rint(np.asarray(pixels) * 255).astype(np.uint8)
        np.savez_compressed(args.out, x=x, y=labels, boxes=box_array, box_missing=missing)
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
