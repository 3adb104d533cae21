"""One global loss table under tf.distribute: MirroredStrategy (two logical CPUs) and
MultiWorkerMirroredStrategy (two local worker processes over loopback) end with the
same table as a single-device run of the same seed and data.

Each strategy needs a fresh TensorFlow (logical devices and the cluster are fixed
when TF initialises), so the runs happen in subprocesses running the script below.
"""

import json
import os
import socket
import subprocess
import sys
import textwrap

import numpy as np

SCRIPT = textwrap.dedent(
    '''
    import json, os, sys
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    mode, out = sys.argv[1], sys.argv[2]
    if mode == "worker":
        index, ports = int(sys.argv[3]), sys.argv[4].split(",")
        os.environ["TF_CONFIG"] = json.dumps({
            "cluster": {"worker": [f"127.0.0.1:{p}" for p in ports]},
            "task": {"type": "worker", "index": index},
        })
    import numpy as np
    import tensorflow as tf

    if mode == "mirrored":
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    else:
        strategy = tf.distribute.MultiWorkerMirroredStrategy()

    import keras
    from is_keras.sampling import ImportanceBatchGenerator
    from is_keras.training.distributed import DistributedImportanceTrainer
    from is_keras.training.trainer import ImportanceTrainer

    STEPS = 10  # 6 steps of the first pass (96 / 16), then 4 importance-sampled steps

    def model(mixed=False):
        # no batch norm: its statistics would be per replica (half batches)
        keras.utils.set_random_seed(1)
        keras.mixed_precision.set_global_policy("mixed_float16" if mixed else "float32")
        try:
            return keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(4, 3, activation="relu"),
                                     keras.layers.Flatten(),
                                     keras.layers.Dense(5, activation="softmax", dtype="float32")])
        finally:
            keras.mixed_precision.set_global_policy("float32")

    def run(distributed, on_device, unbiased=False, mixed=False, method="is-probabilistic"):
        rng = np.random.default_rng(0)
        x = rng.normal(size=(96, 8, 8, 1)).astype("float32")
        y = rng.integers(0, 5, size=96)
        gen = ImportanceBatchGenerator(x, y, batch_size=16, method=method, seed=3, unbiased=unbiased)
        options = dict(learning_rate=1e-2, data_on_device=on_device, mixed_precision=mixed)
        if distributed:
            with strategy.scope():
                net = model(mixed)
            trainer = DistributedImportanceTrainer(net, gen, strategy, **options)
        else:
            trainer = ImportanceTrainer(model(mixed), gen, **options)
        draws, draw = [], gen.next_indices
        gen.next_indices = lambda: draws.append(draw().tolist()) or np.array(draws[-1])
        for _ in range(STEPS):
            trainer.train_step()
        return np.array(gen.loss_table).tolist(), draws

    result = {"replicas": strategy.num_replicas_in_sync}
    for on_device in ([True, False] if mode == "mirrored" else [True]):
        result[f"distributed_{on_device}"] = run(True, on_device)
        result[f"single_{on_device}"] = run(False, on_device)
    # importance weights split across replicas; float16 compute under the strategy (NIS: the
    # draws cannot depend on float16 rounding, so the tables are compared slot by slot)
    if mode == "mirrored":
        for key, options in (("unbiased", dict(unbiased=True)), ("mixed", dict(mixed=True, method="nis")),
                             ("auto", dict(method="auto"))):
            result[f"distributed_{key}"] = run(True, True, **options)
            result[f"single_{key}"] = run(False, True, **options)
    if mode == "mirrored":  # a step whose losses are NaN raises and changes nothing (batch-norm statistics too)
        class Scale(keras.layers.Layer):
            def build(self, shape):
                self.factor = self.add_weight(shape=(), initializer="ones", trainable=False, name="factor")

            def call(self, inputs):
                return inputs * keras.ops.cast(self.factor, inputs.dtype)

        rng = np.random.default_rng(0)
        x = rng.normal(size=(96, 8, 8, 1)).astype("float32")
        y = rng.integers(0, 5, size=96)
        gen = ImportanceBatchGenerator(x, y, batch_size=16, method="is-probabilistic", seed=3)
        with strategy.scope():
            keras.utils.set_random_seed(1)
            scale = Scale()
            net = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(4, 3),
                                    keras.layers.BatchNormalization(), scale, keras.layers.Flatten(),
                                    keras.layers.Dense(5, activation="softmax")])
        trainer = DistributedImportanceTrainer(net, gen, strategy, learning_rate=1e-2)
        for _ in range(3):
            trainer.train_step()

        def snapshot():
            values = [v.numpy().tolist() for v in net.variables if v.path != scale.factor.path]
            return values + [v.numpy().tolist() for v in trainer.optimizer.variables] + [gen.loss_table.tolist()]

        before = snapshot()
        scale.factor.assign(float("nan"))
        try:
            trainer.train_step()
            raised = False
        except FloatingPointError:
            raised = True
        scale.factor.assign(1.0)
        result["failed_step"] = {"raised": raised, "unchanged": snapshot() == before}
        trainer.train_step()  # and training goes on
        result["failed_step"]["goes_on"] = int(np.sum(np.isfinite(gen.loss_table))) == 4 * 16  # the retried batch
    with open(out, "w") as f:
        json.dump(result, f)
    '''
)


