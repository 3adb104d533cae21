"""Crop every annotated sign of the Mapillary Traffic Sign Dataset into class folders.

Writes ``<dst>/<label>/<image key>_<object index>.png`` from an unpacked
MTSD folder (``annotations/<key>.json`` + ``images/[<split>/]<key>.jpg``);
``load_dataset("mapillary", root=<dst>)`` then reads the crops. Existing
crops are kept, so an interrupted run resumes. The logic lives in
:func:`is_keras.data.mapillary.crop_mapillary_signs`.

Usage:
    python data_scripts/crop_mapillary.py ~/data/mtsd_v2_fully_annotated ~/data/mapillary_crops --min-size 10
    python data_scripts/crop_mapillary.py SRC DST --splits train val --skip-properties ambiguous dummy
"""

from __future__ import annotations

import argparse
import sys

from is_keras.data.mapillary import crop_mapillary_signs


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("src", help="the unpacked MTSD folder (annotations/, images/, splits/)")
    parser.add_argument("dst", help="output folder of <label>/<key>_<i>.png crops")
    parser.add_argument("--min-size", type=float, default=0, help="skip boxes narrower or lower than this (pixels)")
    parser.add_argument("--keep-other-sign", action="store_true", help="also crop the catch-all 'other-sign' label")
    parser.add_argument("--skip-labels", nargs="*", default=[], help="further labels to skip")
    parser.add_argument(
        "--skip-properties", nargs="*", default=[], help="skip signs flagged with these, e.g. ambiguous dummy occluded"
    )
    parser.add_argument("--margin", type=float, default=0.0, help="widen boxes by this fraction per side")
    parser.add_argument("--splits", nargs="*", default=None, help="only keys in splits/<name>.txt (e.g. train val)")
    parser.add_argument("--overwrite", action="store_true", help="rewrite existing crops")
    args = parser.parse_args(argv)

    skip = set(args.skip_labels) | (set() if args.keep_other_sign else {"other-sign"})
    counts = crop_mapillary_signs(
        args.src,
        args.dst,
        min_size=args.min_size,
        skip_labels=skip,
        skip_properties=args.skip_properties,
        margin=args.margin,
        splits=args.splits,
        overwrite=args.overwrite,
    )
    print(f"{sum(counts.values())} crops in {len(counts)} classes under {args.dst}")
    for label, count in sorted(counts.items(), key=lambda item: -item[1])[:20]:
        print(f"  {count:7d}  {label}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
