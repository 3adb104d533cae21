"""Importance sampling for object detection: YOLOv2 on synthetic shapes (or any ``DetectionData``), NIS vs IS.

One loss-table entry per image; the per-image YOLOv2 loss (or an
uncertainty score) is written to the table after every step, exactly as for
classification (thesis §5.2). Results are 1-AP50 curves over samples seen
and training seconds, evaluated every epoch and twice in the first.
"""

from __future__ import annotations

import csv
import dataclasses
import json
from pathlib import Path

import keras
import numpy as np

from is_keras.callbacks.ap50_callback import OneMinusAP50
from is_keras.data.coco import DetectionData
from is_keras.data.synthetic_shapes import DEFAULT_CLASSES, generate_shapes
from is_keras.detection.anchors import kmeans_anchors
from is_keras.detection.histograms import LossTableHistograms
from is_keras.detection.scores import get_table_score
from is_keras.detection.targets import build_yolo_targets
from is_keras.detection.yolo_loss import YoloV2Loss
from is_keras.experiments.curves import MeanCurve, time_to_baseline_best
from is_keras.experiments.plotting import plot_curves
from is_keras.experiments.run import environment_info
from is_keras.models.yolov2 import yolov2
from is_keras.sampling.generator import ImportanceBatchGenerator
from is_keras.sampling.registry import METHODS
from is_keras.training.trainer import ImportanceTrainer


@dataclasses.dataclass
class DetectionRunResult:
    """One detection run's curve: equal-length arrays, one entry per evaluation.

    ``epochs`` is the (fractional) epoch of each evaluation: 0.5, 1, 2, …
    """

    samples: np.ndarray
    seconds: np.ndarray
    one_minus_ap50: np.ndarray
    epochs: np.ndarray
    config: dict
    environment: dict
    loss_histograms: dict = dataclasses.field(default_factory=dict)
    final_loss_table: np.ndarray | None = None
    model: object = None
    anchors: np.ndarray | None = None

    def to_dict(self) -> dict:
        """JSON-ready form (tables and histograms left out)."""
        return {
            "samples": self.samples.tolist(), "seconds": self.seconds.tolist(),
            "one_minus_ap50": self.one_minus_ap50.tolist(), "epochs": self.epochs.tolist(),
            "config": self.config, "environment": self.environment,
        }


def parse_method(spec: str) -> tuple[str, str]:
    """``"is-probabilistic+entropy"`` → ``("is-probabilistic", "entropy")``; a bare method uses the loss.

    Example:
        >>> parse_method("nis"), parse_method("is-randomsubset+closeness")
        (('nis', 'loss'), ('is-randomsubset', 'closeness'))
    """
    method, _, score = spec.partition("+")
    method, score = method.strip(), (score.strip() or "loss")
    if method not in METHODS:
        raise ValueError(f"unknown sampling method {method!r}; valid methods are: {', '.join(METHODS)}")
    get_table_score(score)  # validates the name
    return method, score


def shapes_splits(num_train: int = 2000, num_val: int = 200, image_size: int = 96, classes=DEFAULT_CLASSES,
                  max_objects: int = 3, seed: int = 0) -> tuple[DetectionData, DetectionData]:
    """Training and validation sets of synthetic shapes (independent draws of the same generator).

    Example:
        >>> train, val = shapes_splits(200, 50, image_size=96)
    """
    train = generate_shapes(num_train, image_size, classes, max_objects, seed=seed)
    val = generate_shapes(num_val, image_size, classes, max_objects, seed=seed + 1_000_003)
    return train, val


def box_shapes(data: DetectionData, grid_size) -> np.ndarray:
    """(w, h) of every box of ``data`` in grid units (for k-means anchors)."""
    height, width = data.image_size
    grid_h, grid_w = grid_size
    boxes = [b for b in data.boxes if len(b)]
    if not boxes:
        raise ValueError("the training set has no boxes: cannot compute anchors")
    b = np.concatenate(boxes).astype(np.float64)
    return np.stack([(b[:, 2] - b[:, 0]) / width * grid_w, (b[:, 3] - b[:, 1]) / height * grid_h], axis=1)


