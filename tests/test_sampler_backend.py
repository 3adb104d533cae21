"""backend="auto": in-graph only where it is expected to pay (GPU, in-memory data, an in-graph method)."""

import numpy as np
import pytest

from is_keras.sampling.generator import ImportanceBatchGenerator
from is_keras.training.sampler_backend import resolve_backend


def _generator(x, method="is-probabilistic"):
    return ImportanceBatchGenerator(x, np.arange(len(x)) % 2, batch_size=4, method=method)


def test_auto_is_host_on_cpu_and_in_graph_on_gpu_for_in_memory_data():
    gen = _generator(np.zeros((16, 3), "float32"))
    assert resolve_backend("auto", gen, gpu_available=False) == "host"
    assert resolve_backend(None, gen, gpu_available=True) == "in-graph"


def test_auto_keeps_memmaps_and_host_only_methods_on_the_host(tmp_path):
    x = np.lib.format.open_memmap(tmp_path / "x.npy", mode="w+", dtype="float32", shape=(16, 3))
    assert resolve_backend("auto", _generator(x), gpu_available=True) == "host"
    in_memory = np.zeros((16, 3), "float32")
    assert resolve_backend("auto", _generator(in_memory, "is-highsubset"), gpu_available=True) == "host"


def test_an_explicit_backend_is_kept_and_an_unknown_one_refused():
    gen = _generator(np.zeros((16, 3), "float32"))
    assert resolve_backend("in-graph", gen, gpu_available=False) == "in-graph"
    with pytest.raises(ValueError, match="backend must be one of"):
        resolve_backend("gpu", gen, gpu_available=False)


@pytest.mark.parametrize("method", ["is-switch", "is-annealed", "is-randomsubset", "nis"])
def test_auto_takes_every_in_graph_method_in_graph_on_gpu(method):
    gen = _generator(np.zeros((16, 3), "float32"), method)
    assert resolve_backend("auto", gen, gpu_available=True) == "in-graph"
