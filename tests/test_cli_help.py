"""`is-keras --help` loads neither TensorFlow nor the experiments; `compare --help` lists the registry's methods."""

import os
import re
import subprocess
import sys

ABSL_LOG_LINE = re.compile(r"^[IWEF]\d{4} ", re.MULTILINE)

HELP_PROBE = """
import sys
from is_keras.cli.main import main
try:
    main(["--help"])
except SystemExit as exit_:
    code = exit_.code
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("tensorflow", "keras", "numpy", "matplotlib")
               or m.startswith(("is_keras.experiments", "is_keras.sampling", "is_keras.data", "is_keras.models")))
print("EXIT", code, "HEAVY", heavy)
"""


def cli_env():
    """The user's environment: no TF_CPP_MIN_LOG_LEVEL of our own (conftest sets one), no GPU."""
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    return {**env, "CUDA_VISIBLE_DEVICES": ""}


def test_top_level_help_imports_no_tensorflow_and_prints_no_log_lines():
    done = subprocess.run([sys.executable, "-c", HELP_PROBE], capture_output=True, text=True, timeout=120,
                          env=cli_env())
    assert done.stderr == ""
    assert done.stdout.strip().endswith("EXIT 0 HEAVY []"), done.stdout
    for command in ("compare", "detect-compare", "sweep", "plot"):
        assert command in done.stdout


def test_compare_help_lists_every_registered_method_and_prints_no_log_lines():
    from is_keras.sampling.methods import METHOD_SPECS

    done = subprocess.run([sys.executable, "-m", "is_keras", "compare", "--help"], capture_output=True, text=True,
                          timeout=300, env={**cli_env(), "COLUMNS": "100000"})
    assert done.returncode == 0, done.stderr
    assert not ABSL_LOG_LINE.search(done.stderr) and "absl" not in done.stderr, done.stderr
    assert "{'" not in done.stdout  # no Python dict in the help (auto's configuration reads method=...)
    options, _, epilog = done.stdout.partition("\nsampling methods (--methods):\n")
    listed = [line.split()[0] for line in epilog.splitlines() if line.strip()]
    assert listed == list(METHOD_SPECS)  # one method a line, from the registry
    assert "is-probabilistic" not in options.split("--methods METHODS", 1)[-1].split("\n  --", 1)[0]  # short help
    for flag in ("--dataset", "--data-root", "--model", "--width", "--params", "--methods", "--exponent",
                 "--uniform-mix", "--unbiased", "--switch-fraction", "--prune-ratio", "--prune-until", "--epochs",
                 "--runs", "--seed", "--batch-size", "--eval-every", "--learning-rate", "--out"):
        assert flag in options


def test_every_compare_option_has_help_text():
    from is_keras.cli.main import build_parser

    parser = build_parser("compare").subcommands["compare"]
    for action in parser._actions:
        assert action.help and not action.help.startswith("read by:"), action.option_strings
