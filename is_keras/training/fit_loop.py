"""The epoch loop of :meth:`ImportanceTrainer.fit`: Keras callbacks, validation, backups."""

from __future__ import annotations

import keras
import numpy as np

from is_keras.sampling.options import Option
from is_keras.training.run_backup import RunBackup
from is_keras.training.sampling_progress import SamplingProgress, warn_if_still_in_first_pass


def fit_loop(trainer, epochs, *, steps_per_epoch=None, callbacks=None, validation_data=None,
             validation_batch_size: int = 256, backup_dir=None, backup_every=None, verbose=0):
    """Run ``trainer`` like ``Model.fit`` (see :meth:`ImportanceTrainer.fit` for the arguments).

    Returns: the ``keras.callbacks.History`` of per-epoch logs.
    Raises: ValueError: for a bad ``epochs``, ``steps_per_epoch`` or ``backup_every``.
    Example:
        >>> from is_keras.sampling.generator import ImportanceBatchGenerator
        >>> from is_keras.training.trainer import ImportanceTrainer
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2, activation="softmax")])
        >>> gen = ImportanceBatchGenerator(np.zeros((8, 2), "float32"), np.arange(8) % 2, batch_size=4)
        >>> len(fit_loop(ImportanceTrainer(model, gen), 3).history["loss"])
        3
    """
    epochs = Option(int, low=0).check("epochs", epochs)
    steps = trainer.generator.steps_per_epoch if steps_per_epoch is None else steps_per_epoch
    steps = Option(int, low=1).check("steps_per_epoch", steps)
    Option(int, low=1, none_ok=True).check("backup_every", backup_every)
    model = trainer.model
    history = keras.callbacks.History()
    progress = SamplingProgress(trainer.generator)  # first: scheduled methods follow the run, adaptive ones log
    callback_list = keras.callbacks.CallbackList([progress, *(callbacks or []), history], add_progbar=bool(verbose),
                                                 model=model, verbose=verbose, epochs=epochs, steps=steps)
    backup = RunBackup(backup_dir, trainer) if backup_dir is not None else None
    start_epoch, start_step, losses = backup.restore() if backup is not None else (0, 0, [])
    model.stop_training = False
    callback_list.on_train_begin()
    logs: dict = {}
    for epoch in range(start_epoch, epochs):
        callback_list.on_epoch_begin(epoch)
        first = start_step if epoch == start_epoch else 0
        losses = losses if epoch == start_epoch else []
        for step in range(first, steps):
            callback_list.on_train_batch_begin(step)
            logs = trainer.train_step()
            losses.append(logs["loss"])
            callback_list.on_train_batch_end(step, logs)
            if backup is not None and backup_every and step + 1 < steps and trainer.steps_done % backup_every == 0:
                backup.save(epoch, step + 1, losses)
            if model.stop_training:
                break
        logs = dict(logs, loss=float(np.mean(losses)) if losses else float("nan"))
        if validation_data is not None:
            logs.update(_validate(model, validation_data, validation_batch_size))
        callback_list.on_epoch_end(epoch, logs)
        if backup is not None:  # a stopped run is saved as finished: resuming it trains nothing more
            backup.save(epochs if model.stop_training else epoch + 1, 0, [])
        if model.stop_training:
            break
    callback_list.on_train_end(logs)
    warn_if_still_in_first_pass(np.asarray(trainer.generator.loss_table), trainer.generator.method,
                                has_first_pass=not getattr(trainer.generator, "selects_candidates", False))
    return history


def _validate(model, validation_data, batch_size: int) -> dict:
    if not isinstance(validation_data, tuple | list) or len(validation_data) != 2:
        raise ValueError("validation_data must be a pair (x_val, y_val)")
    x_val, y_val = validation_data
    results = model.evaluate(x_val, y_val, batch_size=batch_size, verbose=0, return_dict=True)
    return {f"val_{name}": float(value) for name, value in results.items()}
