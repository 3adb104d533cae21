"""``is-keras detect-compare``: importance sampling against uniform sampling for YOLOv2 on synthetic shapes.

Generates a synthetic-shapes detection set (COCO-style boxes), trains a YOLOv2 from scratch once per method and seed,
evaluates 1-AP50 every epoch and twice in the first, and writes ``curves.csv``, ``detect_compare.png``, ``summary.json``
and loss-table histograms into ``--out``.
"""

from __future__ import annotations

from is_keras.cli.compare import ComparePlan, execute
from is_keras.cli.options import UsageError, name_list, non_negative_int, output_folder, positive_float, positive_int
from is_keras.cli.sampler_options import add_sampler_options, method_names, method_of, sampler_config
from is_keras.cli.tensorflow_logs import import_tensorflow

NAME = "detect-compare"
HELP = "object detection: compare sampling methods with YOLOv2 on synthetic shapes (1-AP50 curves)"
DEFAULT_METHODS = "nis,is-probabilistic"


def add_parser(subparsers) -> None:
    """Register ``detect-compare`` and its options on an ``argparse`` subparsers object.

    Example:
        >>> import argparse
        >>> parser = argparse.ArgumentParser(prog="is-keras")
        >>> add_parser(parser.add_subparsers(dest="command"))
        >>> parser.parse_args(["detect-compare", "--epochs", "2"]).epochs
        2
    """
    from is_keras.detection.scores import TABLE_SCORES

    parser = subparsers.add_parser(NAME, help=HELP, description=__doc__.split("\n\n")[1].replace("\n", " "))
    add_sampler_options(parser, methods_default=DEFAULT_METHODS, methods_note="append +SCORE to write another score "
                        f"into the table ({', '.join(TABLE_SCORES)}), e.g. is-probabilistic+entropy")
    parser.add_argument("--epochs", type=positive_int, default=10, help="default 10")
    parser.add_argument("--runs", type=positive_int, default=3, help="seeds per method (default 3)")
    parser.add_argument("--seed", type=non_negative_int, default=0, help="first seed (default 0)")
    parser.add_argument("--images", type=positive_int, default=2000, help="training images (default 2000)")
    parser.add_argument("--val-images", type=positive_int, default=200, help="validation images (default 200)")
    parser.add_argument("--image-size", type=positive_int, default=96, help="image side, a multiple of 32 (default 96)")
    parser.add_argument("--shapes", default="circle,square,triangle",
                        help="comma-separated shape classes (circle, square, triangle, diamond, cross, star)")
    parser.add_argument("--max-objects", type=non_negative_int, default=3, help="objects per image: 0..N (default 3)")
    parser.add_argument("--localisation-only", action="store_true",
                        help="no class head or class term (thesis §4.2.3, eq. 4.1)")
    parser.add_argument("--anchors", type=positive_int, default=3,
                        help="anchors per cell, k-means on the boxes (default 3)")
    parser.add_argument("--width", type=positive_float, default=0.125,
                        help="YOLOv2 width (1.0 = darknet's 50.9M-parameter model; default 0.125)")
    parser.add_argument("--batch-size", type=positive_int, default=16, help="default 16")
    parser.add_argument("--eval-every", type=positive_int, default=None,
                        help="batches between evaluations (default: every epoch and twice in the first)")
    parser.add_argument("--learning-rate", type=positive_float, default=3e-3, help="Adam's (default 3e-3)")
    parser.add_argument("--bn-momentum", type=float, default=0.9, help="batch-norm momentum, in [0, 1) (default 0.9)")
    parser.add_argument("--histogram-epochs", default="1,last",
                        help="epochs after which to snapshot the loss table for histograms (default '1,last')")
    parser.add_argument("--out", default="results/detect_compare", help="output folder")
    parser.set_defaults(prepare=prepare, execute=execute)


def histogram_epochs(text: str, epochs: int) -> tuple[int, ...]:
    """``--histogram-epochs``: comma-separated epoch numbers or ``last``; empty for none.

    Raises: UsageError: a token that is not an epoch of the run.
    Example:
        >>> histogram_epochs("1,last", 10)
        (1, 10)
    """
    chosen = []
    for token in filter(None, (t.strip() for t in text.split(","))):
        epoch = epochs if token == "last" else int(token) if token.isdigit() else None
        if epoch is None or not 1 <= epoch <= epochs:
            raise UsageError("--histogram-epochs", f"{token!r} is not an epoch number in 1..{epochs} or 'last'")
        chosen.append(epoch)
    return tuple(dict.fromkeys(chosen))


def prepare(args) -> ComparePlan:
    """Check every option, generate the data and create ``--out``; train nothing.

    Args: args: the parsed ``detect-compare`` arguments.
    Returns: The :class:`~is_keras.cli.compare.ComparePlan`.
    Raises: UsageError: naming the option at fault.
    """
    import_tensorflow()
    from is_keras.data.synthetic_shapes import SHAPES
    from is_keras.detection.scores import TABLE_SCORES
    from is_keras.experiments.detection import shapes_splits
    from is_keras.experiments.detection_task import DetectionTask
    from is_keras.experiments.training_config import TrainingConfig

    entries = method_names(args, table_scores=TABLE_SCORES)
    configs = [sampler_config(args, method_of(entry)) for entry in entries]
    if args.image_size % 32:
        raise UsageError("--image-size", f"must be a multiple of 32 (YOLOv2's stride), got {args.image_size}")
    if not 0 <= args.bn_momentum < 1:
        raise UsageError("--bn-momentum", f"must be in [0, 1), got {args.bn_momentum}")
    shapes = tuple(name_list(args.shapes, "--shapes"))
    unknown = [s for s in shapes if s not in SHAPES]
    if unknown:
        raise UsageError("--shapes", f"unknown shape(s) {', '.join(unknown)}; known: {', '.join(SHAPES)}")
    training_config = TrainingConfig(
        model="yolov2", model_kwargs={"width": args.width, "bn_momentum": args.bn_momentum}, epochs=args.epochs,
        batch_size=args.batch_size, learning_rate=args.learning_rate, eval_every=args.eval_every, seed=args.seed,
        histogram_epochs=histogram_epochs(args.histogram_epochs, args.epochs))
    task = DetectionTask(num_anchors=args.anchors, localisation_only=args.localisation_only)
    train, val = shapes_splits(args.images, args.val_images, args.image_size, shapes, args.max_objects, seed=args.seed)
    title = (f"synthetic shapes ({len(train)} train / {len(val)} val, {args.image_size}px), YOLOv2 ×{args.width:g}, "
             f"batch {args.batch_size}, {args.runs} runs (mean ± 1 std)")
    return ComparePlan(task=task, train=train, val=val, methods=entries, sampler_configs=configs,
                       training_config=training_config, runs=args.runs, out=output_folder(args.out), title=title,
                       figure="detect_compare.png", header=f"is-keras {NAME}: {title}")
