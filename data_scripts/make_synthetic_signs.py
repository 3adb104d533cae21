"""Draw the synthetic traffic-sign dataset in the GTSRB folder layout (and a preview sheet).

43 GTSRB-like classes (shape, colours, symbol) with nuisances scaled by
``--difficulty``; deterministic per ``--seed``. The folder is read by
``load_dataset("gtsrb", root=...)`` or, via its cache, by
``load_dataset("synthetic-signs", ...)``.

Usage:
    python data_scripts/make_synthetic_signs.py /tmp/signs --num-per-class 200 --image-size 28 --difficulty 0.5
    python data_scripts/make_synthetic_signs.py /tmp/signs --preview results/synthetic_signs.png
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from is_keras.data.synthetic_signs import SYNTHETIC_SIGN_CLASSES, render_sign, write_synthetic_signs


def preview_sheet(path, image_size: int = 32, difficulty: float = 0.5, per_class: int = 8, seed: int = 0) -> None:
    """Save a PNG grid: one row per class, ``per_class`` samples each (the same images the writer draws).

    Example:
        >>> preview_sheet("results/synthetic_signs.png", image_size=32, difficulty=0.5)
    """
    from PIL import Image

    rows = [
        np.concatenate(
            [
                render_sign(c, image_size, difficulty=difficulty, rng=np.random.default_rng([seed, c, i]))[0]
                for i in range(per_class)
            ],
            axis=1,
        )
        for c in range(len(SYNTHETIC_SIGN_CLASSES))
    ]
    Image.fromarray(np.concatenate(rows, axis=0)).save(path)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", help="output folder (Final_Training/Images/000NN/*.ppm + GT-000NN.csv)")
    parser.add_argument("--num-per-class", type=int, default=50)
    parser.add_argument("--image-size", type=int, default=28)
    parser.add_argument("--difficulty", type=float, default=0.5, help="nuisance strength in [0, 1]")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--num-classes", type=int, default=len(SYNTHETIC_SIGN_CLASSES))
    parser.add_argument("--preview", default=None, help="also save a PNG sheet of 8 samples per class here")
    args = parser.parse_args(argv)

    start = time.time()
    write_synthetic_signs(
        args.root,
        num_per_class=args.num_per_class,
        image_size=args.image_size,
        difficulty=args.difficulty,
        seed=args.seed,
        num_classes=args.num_classes,
        progress=True,
    )
    total = args.num_per_class * args.num_classes
    print(f"{total} images in {time.time() - start:.1f} s under {args.root}")
    if args.preview:
        preview_sheet(args.preview, args.image_size, args.difficulty, seed=args.seed)
        print(f"preview: {args.preview}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
