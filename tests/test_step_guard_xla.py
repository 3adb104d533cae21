"""The finite-step guard's ``tf.cond`` runs after the whole backward pass, on every step that has one.

Under XLA, a cond whose predicate needs only the forward pass lets the graph optimiser move the weight-gradient
convolutions into the update branch, where XLA compiles them to naive loops: the in-graph wrapper under
``jit_compile=True`` on CrapNet (28x28, batch 128) took 0.75 s a step against 0.09 for plain ``model.fit`` with
XLA (``benchmarks/overhead.py --step crapnet``). The guard's predicate must therefore depend on every
``Conv2DBackpropFilter`` of the step; these tests walk the traced graph to check it.
"""

import keras
import numpy as np
import tensorflow as tf

from is_keras.sampling import ImportanceBatchGenerator
from is_keras.training import ImportanceSamplingModel, ImportanceTrainer
from is_keras.training.step_guard import finite_after_gradients


def _conv_model():
    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(4, 3, activation="relu"),
                             keras.layers.Conv2D(4, 3, activation="relu"), keras.layers.GlobalAveragePooling2D(),
                             keras.layers.Dense(3, activation="softmax")])


def _data(n=32):
    x = np.random.default_rng(0).random((n, 8, 8, 1), dtype=np.float32)
    return x, (x.mean(axis=(1, 2, 3)) * 30).astype(np.int64) % 3


def _ancestors(op):
    seen, stack = set(), [op]
    while stack:
        node = stack.pop()
        for parent in [t.op for t in node.inputs] + list(node.control_inputs):
            if parent.name not in seen:
                seen.add(parent.name)
                stack.append(parent)
    return seen


def _guard_depends_on_all_weight_gradients(graph):
    """The guard cond (an ``If`` with the optimizer update) has every top-level Conv2DBackpropFilter upstream."""
    conds = [op for op in graph.get_operations() if op.type in ("If", "StatelessIf")]
    filters = {op.name for op in graph.get_operations() if op.type == "Conv2DBackpropFilter"}
    assert conds and filters, "expected a guarded step with convolution gradients"
    upstream = [_ancestors(cond.inputs[0].op) | {cond.inputs[0].op.name} for cond in conds]
    return any(filters <= names for names in upstream)


def test_the_fit_wrappers_in_graph_guard_waits_for_every_weight_gradient():
    x, y = _data()
    generator = ImportanceBatchGenerator(x, y, batch_size=8, method="is-probabilistic", seed=0)
    wrapped = ImportanceSamplingModel(_conv_model(), generator, backend="in-graph")
    wrapped.compile(optimizer="adam")
    wrapped.optimizer.build(wrapped.trainable_variables)
    graph = tf.function(wrapped.train_step).get_concrete_function(tf.zeros((), tf.int32)).graph
    assert _guard_depends_on_all_weight_gradients(graph)


def test_the_trainers_guard_waits_for_every_weight_gradient():
    x, y = _data()
    generator = ImportanceBatchGenerator(x, y, batch_size=8, method="is-probabilistic", seed=0)
    trainer = ImportanceTrainer(_conv_model(), generator, jit_compile=True)
    trainer._build_step()
    step = tf.function(trainer._step)
    graph = step.get_concrete_function(tf.constant(x[:8]), tf.constant(y[:8]), tf.ones(8)).graph
    assert _guard_depends_on_all_weight_gradients(graph)


def test_the_pinned_condition_keeps_the_value_of_finite():
    nan = tf.constant([float("nan")])
    for finite in (True, False):
        for gradient in (tf.ones(2), nan):
            assert bool(finite_after_gradients(tf.constant(finite), [gradient, None])) is finite