def run_detection(
    train: DetectionData,
    val: DetectionData,
    method: str = "nis",
    table_score: str = "loss",
    epochs: int = 10,
    batch_size: int = 16,
    num_anchors: int = 3,
    anchors=None,
    localisation_only: bool = False,
    width_multiplier: float = 0.125,
    bn_momentum: float = 0.9,
    learning_rate: float = 3e-3,
    exponent: float = 1.0,
    subset_fraction: float = 0.1,
    subset_size: int = 1000,
    seed: int = 0,
    loss_kwargs: dict | None = None,
    histogram_epochs=(),
    verbose: int = 0,
    callbacks=None,
    keep_model: bool = False,
) -> DetectionRunResult:
    """Train YOLOv2 (from scratch) with one sampling method and return its 1-AP50 curve.

    Args:
        train, val: :class:`~is_keras.data.coco.DetectionData` of equal image size (a multiple of 32).
        method: a sampling method (``"nis"``, ``"is-probabilistic"``, …); a
            ``"method+score"`` spec also sets ``table_score``.
        table_score: ``"loss"`` (thesis), ``"entropy"`` or ``"closeness"``
            (:mod:`is_keras.detection.scores`).
        epochs, batch_size, learning_rate: Adam schedule (the thesis: batch 32).
        num_anchors, anchors: anchors in grid units; default k-means (1 - IoU)
            on the training boxes, seeded.
        localisation_only: drop the class head and term (thesis §4.2.3, eq. 4.1).
        width_multiplier: YOLOv2 width (1.0 is darknet's 50.9M-parameter model).
        bn_momentum: batch-norm moving-statistics momentum; 0.9 (not darknet's
            0.99) so inference statistics keep up in short from-scratch runs.
        exponent, subset_fraction, subset_size: sampler parameters.
        loss_kwargs: passed to :class:`~is_keras.detection.yolo_loss.YoloV2Loss`.
        histogram_epochs: epochs (1-based) after which to snapshot the loss table.
        keep_model: return the trained model in ``result.model`` (e.g. to draw detections).

    Returns:
        :class:`DetectionRunResult` with ``samples``, ``seconds``, ``one_minus_ap50``.

    Example:
        >>> train, val = shapes_splits(200, 50)
        >>> res = run_detection(train, val, method="is-probabilistic", epochs=3)
        >>> res.samples.shape == res.one_minus_ap50.shape
        True
    """
    if "+" in method:
        method, table_score = parse_method(method)
    else:
        parse_method(f"{method}+{table_score}")
    if train.image_size != val.image_size:
        raise ValueError(f"train images are {train.image_size} but validation images are {val.image_size}")
    height, width = train.image_size
    grid = (height // 32, width // 32)
    num_classes = 0 if localisation_only else train.num_classes
    if anchors is None:
        anchors = kmeans_anchors(box_shapes(train, grid), num_anchors, seed=seed)
    anchors = np.asarray(anchors, dtype=np.float64)
    targets = build_yolo_targets(train.boxes, train.labels, (height, width), grid, anchors, num_classes)
    val_labels = [np.zeros_like(lab) for lab in val.labels] if localisation_only else val.labels

    keras.utils.set_random_seed(seed)
    model = yolov2((height, width, 3), num_classes=num_classes, num_anchors=len(anchors),
                   width_multiplier=width_multiplier, bn_momentum=bn_momentum)
    generator = ImportanceBatchGenerator(
        train.float_images(), targets, batch_size=batch_size, method=method, exponent=exponent,
        subset_fraction=subset_fraction, subset_size=subset_size, seed=seed,
    )
    loss = YoloV2Loss(anchors, **(loss_kwargs or {}))
    trainer = ImportanceTrainer(model, generator, loss=loss, learning_rate=learning_rate,
                                table_score=get_table_score(table_score))
    ap = OneMinusAP50(val.float_images(), val.boxes, val_labels, anchors)
    hist = LossTableHistograms(generator, epochs=histogram_epochs) if histogram_epochs else None
    extra = [hist] if hist else []
    trainer.fit(epochs=epochs, callbacks=[ap] + extra + list(callbacks or []), verbose=verbose)
    config = {
        "method": method, "table_score": table_score, "exponent": exponent, "epochs": epochs,
        "batch_size": batch_size, "learning_rate": learning_rate, "seed": seed,
        "width_multiplier": width_multiplier, "bn_momentum": bn_momentum, "parameters": int(model.count_params()),
        "anchors": anchors.round(5).tolist(), "num_classes": num_classes, "image_size": [height, width],
        "num_train": len(train), "num_val": len(val), "subset_fraction": subset_fraction,
        "subset_size": subset_size, "loss": {k: getattr(loss, k) for k in (
            "lambda_coord", "lambda_obj", "lambda_noobj", "lambda_class", "noobj_scope")},
    }
    return DetectionRunResult(
        samples=np.asarray(ap.samples, dtype=np.int64),
        seconds=np.asarray(ap.seconds, dtype=np.float64),
        one_minus_ap50=np.asarray(ap.one_minus_ap50, dtype=np.float64),
        epochs=np.asarray(ap.epochs, dtype=np.float64),
        config=config,
        environment=environment_info(),
        loss_histograms=dict(hist.snapshots) if hist else {},
        final_loss_table=np.array(generator.loss_table),
        model=model if keep_model else None,
        anchors=anchors,
    )


def compare_detection(train, val, methods, runs: int = 3, seed: int = 0, progress=print, **run_kwargs):
    """Run every method spec ``runs`` times (seeds ``seed``, ``seed + 1``, …); ``{spec: [results]}``.

    The same seed gives the same initial weights and anchors for every method.

    Example:
        >>> results = compare_detection(train, val, ["nis", "is-probabilistic"], runs=2, epochs=5)
    """
    if runs < 1:
        raise ValueError(f"runs must be >= 1, got {runs}")
    for spec in methods:
        parse_method(spec)
    results = {}
    for spec in methods:
        results[spec] = []
        for run in range(runs):
            result = run_detection(train, val, method=spec, seed=seed + run, **run_kwargs)
            results[spec].append(result)
            if progress:
                progress(f"  {spec:<28} run {run + 1}/{runs}: best 1-AP50 {result.one_minus_ap50.min():.4f}, "
                         f"final {result.one_minus_ap50[-1]:.4f}, {result.seconds[-1]:.1f} s training")
    return results


def mean_detection_curve(results: list[DetectionRunResult]) -> MeanCurve:
    """Mean ± std of 1-AP50 over runs at their shared evaluation points."""
    if not results:
        raise ValueError("mean_detection_curve needs at least one run")
    length = min(len(r.one_minus_ap50) for r in results)
    if length == 0:
        raise ValueError("a run has no evaluations")
    values = np.stack([r.one_minus_ap50[:length] for r in results])
    return MeanCurve(
        samples=np.asarray(results[0].samples[:length]),
        seconds=np.stack([r.seconds[:length] for r in results]).mean(axis=0),
        mean=values.mean(axis=0),
        std=values.std(axis=0),
        runs=len(results),
    )


def write_detection_csv(results: dict, path) -> Path:
    """One row per evaluation: method, run, seed, epoch, samples, seconds, one_minus_ap50."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["method", "run", "seed", "epoch", "samples", "seconds", "one_minus_ap50"])
        for spec, runs in results.items():
            for run, r in enumerate(runs):
                for e, s, t, v in zip(r.epochs, r.samples, r.seconds, r.one_minus_ap50):
                    writer.writerow([spec, run, r.config["seed"], f"{e:g}", int(s), f"{t:.4f}", f"{v:.6g}"])
    return path


def format_detection_table(rows: list[dict]) -> str:
    """The time-to-uniform's-best table for 1-AP50."""
    lines = [f"target: uniform sampling's best mean 1-AP50 = {rows[0]['target_one_minus_auc']:.4f}",
             f"{'method':<30}{'best 1-AP50':>12}{'samples':>10}{'ratio':>8}{'seconds':>10}{'ratio':>8}"]
    for row in rows:
        if np.isnan(row["samples"]):
            lines.append(f"{row['method']:<30}{row['best_one_minus_auc']:>12.4f}{'not reached':>36}")
        else:
            lines.append(f"{row['method']:<30}{row['best_one_minus_auc']:>12.4f}{row['samples']:>10.0f}"
                         f"{row['samples_ratio']:>8.2f}{row['seconds']:>10.2f}{row['seconds_ratio']:>8.2f}")
    return "\n".join(lines)


def summarize_detection(results: dict, out_dir, title: str = "", baseline: str = "nis") -> str:
    """Write ``curves.csv``, ``detect_compare.png``, ``summary.json`` (and loss histograms); return the table."""
    from is_keras.detection.histograms import plot_loss_histograms

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    curves = {spec: mean_detection_curve(runs) for spec, runs in results.items()}
    write_detection_csv(results, out_dir / "curves.csv")
    plot_curves(curves, out_dir / "detect_compare.png", title=title, metric="1-AP50")
    rows, table = [], ""
    if baseline in curves:
        rows = time_to_baseline_best(curves, baseline)
        for row in rows:
            row["target_one_minus_ap50"] = row["target_one_minus_auc"]
            row["best_one_minus_ap50"] = row["best_one_minus_auc"]
        table = format_detection_table(rows)
    for spec, runs in results.items():
        if runs[0].loss_histograms:
            safe = spec.replace("+", "_")
            plot_loss_histograms(runs[0].loss_histograms, out_dir / f"loss_hist_{safe}.png", title=f"{spec}, run 0")
    first = next(iter(results.values()))[0]
    summary = {
        "title": title,
        "table": [{k: v for k, v in row.items() if "auc" not in k} for row in rows],
        "final_one_minus_ap50": {spec: [float(r.one_minus_ap50[-1]) for r in runs] for spec, runs in results.items()},
        "config": first.config, "environment": first.environment,
    }
    (out_dir / "summary.json").write_text(json.dumps(summary, indent=2, default=str))
    return table
