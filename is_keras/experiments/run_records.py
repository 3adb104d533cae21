"""A run's evaluation records and loss-table snapshots (``run_records.json``, ``histogram_<epoch>.npy``) kept beside
its trainer backup (``run_state.pkl``), so a resumed run returns the uninterrupted result value for value."""

from __future__ import annotations

import io
import json
from pathlib import Path

import keras
import numpy as np

from is_keras.experiments.json_files import atomic_write_bytes, atomic_write_json, json_safe
from is_keras.training.run_backup import STATE_FILE

#: The records file in ``backup_dir``.
RECORDS_FILE = "run_records.json"
_FORMAT = 1


class RunRecordsBackup(keras.callbacks.Callback):
    """Saves and restores an evaluation callback's records (and loss-table snapshots) in ``backup_dir``.

    Place it after the evaluation and ``LossTableHistograms`` callbacks and train with ``trainer.fit(backup_dir=...)``;
    records after the trainer's restored step are dropped (they are made again).

    Args:
        backup_dir: the run's backup folder (shared with the trainer's ``run_state.pkl``).
        trainer: the :class:`~is_keras.training.trainer.ImportanceTrainer` (its ``steps_done``).
        evaluator: an :class:`~is_keras.callbacks.evaluation_callback.EvaluationCallback`.
        histograms: the run's ``LossTableHistograms`` callback, or ``None``.
        run_info: what identifies the run; a saved file of another run is refused.
    Raises: ValueError: the records file is corrupt, of another version or of another run, or the trainer's state is
        there without it (the message names the file).
    Example:
        >>> import tempfile
        >>> from is_keras.callbacks.evaluation_callback import EvaluationCallback
        >>> class Trainer:
        ...     steps_done = 0
        >>> folder = tempfile.mkdtemp()
        >>> saver = RunRecordsBackup(folder, Trainer(), EvaluationCallback(), run_info={"seed": 0})
        >>> saver.on_train_begin()
        >>> saver.resumed_from_step, sorted(json.loads((Path(folder) / RECORDS_FILE).read_text()))
        (0, ['evaluator', 'format', 'histograms', 'run', 'steps_done'])
    """

    def __init__(self, backup_dir, trainer, evaluator, *, histograms=None, run_info=None):
        super().__init__()
        self.dir = Path(backup_dir)
        self.path = self.dir / RECORDS_FILE
        self.trainer = trainer
        self.evaluator = evaluator
        self.histograms = histograms
        self.run_info = json.loads(json.dumps(json_safe(run_info or {})))
        self.resumed_from_step = 0
        self._histogram_files: dict[int, dict] = {}
        self._written = None
        self.saved = self._load()

    def _load(self):
        if not self.path.exists():
            if (self.dir / STATE_FILE).exists():
                raise ValueError(f"the backup {self.dir / STATE_FILE} has no records file {self.path} beside it: "
                                 "the run cannot be resumed with its evaluation curve (delete the folder to restart)")
            return None
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError) as err:
            raise ValueError(f"the backup file {self.path} is corrupt or unreadable: {err}") from None
        if not isinstance(data, dict) or data.get("format") != _FORMAT or not isinstance(data.get("evaluator"), dict) \
                or not isinstance(data.get("histograms"), dict):
            raise ValueError(f"the backup file {self.path} is not a run records file of format {_FORMAT}")
        saved_run = data.get("run")
        if saved_run != self.run_info:
            saved_run = saved_run if isinstance(saved_run, dict) else {}
            differ = sorted(k for k in set(saved_run) | set(self.run_info) if saved_run.get(k) != self.run_info.get(k))
            raise ValueError(f"the backup file {self.path} is of another run (it differs in {', '.join(differ)}); "
                             "use another backup folder or delete this one")
        return data

    def _restore(self, steps: int) -> None:
        try:
            self.evaluator.set_state(self.saved["evaluator"], up_to_step=steps)
        except (ValueError, TypeError, KeyError, AttributeError) as err:
            raise ValueError(f"the backup file {self.path} holds bad evaluation records: {err}") from None
        for epoch, entry in self.saved["histograms"].items():
            if self.histograms is None or int(entry["step"]) > steps:
                continue
            file = self.dir / entry["file"]
            try:
                snapshot = np.load(file, allow_pickle=False)
            except (OSError, ValueError) as err:
                raise ValueError(f"the backup file {file} is corrupt or unreadable: {err}") from None
            self.histograms.snapshots[int(epoch)] = snapshot
            self._histogram_files[int(epoch)] = {"step": int(entry["step"]), "file": entry["file"]}

    def _signature(self):
        snapshots = tuple(sorted(self.histograms.snapshots)) if self.histograms is not None else ()
        return len(self.evaluator.values), snapshots

    def _save(self) -> None:
        steps = int(self.trainer.steps_done)
        if self.histograms is not None:
            for epoch, snapshot in sorted(self.histograms.snapshots.items()):
                if epoch not in self._histogram_files:
                    name = f"histogram_{epoch}.npy"
                    npy = io.BytesIO()
                    np.save(npy, np.asarray(snapshot), allow_pickle=False)
                    atomic_write_bytes(self.dir / name, npy.getvalue())
                    self._histogram_files[epoch] = {"step": steps, "file": name}
        atomic_write_json(self.path, {"format": _FORMAT, "run": self.run_info, "steps_done": steps,
                                      "evaluator": self.evaluator.get_state(), "histograms": self._histogram_files})
        self._written = self._signature()

    def on_train_begin(self, logs=None):
        self.resumed_from_step = steps = int(self.trainer.steps_done)
        if self.saved is not None:
            self._restore(steps)
        self._save()

    def on_train_batch_end(self, batch, logs=None):
        if self._signature() != self._written:
            self._save()

    on_epoch_end = on_train_batch_end
