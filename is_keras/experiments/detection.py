"""Importance sampling for object detection: the synthetic-shapes splits and :func:`run_detection` (the run core
with a :class:`~is_keras.experiments.detection_task.DetectionTask`)."""

from __future__ import annotations

import dataclasses

from is_keras.data.synthetic_shapes import DEFAULT_CLASSES, generate_shapes
from is_keras.experiments.detection_task import DetectionTask
from is_keras.experiments.options import apply_options
from is_keras.experiments.run import run
from is_keras.experiments.run_result import RunResult
from is_keras.experiments.training_config import TrainingConfig
from is_keras.sampling.config import SamplerConfig


def shapes_splits(num_train: int = 2000, num_val: int = 200, image_size: int = 96, classes=DEFAULT_CLASSES,
                  max_objects: int = 3, *, seed: int = 0):
    """Training and validation sets of synthetic shapes (independent draws of the same generator).

    Args:
        num_train, num_val: images per set; image_size: side in pixels (a multiple of 32 for YOLOv2).
        classes: shape names; max_objects: objects per image: 0 .. ``max_objects``.
        seed: seeds the training set; the validation set uses ``seed + 1_000_003``.
    Returns: ``(train, val)`` :class:`~is_keras.data.coco.DetectionData`.
    Example:
        >>> train, val = shapes_splits(8, 4, image_size=64)
        >>> len(train), len(val), train.image_size
        (8, 4, (64, 64))
    """
    train = generate_shapes(num_train, image_size, classes, max_objects, seed=seed)
    val = generate_shapes(num_val, image_size, classes, max_objects, seed=seed + 1_000_003)
    return train, val


def run_detection(train, val, *, sampler_config: SamplerConfig | None = None,
                  training_config: TrainingConfig | None = None, callbacks=None, verbose: int = 0,
                  keep_model: bool = False, **options) -> RunResult:
    """Train YOLOv2 (from scratch) with importance sampling and return its 1-AP50 curve.

    Args:
        train, val: :class:`~is_keras.data.coco.DetectionData` of equal image size (a multiple of 32).
        sampler_config: default ``SamplerConfig(method="nis")``.
        training_config: default :meth:`DetectionTask.default_training_config`.
        callbacks, verbose: as :func:`~is_keras.experiments.run.run`.
        keep_model: return the trained model in ``result.model`` (the anchors are in ``result.artifacts["anchors"]``).
        **options: fields of :class:`~is_keras.sampling.config.SamplerConfig` (``method`` may be ``"method+score"``,
            which sets ``table_score``), of :class:`~is_keras.experiments.training_config.TrainingConfig`, of
            :class:`~is_keras.experiments.detection_task.DetectionTask` (``num_anchors``, ``anchors``,
            ``localisation_only``, ``loss_kwargs``, ``table_score``), and ``width`` / ``bn_momentum`` of the model.
    Returns: A :class:`~is_keras.experiments.run_result.RunResult` with ``one_minus_ap50`` and ``epochs``.
    Raises: ValueError: for an unknown option, method or score, or mismatched image sizes.
    Example:
        >>> train, val = shapes_splits(8, 2, image_size=64, seed=0)
        >>> res = run_detection(train, val, method="nis", epochs=1, batch_size=8, num_anchors=2, width=0.0625)
        >>> res.samples.tolist(), res.one_minus_ap50.shape
        ([8], (1,))
    """
    options = dict(options)
    task = DetectionTask()
    if "+" in str(options.get("method", "")):
        task, options["method"] = task.variant(options["method"])
    training = training_config or task.default_training_config()
    model_changes = {k: options.pop(k) for k in ("width", "bn_momentum") if k in options}
    if model_changes:
        training = dataclasses.replace(training, model_kwargs={**training.model_kwargs, **model_changes})
    sampler, training, task_options = apply_options(sampler_config or SamplerConfig(method="nis"), training, options,
                                                    extra=[f.name for f in dataclasses.fields(task)])
    task = dataclasses.replace(task, **task_options)
    task.variant(sampler.method)  # validates the method and score
    return run(task, train, val, sampler_config=sampler, training_config=training, callbacks=callbacks,
               verbose=verbose, keep_model=keep_model)
