"""Save and resume a whole :class:`ImportanceTrainer` run: weights, optimizer, generator, counters, position."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import numpy as np

#: The file in ``backup_dir`` that holds the run state.
STATE_FILE = "run_state.pkl"
_FORMAT = 1


def saved_steps(backup_dir) -> int | None:
    """Training steps done in the run state saved in ``backup_dir``; ``None`` when there is none.

    Raises: ValueError: the state file is corrupt or not a run state of this version (the message names it).
    Example:
        >>> saved_steps("no/such/folder") is None
        True
    """
    path = Path(backup_dir) / STATE_FILE
    if not path.exists():
        return None
    return int(_read_state(path)["counters"]["steps_done"])


def read_pickle(path: Path, what: str):
    """The object pickled in ``path``; ``ValueError`` "{what} {path} is corrupt or unreadable: ..." if it fails."""
    try:
        with open(path, "rb") as f:
            return pickle.load(f)
    except Exception as err:  # noqa: BLE001 - any unpickling failure means a corrupt file
        raise ValueError(f"{what} {path} is corrupt or unreadable: {err}") from err


def write_pickle(path: Path, state) -> None:
    """Pickle ``state`` to ``path`` atomically (through ``<path>.tmp``)."""
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as f:
        pickle.dump(state, f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)


def _read_state(path: Path) -> dict:
    state = read_pickle(path, "the backup")
    if not isinstance(state, dict) or state.get("format") != _FORMAT:
        raise ValueError(f"the backup {path} is not a run state of this version")
    return state


class RunBackup:
    """The run state of a trainer in ``backup_dir`` (one pickle, replaced atomically).

    Args:
        backup_dir, trainer: the folder (made when needed); the :class:`~is_keras.training.trainer.ImportanceTrainer`.
    Example:
        >>> import tempfile, keras
        >>> from is_keras.sampling.generator import ImportanceBatchGenerator
        >>> from is_keras.training.trainer import ImportanceTrainer
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2, activation="softmax")])
        >>> gen = ImportanceBatchGenerator(np.zeros((8, 2), "float32"), np.arange(8) % 2, batch_size=4)
        >>> backup = RunBackup(tempfile.mkdtemp(), ImportanceTrainer(model, gen))
        >>> backup.restore()
        (0, 0, [])
    """

    def __init__(self, backup_dir, trainer):
        self.path = Path(backup_dir) / STATE_FILE
        self.trainer = trainer

    def save(self, epoch: int, step: int, epoch_losses: list) -> None:
        """Write the state reached after ``step`` steps of epoch ``epoch`` (0-based)."""
        trainer = self.trainer
        pending = trainer._pending
        state = {
            "format": _FORMAT, "num_samples": int(trainer.generator.num_samples),
            "epoch": int(epoch), "step": int(step), "epoch_losses": list(epoch_losses),
            "model": [np.array(v.numpy()) for v in trainer.model.variables],
            "optimizer": [np.array(v.numpy()) for v in trainer.optimizer.variables],
            "generator": {"get_state": trainer.generator.get_state()},
            "pending": None if pending is None else (pending[0], pending[1]), "retry": trainer._retry,
            "counters": {"samples_seen": trainer.samples_seen, "steps_done": trainer.steps_done,
                         "training_seconds": trainer.training_seconds},
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_pickle(self.path, state)

    def restore(self) -> tuple[int, int, list]:
        """Load the saved state into the trainer, if there is one.

        Returns: ``(epoch, step, losses so far in that epoch)`` to resume from; ``(0, 0, [])`` without a backup.
        Raises: ValueError: the file is corrupt or belongs to another run (data size, model, optimizer).
        """
        if not self.path.exists():
            return 0, 0, []
        state = _read_state(self.path)
        trainer = self.trainer
        if state["num_samples"] != trainer.generator.num_samples:
            raise ValueError(f"the backup {self.path} is of a run on {state['num_samples']} samples, "
                             f"this one has {trainer.generator.num_samples}")
        _assign_all(trainer.model.variables, state["model"], f"{self.path}: the model's variables")
        _assign_all(trainer.optimizer.variables, state["optimizer"], f"{self.path}: the optimizer's variables")
        trainer.generator.set_state(state["generator"]["get_state"])
        for name, value in state["counters"].items():  # samples_seen, steps_done, training_seconds
            setattr(trainer, name, value)
        trainer._retry = state["retry"]
        trainer._pending = None
        if state["pending"] is not None:
            trainer._retry = trainer._retry or state["pending"]
            if trainer._retry is not state["pending"]:
                raise ValueError(f"the backup {self.path} holds both a failed and a prefetched batch")
        return state["epoch"], state["step"], list(state["epoch_losses"])


def _assign_all(variables, values, what: str) -> None:
    if len(variables) != len(values):
        raise ValueError(f"{what}: the backup has {len(values)}, this run {len(variables)}")
    for variable, value in zip(variables, values):
        if tuple(variable.shape) != value.shape:
            raise ValueError(f"{what}: {variable.path} has shape {tuple(variable.shape)}, the backup {value.shape}")
    for variable, value in zip(variables, values):
        variable.assign(value)
