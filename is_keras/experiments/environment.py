"""The software and hardware a result was produced with, saved next to every result and printed by ``compare``."""

from __future__ import annotations

import importlib.metadata
import os
import platform


def environment_info() -> dict:
    """Library versions, the device and the machine: what a run's numbers depend on.

    A seed repeats a run only on the same machine with the same TF thread counts (CPU kernels sum in thread order).

    Returns:
        A dict: ``is_keras``, ``tensorflow``, ``keras``, ``numpy``, ``python``, ``device``, ``machine``, ``platform``,
        ``cpu_count``, ``intra_op_threads``, ``inter_op_threads`` (0: TensorFlow's choice).
    Example:
        >>> sorted(environment_info())[:5]
        ['cpu_count', 'device', 'inter_op_threads', 'intra_op_threads', 'is_keras']
    """
    import keras
    import numpy as np
    import tensorflow as tf

    try:
        version = importlib.metadata.version("is_keras")
    except importlib.metadata.PackageNotFoundError:  # not installed as a package
        version = "unknown"
    try:
        cpus = len(os.sched_getaffinity(0))  # the CPUs this process may run on
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    gpus = tf.config.list_logical_devices("GPU")
    return {"is_keras": version, "tensorflow": tf.__version__, "keras": keras.__version__,
            "numpy": np.__version__, "python": platform.python_version(), "device": gpus[0].name if gpus else "CPU",
            "machine": platform.machine(), "platform": platform.platform(), "cpu_count": cpus,
            "intra_op_threads": tf.config.threading.get_intra_op_parallelism_threads(),
            "inter_op_threads": tf.config.threading.get_inter_op_parallelism_threads()}


def environment_line(info: dict) -> str:
    """``info`` (from :func:`environment_info`) on one line, for the start of a command's output.

    Example:
        >>> line = environment_line({"platform": "Linux-6.1-x86_64", "cpu_count": 2, "device": "CPU",
        ...                          "intra_op_threads": 0, "inter_op_threads": 0, "tensorflow": "2.19.0"})
        >>> line.split(";")[0]
        "machine: Linux-6.1-x86_64, 2 CPUs, device CPU, TF threads intra 0 / inter 0 (0: TF's default)"
    """
    get = info.get
    return (f"machine: {get('platform', '?')}, {get('cpu_count', '?')} CPUs, device {get('device', '?')}, "
            f"TF threads intra {get('intra_op_threads', '?')} / inter {get('inter_op_threads', '?')} "
            f"(0: TF's default); TensorFlow {get('tensorflow', '?')}, Keras {get('keras', '?')}, "
            f"numpy {get('numpy', '?')}, Python {get('python', '?')}")