def _run_script(tmp_path, *args):
    """Start one subprocess per argument tuple."""
    script = tmp_path / "distributed_run.py"
    script.write_text(SCRIPT)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="")
    return [subprocess.Popen([sys.executable, str(script), *a], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True) for a in args]


def _wait(procs, timeout=150):
    for proc in procs:
        output, _ = proc.communicate(timeout=timeout)
        assert proc.returncode == 0, output[-3000:]


def _check_same_as_single_device(result, key, rtol=1e-5, atol=1e-6):
    table, draws = result[f"distributed_{key}"]
    single_table, single_draws = result[f"single_{key}"]
    table, single_table = np.array(table), np.array(single_table)
    assert np.all(np.isfinite(table))  # every sample visited, losses came back for all of them
    # the same global batches, drawn from the same table ...
    assert draws == single_draws
    # ... and the replicas' losses land at their samples' slots, matching one device
    np.testing.assert_allclose(table, single_table, rtol=rtol, atol=atol)


def test_mirrored_strategy_keeps_one_table_like_a_single_device(tmp_path):
    out = tmp_path / "mirrored.json"
    _wait(_run_script(tmp_path, ("mirrored", str(out))))
    result = json.loads(out.read_text())
    assert result["replicas"] == 2
    _check_same_as_single_device(result, "True")   # data gathered on the device
    _check_same_as_single_device(result, "False")  # data gathered on the host
    _check_same_as_single_device(result, "unbiased")  # each replica steps on its slice of the weights
    _check_same_as_single_device(result, "mixed", rtol=2e-2, atol=1e-3)  # float16 compute, float32 table
    _check_same_as_single_device(result, "auto")  # the adaptive sampler behind a strategy
    assert result["failed_step"] == {"raised": True, "unchanged": True, "goes_on": True}


def _free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ",".join(map(str, ports))


def test_multi_worker_mirrored_strategy_keeps_one_table_on_every_worker(tmp_path):
    ports = _free_ports(2)
    outs = [tmp_path / f"worker{i}.json" for i in range(2)]
    _wait(_run_script(tmp_path, *[("worker", str(outs[i]), str(i), ports) for i in range(2)]))
    results = [json.loads(out.read_text()) for out in outs]
    assert results[0]["replicas"] == results[1]["replicas"] == 2
    # both workers hold the very same table (they wrote the same all-gathered losses) ...
    assert results[0]["distributed_True"] == results[1]["distributed_True"]
    # ... which is the single-device table
    _check_same_as_single_device(results[0], "True")
