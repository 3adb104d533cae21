"""Compute YOLOv2 anchors for a COCO-format annotation file (k-means, distance 1 - IoU).

Prints the anchors in grid units for a network input size (darknet cfg
style, e.g. ``0.57273,0.677385, 1.87446,2.06253, ...`` for COCO at 416), the
mean IoU for every K, and writes the elbow plot.

Usage:
    python data_scripts/compute_anchors.py instances_train2017.json --input-size 416 --k 5 \
        --plot results/anchors_elbow.png

Box sizes are taken relative to their image and scaled to the ``S × S`` grid
(``S = input_size / 32``), which is what a plain resize to the input does;
``--letterbox`` scales by the longer image side instead (what a letterboxed
input sees).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from is_keras.detection.anchors import anchor_elbow, format_anchors, kmeans_anchors, mean_iou


def box_shapes_in_grid_units(annotation_json, input_size: int = 416, letterbox: bool = False,
                             max_boxes: int | None = None, seed: int = 0) -> np.ndarray:
    """(w, h) of every non-crowd box of a COCO annotation file, in grid units at ``input_size``.

    Example:
        >>> box_shapes_in_grid_units("instances_val2017.json", 416).shape
        (36335, 2)
    """
    if input_size % 32:
        raise ValueError(f"input size must be a multiple of 32, got {input_size}")
    data = json.loads(Path(annotation_json).read_text())
    if "annotations" not in data or "images" not in data:
        raise ValueError(f"{annotation_json} is not a COCO annotation file (needs 'images' and 'annotations')")
    sizes = {img["id"]: (float(img["width"]), float(img["height"])) for img in data["images"]}
    grid = input_size / 32
    shapes = []
    for ann in data["annotations"]:
        if ann.get("iscrowd", 0):
            continue
        _, _, w, h = ann["bbox"]
        if w <= 0 or h <= 0:
            continue
        img_w, img_h = sizes[ann["image_id"]]
        if letterbox:
            side = max(img_w, img_h)
            shapes.append((w / side * grid, h / side * grid))
        else:
            shapes.append((w / img_w * grid, h / img_h * grid))
    if not shapes:
        raise ValueError(f"{annotation_json} holds no non-crowd boxes with positive size")
    shapes = np.asarray(shapes, dtype=np.float64)
    if max_boxes and len(shapes) > max_boxes:
        shapes = shapes[np.random.default_rng(seed).choice(len(shapes), max_boxes, replace=False)]
    return shapes


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("annotations", help="COCO-format annotation JSON")
    parser.add_argument("--input-size", type=int, default=416, help="network input size (default 416)")
    parser.add_argument("--k", type=int, default=5, help="number of anchors to print (default 5)")
    parser.add_argument("--k-max", type=int, default=10, help="largest K of the elbow curve (default 10)")
    parser.add_argument("--letterbox", action="store_true", help="scale boxes by the longer image side")
    parser.add_argument("--max-boxes", type=int, default=None, help="cluster a random subset of this many boxes")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--plot", default=None, help="write the elbow plot here (PNG)")
    args = parser.parse_args(argv)

    wh = box_shapes_in_grid_units(args.annotations, args.input_size, args.letterbox, args.max_boxes, args.seed)
    grid = args.input_size // 32
    print(f"{len(wh)} boxes, grid {grid}x{grid} at input {args.input_size}")
    curve = anchor_elbow(wh, ks=range(2, max(args.k_max, args.k) + 1), seed=args.seed)
    for k, (_, iou) in curve.items():
        print(f"K={k:2d}  mean IoU {iou:.4f}")
    anchors = curve[args.k][0] if args.k in curve else kmeans_anchors(wh, args.k, seed=args.seed)
    print(f"anchors (K={args.k}, mean IoU {mean_iou(wh, anchors):.4f}, grid units):")
    print(f"anchors = {format_anchors(anchors)}")
    if args.plot:
        from is_keras.plotting.anchors import plot_anchor_elbow

        path = Path(args.plot)
        path.parent.mkdir(parents=True, exist_ok=True)
        plot_anchor_elbow(curve).savefig(path, dpi=100)
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
