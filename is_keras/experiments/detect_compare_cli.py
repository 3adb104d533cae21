"""``is-keras detect-compare``: importance sampling against uniform sampling for YOLOv2 on synthetic shapes."""

from __future__ import annotations

import time
from pathlib import Path

from is_keras.detection.scores import TABLE_SCORES
from is_keras.sampling.registry import METHODS

DEFAULT_METHODS = "nis,is-probabilistic"


def add_detect_compare_parser(subparsers) -> None:
    """Register the ``detect-compare`` subcommand on an ``argparse`` subparsers object.

    Example:
        >>> parser = argparse.ArgumentParser(prog="is-keras")
        >>> add_detect_compare_parser(parser.add_subparsers(dest="command"))
        >>> args = parser.parse_args(["detect-compare", "--epochs", "2"])
    """
    parser = subparsers.add_parser(
        "detect-compare",
        help="object detection: compare sampling methods with YOLOv2 on synthetic shapes (1-AP50 curves)",
        description="Generate a synthetic-shapes detection set (COCO-style boxes), train a YOLOv2 from scratch "
        "once per method and seed, evaluate 1-AP50 (pycocotools) every epoch and twice in the first, "
        "and write curves.csv, detect_compare.png, summary.json and loss-table histograms.",
    )
    parser.add_argument("--methods", default=DEFAULT_METHODS,
                        help=f"comma-separated methods, from: {', '.join(METHODS)}; append +SCORE to write an "
                        f"alternative score into the table ({', '.join(TABLE_SCORES)}), e.g. is-probabilistic+entropy "
                        f"(default: {DEFAULT_METHODS})")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3, help="seeds per method (default 3)")
    parser.add_argument("--seed", type=int, default=0, help="first seed")
    parser.add_argument("--images", type=int, default=2000, help="training images (default 2000)")
    parser.add_argument("--val-images", type=int, default=200, help="validation images (default 200)")
    parser.add_argument("--image-size", type=int, default=96, help="image side, a multiple of 32 (default 96)")
    parser.add_argument("--shapes", default="circle,square,triangle",
                        help="comma-separated shape classes (circle, square, triangle, diamond, cross, star)")
    parser.add_argument("--max-objects", type=int, default=3, help="objects per image: 0..N (default 3)")
    parser.add_argument("--localisation-only", action="store_true",
                        help="no class head or class term (thesis §4.2.3, eq. 4.1)")
    parser.add_argument("--anchors", type=int, default=3, help="anchors per cell, k-means on the boxes (default 3)")
    parser.add_argument("--width", type=float, default=0.125,
                        help="YOLOv2 width multiplier (1.0 = darknet's 50.9M-parameter model; default 0.125)")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--learning-rate", type=float, default=3e-3, help="Adam learning rate (default 3e-3)")
    parser.add_argument("--bn-momentum", type=float, default=0.9, help="batch-norm momentum (default 0.9)")
    parser.add_argument("--exponent", type=float, default=1.0, help="loss exponent of is-probabilistic")
    parser.add_argument("--histogram-epochs", default="1,last",
                        help="epochs after which to snapshot the loss table for histograms (default '1,last')")
    parser.add_argument("--out", default="results/detect_compare", help="output folder")
    parser.set_defaults(handler=run_detect_compare)


def run_detect_compare(args) -> int:
    from is_keras.experiments.detection import compare_detection, parse_method, shapes_splits, summarize_detection

    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    if not methods:
        raise ValueError("--methods is empty")
    for spec in methods:
        parse_method(spec)
    if args.image_size % 32:
        raise ValueError(f"--image-size must be a multiple of 32, got {args.image_size}")
    if args.epochs < 1 or args.runs < 1:
        raise ValueError("--epochs and --runs must be >= 1")
    hist_epochs = []
    for token in args.histogram_epochs.split(","):
        token = token.strip()
        if token:
            hist_epochs.append(args.epochs if token == "last" else int(token))
    shapes = tuple(s.strip() for s in args.shapes.split(",") if s.strip())
    train, val = shapes_splits(args.images, args.val_images, args.image_size, shapes, args.max_objects, args.seed)
    title = (f"synthetic shapes ({len(train)} train / {len(val)} val, {args.image_size}px), YOLOv2 ×{args.width:g}, "
             f"batch {args.batch_size}, {args.runs} runs (mean ± 1 std)")
    print(f"is-keras detect-compare: {title}")
    start = time.perf_counter()
    results = compare_detection(
        train, val, methods, runs=args.runs, seed=args.seed, epochs=args.epochs, batch_size=args.batch_size,
        num_anchors=args.anchors, localisation_only=args.localisation_only, width_multiplier=args.width,
        learning_rate=args.learning_rate, bn_momentum=args.bn_momentum, exponent=args.exponent,
        histogram_epochs=tuple(hist_epochs),
    )
    table = summarize_detection(results, args.out, title=title)
    out = Path(args.out)
    print()
    print(table or "(no 'nis' run: no time-to-uniform table)")
    print(f"\nwrote {out / 'curves.csv'}, {out / 'detect_compare.png'}, {out / 'summary.json'} "
          f"({time.perf_counter() - start:.0f} s in all)")
    return 0
