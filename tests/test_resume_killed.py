"""ImportanceTrainer.fit(backup_dir=...) survives SIGKILL: a killed-and-resumed run is bit-identical (CPU).

Each run is a child process (this file run as a script). The killed child sends
itself SIGKILL at the end of a fixed step, so the kill point is deterministic;
with ``backup_every=1`` its last backup is the state after the step before.
The resumed child (same command, same backup folder) and an uninterrupted child
save the final loss table, weights, drawn indices and logged losses as .npy files,
which must be equal bit for bit.
"""

import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
EPOCHS, NUM_SAMPLES, BATCH = 3, 200, 20  # 10 steps an epoch, 30 in all
KILL_AT = 14  # the child kills itself after its 14th step (in epoch 2); the backup holds 13 steps


def child(out_dir, backup_dir, kill_at, data_on_device):
    """Train the tiny run; SIGKILL itself after step ``kill_at`` (0 = never); save the results in ``out_dir``."""
    import keras

    from is_keras.sampling.generator import ImportanceBatchGenerator
    from is_keras.training.trainer import ImportanceTrainer

    rng = np.random.default_rng(0)
    x = rng.normal(size=(NUM_SAMPLES, 5)).astype("float32")
    y = (x[:, 0] > 0).astype("int64") + (x[:, 1] > 0.5)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(3, activation="softmax")])
    gen = ImportanceBatchGenerator(x, y, batch_size=BATCH, method="is-probabilistic", seed=0)
    draws, losses = [], []
    real = gen.next_batch

    def spy():
        batch = real()
        draws.append(np.array(batch[0]))
        return batch

    gen.next_batch = spy

    class Killer(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            losses.append(float(logs["loss"]))
            if len(losses) == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)

    trainer = ImportanceTrainer(model, gen, learning_rate=0.01, data_on_device=data_on_device)
    trainer.fit(epochs=EPOCHS, callbacks=[Killer()], backup_dir=backup_dir, backup_every=1)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    np.save(out / "table.npy", np.array(gen.loss_table))
    np.save(out / "indices.npy", np.stack(draws))
    np.save(out / "losses.npy", np.array(losses))
    np.save(out / "counters.npy", np.array([trainer.samples_seen, trainer.steps_done]))
    for i, w in enumerate(model.get_weights()):
        np.save(out / f"weight{i}.npy", w)


def _run_child(out_dir, backup_dir, kill_at, data_on_device):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="-1",
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    args = [sys.executable, __file__, str(out_dir), str(backup_dir), str(kill_at), str(int(data_on_device))]
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def _load(folder):
    return {p.stem: np.load(p) for p in sorted(Path(folder).glob("*.npy"))}


@pytest.mark.parametrize("data_on_device", [True, False], ids=["device", "host-prefetch"])
def test_a_killed_run_resumes_bit_identically(tmp_path, data_on_device):
    full = _run_child(tmp_path / "full", tmp_path / "full_backup", 0, data_on_device)
    assert full.returncode == 0, full.stderr[-3000:]
    killed = _run_child(tmp_path / "killed", tmp_path / "backup", KILL_AT, data_on_device)
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    assert (tmp_path / "backup" / "run_state.pkl").exists() and not (tmp_path / "killed").exists()
    resumed = _run_child(tmp_path / "resumed", tmp_path / "backup", 0, data_on_device)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    want, got = _load(tmp_path / "full"), _load(tmp_path / "resumed")
    assert sorted(got) == sorted(want) and len(want) == 4 + 4  # 2 dense layers: 4 weight arrays
    for name in ("table", "counters") + tuple(k for k in want if k.startswith("weight")):
        np.testing.assert_array_equal(got[name], want[name], err_msg=name)
    assert want["counters"].tolist() == [EPOCHS * NUM_SAMPLES, EPOCHS * NUM_SAMPLES // BATCH]
    # the resumed child trains steps 14..30 again (the 14th was lost with the kill), with the same logged losses
    np.testing.assert_array_equal(got["losses"], want["losses"][KILL_AT - 1:])
    # and draws the same batches; with prefetch the restored backup already holds step 14's batch
    skip = KILL_AT - 1 if data_on_device else KILL_AT
    np.testing.assert_array_equal(got["indices"], want["indices"][skip:])


if __name__ == "__main__":
    child(sys.argv[1], sys.argv[2], int(sys.argv[3]), bool(int(sys.argv[4])))
