"""Importance sampling through plain Keras fit (ImportanceSamplingModel)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from is_keras import ImportanceBatchGenerator, OneMinusAUC
from is_keras.data import load_digits
from is_keras.models import crapnet
from is_keras.training import ImportanceSamplingModel


def test_keras_fit_updates_the_table_every_step_and_learns():
    (x, y), (xv, yv) = load_digits()
    keras.utils.set_random_seed(0)
    gen = ImportanceBatchGenerator(x, y, batch_size=64, method="is-probabilistic", seed=0)
    wrapped = ImportanceSamplingModel(crapnet(x.shape[1:], 10, width=8), gen)
    wrapped.compile(optimizer="adam", metrics=["accuracy"])
    auc = OneMinusAUC(xv, yv, eval_every=11)
    history = wrapped.fit(wrapped.training_dataset(), steps_per_epoch=gen.steps_per_epoch, epochs=6, shuffle=False,
                          validation_data=(xv, yv), callbacks=[auc], verbose=0)
    steps = 6 * gen.steps_per_epoch
    assert gen.num_updates == steps
    assert int(wrapped.samples_seen.numpy()) == steps * 64
    assert np.all(np.isfinite(gen.loss_table))  # first pass complete: every sample has a loss
    assert auc.samples == [64 * 11 * (i + 1) for i in range(len(auc.samples))]
    assert max(auc.one_minus_auc[-3:]) < auc.one_minus_auc[0] / 1.5
    assert history.history["loss"][-1] < history.history["loss"][0] / 2
    assert history.history["accuracy"][-1] > 0.8
    assert "val_loss" in history.history


def test_keras_fit_refuses_batches_without_indices():
    (x, y), _ = load_digits()
    gen = ImportanceBatchGenerator(x, y, batch_size=64)
    wrapped = ImportanceSamplingModel(crapnet(x.shape[1:], 10, width=4), gen)
    wrapped.compile()
    with pytest.raises(ValueError, match="expects \\(x, y, indices\\) or"):
        wrapped.fit(x, y, epochs=1, verbose=0)


def _tiny(seed=0, regularizer=None):
    keras.utils.set_random_seed(seed)
    hidden = keras.layers.Dense(8, activation="relu", kernel_regularizer=regularizer)
    return keras.Sequential([keras.Input((4,)), hidden, keras.layers.Dense(3, activation="softmax")])


def _tiny_data(n=64):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, 4)).astype("float32"), rng.integers(0, 3, size=n)


def test_save_and_load_round_trip_the_wrapped_model_and_the_sampler_config(tmp_path):
    x, y = _tiny_data()
    gen = ImportanceBatchGenerator(x, y, batch_size=16, method="is-probabilistic", exponent=0.5, seed=0)
    wrapped = ImportanceSamplingModel(_tiny(), gen)
    wrapped.compile(optimizer="adam", metrics=["accuracy"])
    wrapped.fit(wrapped.training_dataset(), steps_per_epoch=4, epochs=1, verbose=0)
    wrapped.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    assert isinstance(loaded, ImportanceSamplingModel)
    assert loaded.sampler_config == wrapped.sampler_config
    assert loaded.sampler_config["method"] == "is-probabilistic" and loaded.sampler_config["exponent"] == 0.5
    if hasattr(gen, "sampler_config"):
        assert loaded.sampler_config == gen.sampler_config.to_dict()
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), wrapped.predict(x, verbose=0))
    # the loaded model trains on once it has a generator again
    loaded.attach(ImportanceBatchGenerator(x, y, batch_size=16, seed=1))
    loaded.fit(loaded.training_dataset(), steps_per_epoch=2, epochs=1, verbose=0)
    assert int(loaded.samples_seen.numpy()) == 32


def test_model_checkpoint_to_keras_file(tmp_path):
    x, y = _tiny_data()
    gen = ImportanceBatchGenerator(x, y, batch_size=16, seed=0)
    wrapped = ImportanceSamplingModel(_tiny(), gen)
    wrapped.compile()
    checkpoint = keras.callbacks.ModelCheckpoint(tmp_path / "ck.keras")
    wrapped.fit(wrapped.training_dataset(), steps_per_epoch=4, epochs=2, verbose=0, callbacks=[checkpoint])
    loaded = keras.models.load_model(tmp_path / "ck.keras")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), wrapped.predict(x, verbose=0))


def test_regularization_losses_are_added_to_the_loss():
    x, y = _tiny_data()
    gen = ImportanceBatchGenerator(x, y, batch_size=16, seed=0)
    model, reference = _tiny(regularizer=keras.regularizers.L2(0.5)), _tiny(regularizer=keras.regularizers.L2(0.5))
    wrapped = ImportanceSamplingModel(model, gen)
    wrapped.compile(optimizer=keras.optimizers.SGD(learning_rate=1.0))
    batch = next(iter(gen.as_dataset(prefetch=0)))
    bx, by, idx = (t.numpy() for t in batch)
    history = wrapped.fit(tf.data.Dataset.from_tensors((bx, by, idx)), epochs=1, verbose=0)
    with tf.GradientTape() as tape:
        per_sample = keras.losses.sparse_categorical_crossentropy(by, reference(bx, training=True))
        loss = tf.reduce_mean(per_sample) + tf.add_n(reference.losses)
    grads = tape.gradient(loss, reference.trainable_variables)
    assert float(tf.add_n(reference.losses)) > 0.1  # the regularization matters
    assert history.history["loss"][0] == pytest.approx(float(loss), rel=1e-5)
    for got, v, g in zip(model.trainable_variables, reference.trainable_variables, grads):
        np.testing.assert_allclose(got.numpy(), v.numpy() - g.numpy(), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(gen.loss_table[idx], per_sample.numpy(), rtol=1e-5)  # the table: losses only


def test_logs_carry_samples_seen_and_training_seconds():
    x, y = _tiny_data()
    gen = ImportanceBatchGenerator(x, y, batch_size=16, seed=0)
    wrapped = ImportanceSamplingModel(_tiny(), gen)
    wrapped.compile()
    batch_logs = []

    class Spy(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            batch_logs.append(dict(logs))

    history = wrapped.fit(wrapped.training_dataset(), steps_per_epoch=4, epochs=2, verbose=0, callbacks=[Spy()])
    assert [int(b["samples_seen"]) for b in batch_logs] == [16 * (i + 1) for i in range(8)]
    seconds = [b["training_seconds"] for b in batch_logs]
    assert np.all(np.diff(seconds) > 0)
    assert history.history["training_seconds"][-1] == pytest.approx(wrapped.training_seconds)
    assert history.history["samples_seen"] == [64, 128]


def test_jit_compile_true_moves_backend_auto_in_graph_refuses_host_and_auto_compiles_without_xla():
    x, y = _tiny_data()
    gen = ImportanceBatchGenerator(x, y, batch_size=16, method="is-probabilistic", seed=0)
    moved = ImportanceSamplingModel(_tiny(), gen)  # backend="auto": host on this CPU ...
    assert moved.sampler_backend == "host"
    moved.compile(jit_compile=True)  # ... and in-graph for XLA
    assert moved.sampler_backend == "in-graph" and moved.in_graph_sampler is not None
    moved.fit(moved.training_dataset(), steps_per_epoch=2, epochs=1, verbose=0)
    assert np.sum(np.isfinite(moved.loss_table)) == 32
    no_in_graph = ImportanceBatchGenerator(x, y, batch_size=16, method="infobatch", seed=0)  # no in-graph version
    with pytest.raises(ValueError, match="jit_compile=True needs backend='in-graph'"):
        ImportanceSamplingModel(_tiny(), no_in_graph).compile(jit_compile=True)
    wrapped = ImportanceSamplingModel(_tiny(), gen, backend="host")
    with pytest.raises(ValueError, match="jit_compile=True needs backend='in-graph'"):
        wrapped.compile(jit_compile=True)
    wrapped.compile(jit_compile="auto")
    assert wrapped.jit_compile is False  # the host table write cannot be compiled by XLA
    wrapped.fit(wrapped.training_dataset(), steps_per_epoch=2, epochs=1, verbose=0)
    assert gen.num_updates == 2


def test_the_per_sample_loss_goes_to_the_wrapper_not_to_compile():
    x, y = _tiny_data()
    wrapped = ImportanceSamplingModel(_tiny(), ImportanceBatchGenerator(x, y, batch_size=16))
    with pytest.raises(ValueError, match="not to compile"):
        wrapped.compile(loss="mse")


def test_in_graph_backend_compiles_with_xla_and_writes_the_same_table_as_the_host_backend():
    x, y = _tiny_data(48)
    tables = {}
    for backend in ("host", "in-graph"):
        gen = ImportanceBatchGenerator(x, y, batch_size=16, method="is-probabilistic", seed=0)
        model = _tiny()
        wrapped = ImportanceSamplingModel(model, gen, backend=backend)
        jit = backend == "in-graph"
        wrapped.compile(optimizer=keras.optimizers.SGD(0.0), jit_compile=jit, steps_per_execution=3 if jit else 1)
        wrapped.fit(wrapped.training_dataset(), steps_per_epoch=3, epochs=2, verbose=0)
        assert wrapped.jit_compile is jit
        assert int(wrapped.samples_seen.numpy()) == 6 * 16
        tables[backend] = wrapped.loss_table
        reference = keras.losses.sparse_categorical_crossentropy(y, model(x, training=False)).numpy()
    # with a learning rate of 0 the model is constant: after the first pass every entry is its sample's loss
    np.testing.assert_allclose(tables["in-graph"], reference, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(tables["host"], reference, rtol=1e-5, atol=1e-6)


def test_fit_says_which_backend_auto_chose_and_records_it(capsys):
    x, y = _tiny_data()
    gen = ImportanceBatchGenerator(x, y, batch_size=16, method="nis", seed=0)
    wrapped = ImportanceSamplingModel(_tiny(), gen)  # backend="auto": no GPU here, so host
    wrapped.compile(optimizer="adam")
    history = wrapped.fit(wrapped.training_dataset(), steps_per_epoch=gen.steps_per_epoch, epochs=1, verbose=2)
    printed = capsys.readouterr().out
    assert "sampler backend 'host' (chosen by backend='auto': no GPU visible" in printed
    assert wrapped.sampler_backend == "host" and history.params["sampler_backend"] == "host"
    assert wrapped.get_config()["backend"] == "host"
    explicit = ImportanceSamplingModel(_tiny(), gen, backend="in-graph")
    explicit.compile(optimizer="adam")
    explicit.fit(explicit.training_dataset(), steps_per_epoch=1, epochs=1, verbose=2)
    assert "ImportanceSamplingModel: sampler backend 'in-graph'\n" in capsys.readouterr().out


@pytest.mark.parametrize("backend", ["host", "in-graph"])
def test_a_fit_that_ends_inside_the_first_pass_warns_and_a_longer_one_does_not(backend):
    x, y = _tiny_data()
    gen = ImportanceBatchGenerator(x, y, batch_size=16, method="is-probabilistic", seed=0)
    wrapped = ImportanceSamplingModel(_tiny(), gen, backend=backend)
    wrapped.compile(optimizer="adam")
    with pytest.warns(UserWarning, match=r"inside the uniform first pass \(32 of 64 samples not yet trained\)"):
        wrapped.fit(wrapped.training_dataset(), steps_per_epoch=2, epochs=1, verbose=0)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        wrapped.fit(wrapped.training_dataset(), steps_per_epoch=2, epochs=1, verbose=0)  # the pass ends here


@pytest.mark.parametrize("method", ["is-probabilistic", "selective-backprop"])
def test_after_an_in_graph_fit_the_generators_table_is_the_trained_table(method):
    x, y = _tiny_data()
    gen = ImportanceBatchGenerator(x, y, batch_size=16, method=method, seed=0)
    wrapped = ImportanceSamplingModel(_tiny(), gen, backend="in-graph")
    wrapped.compile(optimizer="adam")
    wrapped.fit(wrapped.training_dataset(), steps_per_epoch=5, epochs=1, verbose=0)
    assert np.any(np.isfinite(gen.loss_table))
    np.testing.assert_array_equal(gen.loss_table, wrapped.loss_table)


@pytest.mark.parametrize("backend", ["host", "in-graph"])
def test_the_placeholder_dataset_has_tf_data_autotuning_off(backend):
    # with autotuning on, releasing the iterator at the end of fit waited up to 2 s for tf.data's tuning thread
    x, y = _tiny_data()
    wrapped = ImportanceSamplingModel(_tiny(), ImportanceBatchGenerator(x, y, batch_size=16, seed=0), backend=backend)
    assert wrapped.training_dataset().options().autotune.enabled is False
